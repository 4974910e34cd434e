import type { us_listen_socket } from "uWebSockets.js";
import { AdminAuth, BuyerAuth } from "./admission/auth.js";
import { Breakers, isRedisFailure } from "./admission/breakers.js";
import { GuardedReservationService } from "./admission/guarded-reservations.js";
import { LoadShedder } from "./admission/load-shedder.js";
import { PurchaseTokens } from "./admission/purchase-token.js";
import { RateLimits } from "./admission/rate-limits.js";
import type { Config } from "./config/schema.js";
import { ApiError } from "./http/errors.js";
import { errorReply, route, type ExchangeOptions, type Handler } from "./http/exchange.js";
import { AdminRoutes, type SaleOps } from "./http/routes/admin.js";
import { BuyerRoutes, type OrderPlacer } from "./http/routes/buyer.js";
import { OpsRoutes, type Probe } from "./http/routes/ops.js";
import { loadUws } from "./http/uws.js";
import { Metrics } from "./observability/metrics.js";
import { createRedis, createSubscriber, type RedisClient } from "./redis/client.js";
import { Keys } from "./redis/keys.js";
import { RedisSaleOps } from "./reservation/redis-sale-ops.js";
import type { ReservationService } from "./reservation/reservation-service.js";
import { SaleStore } from "./reservation/sale-store.js";
import { SoldOutCache } from "./reservation/sold-out-cache.js";

const DEFAULT_PAYMENT_TIMEOUT_SECONDS = 900;

/** Parts a caller may supply instead of the gateway building them (the durable layers, tests). */
export interface GatewayParts {
  placer?: OrderPlacer;
  ops?: SaleOps;
  probes?: Probe[];
  /** Extra routes (the durable layer adds GET /v1/orders/:orderId). */
  routes?: (add: (method: "get" | "post" | "put", pattern: string, name: string, handler: Handler) => void) => void;
}

/** One gateway process: HTTP on uWS over the Redis reservation layer. */
export class Gateway {
  readonly keys: Keys;
  readonly redis: RedisClient;
  readonly sales: SaleStore;
  readonly soldOut: SoldOutCache;
  readonly reservations: ReservationService;
  private readonly subscriber: RedisClient;
  private listenSocket: us_listen_socket | null = null;
  readonly buyerAuth: BuyerAuth;
  readonly metrics: Metrics;
  readonly breakers: Breakers;
  readonly limits: RateLimits;
  readonly shedder: LoadShedder;
  port = 0;

  constructor(
    readonly config: Config,
    private parts: GatewayParts = {},
  ) {
    this.keys = new Keys(config.redis.keyPrefix);
    this.redis = createRedis(config.redis);
    this.subscriber = createSubscriber(config.redis);
    this.buyerAuth = new BuyerAuth(config.auth.userJwtSecret, config.auth.clockSkewSeconds);
    this.soldOut = new SoldOutCache({ max: config.soldOut.cacheMax, ttlMs: config.soldOut.ttlMs });
    this.sales = new SaleStore(this.redis, this.keys, { cacheMs: config.sales.metaCacheMs, retentionSeconds: config.sales.retentionSeconds });
    this.metrics = new Metrics();
    this.breakers = new Breakers(config.admission.breakers, this.metrics);
    this.limits = new RateLimits(config.admission, this.redis, config.redis.keyPrefix, this.metrics);
    this.shedder = new LoadShedder(config.admission.shedding, this.metrics);
    this.reservations = new GuardedReservationService(
      this.redis,
      this.keys,
      this.soldOut,
      { tokenTtlSeconds: config.tokens.ttlSeconds, replaySeconds: config.tokens.replaySeconds, chunkRatio: config.stock.transferChunkRatio },
      this.breakers.redis,
    );
    this.metrics.counterFrom("flashsale_sold_out_short_circuits_total", "Order attempts answered SOLD_OUT from the local flag, without Redis", () => this.soldOut.shortCircuits);
  }

  /** Parts that need the gateway's own Redis client are set after construction, before start(). */
  use(parts: GatewayParts): this {
    this.parts = { ...this.parts, ...parts };
    return this;
  }

  /** Subscribes to stock-returned and sale-changed messages, then listens; port 0 picks a free port. */
  async start(port = this.config.server.port): Promise<this> {
    const uws = loadUws();
    await this.subscriber.subscribe(this.keys.stockReturnedChannel, this.keys.saleChangedChannel, this.keys.acceptedChannel);
    this.subscriber.on("message", (channel: string, saleId: string) => {
      if (channel === this.keys.acceptedChannel) {
        const bar = saleId.indexOf("|");
        this.soldOut.noteAccepted(saleId.slice(0, bar), saleId.slice(bar + 1));
        return;
      }
      if (channel === this.keys.stockReturnedChannel) this.soldOut.clear(saleId);
      if (channel === this.keys.saleChangedChannel) {
        this.sales.forget(saleId);
        this.soldOut.clear(saleId);
      }
    });
    const cfg = this.config;
    const app = uws.App();
    this.shedder.start();
    const opts: ExchangeOptions = {
      maxBodyBytes: cfg.server.maxBodyBytes,
      metrics: this.metrics,
      shedder: this.shedder,
      classify: (err) => (isRedisFailure(err) ? new ApiError("UNAVAILABLE", "Redis is not answering", { "retry-after": "1" }) : undefined),
      onError: (err, req) => process.stderr.write(`[gateway] ${req.method} ${req.path} ${req.requestId}: ${(err as Error)?.stack ?? String(err)}\n`),
    };
    const buyer = new BuyerRoutes({
      auth: this.buyerAuth,
      tokens: new PurchaseTokens(cfg.auth.userJwtSecret),
      sales: this.sales,
      soldOut: this.soldOut,
      reservations: this.reservations,
      placer: this.parts.placer ?? { place: (r) => this.reservations.reserve(r) },
      limits: this.limits,
      breakers: this.breakers,
      metrics: this.metrics,
      tokenLeadMs: cfg.tokens.leadSeconds * 1000,
      tokenTtlMs: cfg.tokens.ttlSeconds * 1000,
    });
    const admin = new AdminRoutes({
      auth: new AdminAuth(cfg.auth.adminToken),
      sales: this.sales,
      reservations: this.reservations,
      ops: this.parts.ops ?? new RedisSaleOps(this.redis, this.keys, this.reservations),
      limits: this.limits,
      defaultShards: cfg.stock.shards,
      defaultPaymentTimeoutSeconds: DEFAULT_PAYMENT_TIMEOUT_SECONDS,
    });
    const ops = new OpsRoutes(
      this.parts.probes ?? [{ name: "redis", check: async () => (await this.redis.ping()) === "PONG" }],
      () => this.breakers.states(),
      this.metrics,
    );
    // Operations endpoints are never shed: a saturated process must still say so.
    const unshed = { shed: false };

    route(app, "get", "/v1/sales/:saleId", "sale", buyer.getSale, opts);
    route(app, "post", "/v1/sales/:saleId/tokens", "token", buyer.issueToken, opts);
    route(app, "post", "/v1/sales/:saleId/orders", "order", buyer.placeOrder, opts);
    route(app, "put", "/v1/admin/sales/:saleId", "admin_put_sale", admin.putSale, opts);
    route(app, "get", "/v1/admin/sales/:saleId/stats", "admin_stats", admin.stats, opts);
    route(app, "post", "/v1/admin/sales/:saleId/reconcile", "admin_reconcile", admin.reconcile, opts);
    route(app, "get", "/healthz", "healthz", ops.healthz, opts, unshed);
    route(app, "get", "/readyz", "readyz", ops.readyz, opts, unshed);
    route(app, "get", "/metrics", "metrics", ops.metricsText, opts, unshed);
    this.parts.routes?.((method, pattern, name, handler) => route(app, method, pattern, name, handler, opts));
    route(app, "any", "/*", "not_found", () => errorReply(new ApiError("NOT_FOUND", "no such route")), opts);
    await new Promise<void>((done, fail) => {
      app.listen(cfg.server.host, port, (sock) => {
        if (!sock) return fail(new Error(`cannot listen on ${cfg.server.host}:${port}`));
        this.listenSocket = sock;
        this.port = uws.us_socket_local_port(sock);
        done();
      });
    });
    return this;
  }

  async close(): Promise<void> {
    if (this.listenSocket) loadUws().us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
    this.shedder.stop();
    this.breakers.shutdown();
    this.subscriber.disconnect();
    this.redis.disconnect();
  }
}

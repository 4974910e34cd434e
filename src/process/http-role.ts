import { AdminAuth, BuyerAuth } from "../admission/auth.js";
import { isRedisFailure } from "../admission/breakers.js";
import { PaymentSignature } from "../admission/payment-signature.js";
import { PurchaseTokens } from "../admission/purchase-token.js";
import { RateLimits } from "../admission/rate-limits.js";
import { ApiError, RETRY_SOON } from "../errors.js";
import { purchaseTokenKeys } from "../config/schema.js";
import { Cors } from "../http/cors.js";
import { OpsHttpServer } from "../http/ops-server.js";
import { AdminRoutes } from "../http/routes/admin.js";
import { AdminOrderRoutes } from "../http/routes/admin-orders.js";
import { BuyerRoutes } from "../http/routes/buyer.js";
import { OpsRoutes } from "../http/routes/ops.js";
import type { OpsProbes } from "../observability/readiness.js";
import { OrderRoutes } from "../http/routes/orders.js";
import { PaymentRoutes } from "../http/routes/payments.js";
import { HttpServer } from "../http/server.js";
import { componentLogger } from "../observability/log.js";
import { createRedis, type RedisClient } from "../redis/client.js";
import type { OrderPlacer } from "../reservation/order-placer.js";
import { SaleChannels } from "../reservation/sale-channels.js";
import type { SaleOps } from "../reservation/sale-ops.js";
import type { ProcessCore } from "./core.js";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { QueueRoutes } from "../http/routes/queue.js";
import { ProgressCache } from "../waiting-room/progress-cache.js";
import { RoomController } from "../waiting-room/room-controller.js";
import { RoomService } from "../waiting-room/room-service.js";
import { RoomStore } from "../waiting-room/room-store.js";
import { readRoomStats } from "../waiting-room/room-overview.js";
import { SignedAdmissionTokens } from "../waiting-room/seams.js";
import { ProofOfWork } from "../waiting-room/proof-of-work.js";
import { roomProofOfWork } from "../waiting-room/proof-of-work-room.js";
import type { Sale } from "../reservation/sale.js";
import type { Config } from "../config/schema.js";
import { QueueTickets } from "../waiting-room/tickets.js";

export type { OpsHttpServer };

/** What the HTTP role serves beside the shared core: the process's probes, sale operations and order placer. */
export interface HttpWiring {
  /** `/readyz` (this process) and `/health/dependencies` (Redis, MySQL, RocketMQ). */
  probes: OpsProbes;
  /** The admin routes' sale operations: the sweeper's, or Redis alone without MySQL. */
  ops: SaleOps;
  /** Asked once, while the buyer routes are built. */
  placer: () => OrderPlacer;
}

/** Where the HTTP role listens: the public port (buyers) and the ops listener (operators, probes, metrics). */
export interface HttpPorts {
  /** `server.port`, or the test's (0 picks a free one). */
  port: number;
  /** `server.ops`, its port possibly the test's (0 picks a free one). */
  ops: { host: string; port: number };
}

/**
 * The HTTP role: buyers on the public uWS listener, operators, probes and metrics on the ops one, and the
 * sharded pub/sub subscriptions that keep this process's sold-out flag and sale cache in step with the
 * others. Each part is kept as soon as it exists, so a start that fails half-way is still closed whole.
 */
export class HttpRole {
  private subscriber: RedisClient | null = null;
  /** The sharded pub/sub subscriptions, per sale loaded. */
  saleChannels: SaleChannels | null = null;
  private server: HttpServer | null = null;
  private opsServer: HttpServer | null = null;
  /** The waiting rooms' admission loop (one driver per room across processes, by lease). */
  roomController: RoomController | null = null;
  /** This process's copies of the rooms' progress. */
  roomProgress: ProgressCache | null = null;

  constructor(private readonly core: ProcessCore) {}

  /** Subscribes to the channels of each sale as it is loaded (sold-out, accepted-token, sale-changed), then listens. */
  async start(at: HttpPorts, wiring: HttpWiring): Promise<void> {
    const cfg = this.core.config;
    const { keys, soldOut, sales, metrics, shedder } = this.core;
    const subscriber = (this.subscriber = createRedis(cfg.redis, { shardedSubscribers: true }));
    this.saleChannels = new SaleChannels(subscriber, keys, {
      accepted: (saleId, token) => soldOut.noteAccepted(saleId, token),
      stockReturned: (saleId) => soldOut.clear(saleId),
      saleChanged: (saleId) => {
        sales.forget(saleId);
        soldOut.clear(saleId);
      },
    });

    metrics.counterFrom(
      "flashsale_sold_out_short_circuits_total",
      "Order attempts answered SOLD_OUT from the local flag, without Redis",
      () => soldOut.shortCircuits,
    );
    const roomStore = new RoomStore(this.core.redis, keys);
    this.roomProgress = new ProgressCache(subscriber, keys, roomStore);
    this.roomController = new RoomController(
      this.core.redis,
      keys,
      roomStore,
      sales,
      this.core.reservations,
      `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
      metrics,
    );
    const channels = this.saleChannels;
    const rooms = this.roomController;
    sales.onLoaded = (sale) => {
      if (sale.waitingRoom) rooms.watch(sale.saleId);
      return channels.watch(sale);
    };
    const routes = this.routes(wiring, roomStore, this.roomProgress);
    const common = {
      maxBodyBytes: cfg.server.maxBodyBytes,
      metrics,
      shedder,
      classify: (err: unknown) =>
        isRedisFailure(err) ? new ApiError("UNAVAILABLE", "Redis is not answering", RETRY_SOON) : undefined,
      log: this.core.log,
      accessSampleRate: cfg.log.accessSampleRate,
    };
    this.server = new HttpServer(
      { ...common, listener: "public", host: cfg.server.host, cors: new Cors(cfg.server.cors) },
      routes,
    );
    this.opsServer = new HttpServer(
      { ...common, listener: "ops", host: at.ops.host, cors: new Cors({ origins: [], maxAgeSeconds: 0 }) },
      routes,
    );
    shedder.start();
    await this.server.listen(at.port);
    await this.opsServer.listen(at.ops.port);
    this.roomController.start();
  }

  /** Stops the admission loop (another process's takes the rooms over when the leases lapse). */
  async stopRooms(): Promise<void> {
    await this.roomController?.stop();
  }

  /** Every route group, with the buyer's auth (its IdP keys fetched now) and the rate limits they share. */
  private routes({ probes, ops, placer }: HttpWiring, roomStore: RoomStore, progress: ProgressCache) {
    const cfg = this.core.config;
    const { sales, soldOut, breakers, metrics, repo, lifecycle } = this.core;
    const auth = new BuyerAuth(cfg.auth.userJwtSecret, cfg.auth.clockSkewSeconds, cfg.auth.jwt);
    // RS256/ES256: the IdP's keys fetched now rather than by the first buyer (a failure is retried on demand).
    void auth.warm();
    metrics.counterFrom(
      "flashsale_jwks_fetches_total",
      "Fetches of the identity provider's JWKS (auth.jwt.jwksUrl)",
      () => auth.jwks?.fetches ?? 0,
    );
    const limits = new RateLimits(cfg.admission, metrics);
    const tokens = new PurchaseTokens(purchaseTokenKeys(cfg.auth));
    const tickets = QueueTickets.fromConfig(cfg.auth);
    const rooms = new RoomService(
      roomStore,
      progress,
      tickets,
      new SignedAdmissionTokens(tokens),
      cfg.admission.roomPollsPerSecond,
    );
    return {
      queue: new QueueRoutes({ auth, sales, rooms, tickets, limits, breakers, ...roomProof(cfg, progress) }),
      buyer: new BuyerRoutes({
        auth,
        tokens,
        sales,
        soldOut,
        reservations: this.core.reservations,
        placer: placer(),
        limits,
        breakers,
        metrics,
        tokenLeadMs: cfg.tokens.leadSeconds * 1000,
        tokenTtlMs: cfg.tokens.ttlSeconds * 1000,
        tokenReplayMs: cfg.tokens.replaySeconds * 1000,
      }),
      orders: new OrderRoutes({ auth, repo, limits, breakers, lifecycle }),
      payments: new PaymentRoutes({
        signature: new PaymentSignature(cfg.payments.webhookSecret, cfg.payments.signatureToleranceSeconds),
        lifecycle,
        limits,
        breakers,
        metrics,
      }),
      admin: new AdminRoutes({
        auth: new AdminAuth(cfg.auth.adminToken),
        sales,
        ops,
        repo,
        limits,
        defaultShards: cfg.stock.shards,
        defaultPaymentTimeoutSeconds: cfg.payments.timeoutSeconds,
        audit: componentLogger("audit", this.core.log),
        // Every room sale has the object, before its admission loop has run too (state NOT_OPEN, PRE_QUEUE).
        roomStats: (sale) => (sale.waitingRoom ? readRoomStats(roomStore, sale) : Promise.resolve(null)),
      }),
      adminOrders: new AdminOrderRoutes({
        auth: new AdminAuth(cfg.auth.adminToken),
        repo,
        limits,
        breakers,
        lifecycle,
      }),
      ops: new OpsRoutes(probes, () => breakers.states(), metrics),
    };
  }

  /** The public port listened on (0 before listening). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  /** The ops listener's port (0 before listening). */
  get opsPort(): number {
    return this.opsServer?.port ?? 0;
  }

  /** Closes the public listener: what still arrives on open connections is refused. The ops one stays. */
  closeListener(): void {
    this.server?.close();
  }

  /** Closes the ops listener (last: probes and scrapes see the drain through). */
  closeOps(): void {
    this.opsServer?.close();
  }

  /** Drops the pub/sub connection (last, with the core's Redis). */
  disconnect(): void {
    this.subscriber?.disconnect();
  }
}

/**
 * The join's proof of work (docs/proof-of-work.md): challenges scaled by the room's demand (buyers not yet
 * admitted) over the units left, both read from this process's progress copy.
 */
function roomProof(cfg: Config, progress: ProgressCache) {
  const pow = ProofOfWork.fromConfig(cfg.admission.proofOfWork, cfg.auth.userJwtSecret);
  return roomProofOfWork(pow, async (sale: Sale) => {
    const p = await progress.get(sale.saleId);
    return p ? { demand: Math.max(0, p.joined - p.admitted), stock: p.unitsLeft } : { demand: 0, stock: sale.stock };
  });
}

/**
 * /healthz, /readyz, /health/dependencies and /metrics alone, on a small node:http server (the writer-only
 * process, `opsHttp`).
 */
export function listenOps(
  core: ProcessCore,
  at: { host: string; port: number },
  probes: OpsProbes,
): Promise<OpsHttpServer> {
  return OpsHttpServer.listen(at.host, at.port, new OpsRoutes(probes, () => core.breakers.states(), core.metrics));
}

import { setTimeout as sleep } from "node:timers/promises";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Producer, PushConsumer } from "rocketmq-client-nodejs";
import { AdminAuth, BuyerAuth } from "./admission/auth.js";
import { Breakers, guardOrderSend, isRedisFailure } from "./admission/breakers.js";
import { GuardedReservationService } from "./admission/guarded-reservations.js";
import { LoadShedder } from "./admission/load-shedder.js";
import { PaymentSignature } from "./admission/payment-signature.js";
import { PurchaseTokens } from "./admission/purchase-token.js";
import { RateLimits } from "./admission/rate-limits.js";
import type { Config } from "./config/schema.js";
import { ApiError, RETRY_SOON } from "./errors.js";
import { AdminRoutes } from "./http/routes/admin.js";
import { BuyerRoutes } from "./http/routes/buyer.js";
import { OpsRoutes } from "./http/routes/ops.js";
import { OrderRoutes } from "./http/routes/orders.js";
import { PaymentRoutes } from "./http/routes/payments.js";
import { HttpServer } from "./http/server.js";
import { OpsHttpServer } from "./http/ops-server.js";
import { OrderLifecycle } from "./orders/order-lifecycle.js";
import { OrderWriter } from "./messaging/order-writer.js";
import { OutboxRelay } from "./messaging/outbox-relay.js";
import { PaymentTimers } from "./messaging/payment-timers.js";
import { quietLogger, rmq } from "./messaging/rocketmq.js";
import { OrderTransactionChecker } from "./messaging/transaction-checker.js";
import { TransactionalOrderPlacer } from "./messaging/transactional-placer.js";
import { PendingRows } from "./messaging/pending-rows.js";
import { Cors } from "./http/cors.js";
import { componentLogger, createLogger, type Logger } from "./observability/log.js";
import { Metrics } from "./observability/metrics.js";
import { redisProbe, tcpProbe, type Probe } from "./observability/readiness.js";
import { migrate } from "./persistence/migrate.js";
import { MysqlShards } from "./persistence/mysql-shards.js";
import { MysqlSaleCatalog } from "./persistence/sale-catalog.js";
import { OrderRepository } from "./persistence/order-repository.js";
import { OrderTransitions } from "./orders/order-transitions.js";
import { SweepLoop } from "./reconciliation/sweep-loop.js";
import { SaleRecovery } from "./reconciliation/sale-recovery.js";
import { Sweeper } from "./reconciliation/sweeper.js";
import { createRedis, slotOwner, type RedisClient } from "./redis/client.js";
import { SaleChannels } from "./reservation/sale-channels.js";
import { durabilityWarning, redisDurability } from "./redis/durability.js";
import { ReplicaAcks } from "./redis/replica-acks.js";
import { Keys } from "./redis/keys.js";
import type { OrderPlacer } from "./reservation/order-placer.js";
import { RedisSaleOps } from "./reservation/redis-sale-ops.js";
import type { ReservationService } from "./reservation/reservation-service.js";
import type { SaleOps } from "./reservation/sale-ops.js";
import { SaleStore } from "./reservation/sale-store.js";
import { SoldOutCache } from "./reservation/sold-out-cache.js";
import { checkDependencies, startingAgainst } from "./startup-checks.js";
import type { CrashPoint } from "./util/crash-point.js";

const warned = new Set<string>();

type PushConsumerListener = ConstructorParameters<typeof rmq.PushConsumer>[0]["messageListener"]["consume"];

/** What one process runs. */
export interface Roles {
  /** The HTTP API: buyers, operators, probes and metrics. */
  http: boolean;
  /**
   * The order writer: the RocketMQ consumer that puts orders into sharded MySQL, with the payment-timeout
   * timer consumer and the outbox relay beside it.
   */
  writer: boolean;
  /** The periodic reconciliation sweep. */
  sweeper: boolean;
}

export interface ProcessOptions {
  /** Default: HTTP and the sweeper, plus the writer when `rocketmq.consumer.enabled`. */
  roles?: Partial<Roles>;
  /** HTTP port; 0 picks a free one. Default `server.port`. */
  port?: number;
  /**
   * /healthz, /readyz and /metrics on a small node:http server at this address (the writer-only process,
   * `rocketmq.consumer.http`; port 0 picks a free one). Readiness adds the order consumer's start-up.
   */
  opsHttp?: { host: string; port: number };
  /** Test only: a SIGKILL at this point of the hand-off. */
  crashAt?: CrashPoint;
  /**
   * Test only: the buy path on Redis alone, for the HTTP and admission tests. Orders are placed by the
   * reservation without the RocketMQ hand-off, nothing reaches MySQL, and there is no writer or sweeper.
   */
  redisOnly?: boolean;
  /** Test only: places orders in place of the transactional placer (a deliberately slow one, say). */
  placer?: OrderPlacer;
  /** The root logger; default JSON lines on stderr at `log.level` (a test passes one that captures them). */
  log?: Logger;
}

/** The durable side of a process: MySQL, the transactional producer with its back-check, writer, sweeper. */
interface Durable {
  checker: OrderTransactionChecker;
  writer: OrderWriter;
  timers: PaymentTimers;
  relay: OutboxRelay;
  sweeper: Sweeper;
  sweepLoop: SweepLoop;
  producer: Producer;
}

/**
 * The composition root: the one place where config becomes objects and a process's roles are chosen.
 * Every role answers the broker's back-checks (the producer's checker), since any process may be the one
 * the broker asks. `start()` builds and starts in dependency order; `close()` stops in reverse.
 */
export class GatewayProcess {
  readonly keys: Keys;
  readonly redis: RedisClient;
  readonly replicaAcks: ReplicaAcks;
  readonly metrics: Metrics;
  readonly breakers: Breakers;
  readonly soldOut: SoldOutCache;
  readonly sales: SaleStore;
  readonly reservations: ReservationService;
  readonly shedder: LoadShedder;
  /** MySQL pools open connections on first use: the Redis-only process has them but never migrates or writes. */
  readonly shards: MysqlShards;
  readonly repo: OrderRepository;
  readonly lifecycle: OrderLifecycle;
  private readonly redisOps: RedisSaleOps;
  private readonly roles: Roles;
  private durableParts: Durable | null = null;
  private consumers: PushConsumer[] = [];
  private subscriber: RedisClient | null = null;
  /** The HTTP role's sharded pub/sub subscriptions, per sale loaded. */
  saleChannels: SaleChannels | null = null;
  private server: HttpServer | null = null;
  private opsServer: OpsHttpServer | null = null;
  /** The order and timer consumers have started (their first route and assignment done). */
  private consuming = false;
  /** Orders answered 202 here whose rows are not yet known written (a draining process waits for them). */
  readonly pendingRows = new PendingRows();
  private placer: TransactionalOrderPlacer | null = null;
  /** Set by drain(): not ready, new requests refused once the listener closes. */
  draining = false;
  /** The start-up warning about Redis durability, if any (tests and operators read it). */
  redisWarning: string | null = null;
  /** The process's root logger (service "gateway", or "writer" for a process without HTTP). */
  readonly log: Logger;

  private constructor(
    readonly config: Config,
    private readonly opts: ProcessOptions,
  ) {
    if ((opts.crashAt || opts.redisOnly || opts.placer) && process.env.NODE_ENV === "production") {
      throw new Error("crash points, the Redis-only buy path and placer overrides are for tests only");
    }
    this.roles = {
      http: opts.roles?.http ?? true,
      writer: !opts.redisOnly && (opts.roles?.writer ?? config.rocketmq.consumer.enabled),
      sweeper: !opts.redisOnly && (opts.roles?.sweeper ?? true),
    };
    this.log = opts.log ?? createLogger({ service: this.roles.http ? "gateway" : "writer", level: config.log.level });
    this.keys = new Keys(config.redis.keyPrefix);
    this.redis = createRedis(config.redis);
    const minAcks = config.redis.minReplicaAcks ?? (config.redis.mode === "cluster" ? 1 : 0);
    this.replicaAcks = new ReplicaAcks(this.redis, minAcks, config.redis.replicaAckTimeoutMs);
    this.metrics = new Metrics();
    this.breakers = new Breakers(config.admission.breakers, this.metrics, slotOwner(this.redis));
    this.shedder = new LoadShedder(config.admission.shedding, this.metrics);
    this.soldOut = new SoldOutCache({ max: config.soldOut.cacheMax, ttlMs: config.soldOut.ttlMs });
    this.shards = new MysqlShards(config.mysql);
    // The test-only Redis-only process has no MySQL: no catalog, so no detection of a Redis that lost a sale.
    const catalog = opts.redisOnly ? undefined : new MysqlSaleCatalog(this.shards);
    this.sales = new SaleStore(this.redis, this.keys, { cacheMs: config.sales.metaCacheMs, retentionSeconds: config.sales.retentionSeconds }, catalog);
    const { tokens, stock } = config;
    this.reservations = new GuardedReservationService(
      this.redis,
      this.keys,
      this.soldOut,
      { replaySeconds: tokens.replaySeconds, chunkRatio: stock.transferChunkRatio },
      this.breakers.redis,
      this.replicaAcks,
    );
    this.reservations.rebalancer.crashAt = opts.crashAt;
    this.redisOps = new RedisSaleOps(this.redis, this.keys, this.reservations);
    this.reservations.onStateLost = (saleId) => this.sales.markLost(saleId);
    this.repo = new OrderRepository(this.shards);
    this.lifecycle = new OrderLifecycle(this.redis, this.keys, this.sales, this.reservations, new OrderTransitions(this.shards), opts.redisOnly ? null : this.repo, config.payments.timeoutSeconds, opts.crashAt, componentLogger("lifecycle", this.log));
  }

  /** Builds and starts a process with these roles. */
  static async start(config: Config, opts: ProcessOptions = {}): Promise<GatewayProcess> {
    const proc = new GatewayProcess(config, opts);
    try {
      await checkDependencies(config, !opts.redisOnly);
      await startingAgainst(`Redis at ${config.redis.mode === "cluster" ? config.redis.nodes.join(", ") : config.redis.url} did not answer PING`, () => proc.redis.ping());
      await proc.checkRedisDurability();
      if (!opts.redisOnly) proc.durableParts = await proc.startDurable();
      if (proc.roles.writer) await proc.startWriter();
      if (proc.roles.http) await proc.startHttp();
      if (opts.opsHttp) await proc.startOpsHttp(opts.opsHttp);
      if (proc.roles.sweeper) proc.durable.sweepLoop.start();
    } catch (err) {
      await proc.close();
      throw err;
    }
    return proc;
  }

  /** Said once per process: a Redis that keeps nothing when it dies makes every 202 provisional. */
  private async checkRedisDurability(): Promise<void> {
    const warning = durabilityWarning(await redisDurability(this.redis).catch(() => []));
    this.redisWarning = warning;
    if (warning && !warned.has(warning)) {
      warned.add(warning);
      this.log.warn(warning);
    }
  }

  /**
   * MySQL (migrated here unless `mysql.migrateOnStart` is false: then a deployment's one-shot migrate step
   * has done it), the producer with its back-check listener, the writer and the sweeper.
   */
  private async startDurable(): Promise<Durable> {
    const cfg = this.config;
    if (cfg.mysql.migrateOnStart) await startingAgainst("MySQL migration failed", () => migrate(cfg.mysql));
    const { repo } = this;
    const log = (component: string) => componentLogger(component, this.log);
    const checker = new OrderTransactionChecker(this.redis, this.keys, log("transaction-checker"));
    // The producer must list the order topic, or the broker's back-checks never reach its checker. Only that
    // one: with a second topic listed, startup now and then waits forever for the proxy's first settings
    // command (seen with rocketmq-client-nodejs 1.0.8 against the 5.3 proxy); the event and timer topics
    // are routed at their first send instead.
    const producer = new rmq.Producer({
      ...this.rocketmqCommon(),
      topics: [cfg.rocketmq.orderTopic],
      logger: quietLogger("producer", this.log),
      checker: { check: (view) => checker.check(view) },
    });
    const timers = new PaymentTimers(producer, cfg.rocketmq.timeoutTopic, this.sales, this.lifecycle, cfg.payments.timeoutSeconds, log("payment-timers"));
    const writer = new OrderWriter(repo, this.redis, this.keys, cfg.rocketmq.consumer, (orders) => {
      timers.schedule(orders);
      this.pendingRows.persisted(orders.map((o) => o.orderId));
    }, log("order-writer"));
    writer.instrument(this.metrics);
    const relay = new OutboxRelay(this.shards, producer, {
      topic: cfg.rocketmq.eventTopic, intervalMs: cfg.outbox.relayIntervalMs, batchMax: cfg.outbox.batchMax, retentionMs: cfg.outbox.retentionSeconds * 1000,
      // One send: up to three attempts (the client's default) and a route lookup, each within the request timeout.
      claimMs: cfg.outbox.claimMs, sendBudgetMs: 4 * cfg.rocketmq.requestTimeoutMs,
    }, this.opts.crashAt, log("outbox-relay"));
    const recovery = new SaleRecovery(this.redis, this.keys, this.sales, repo, this.reservations.rebalancer, {
      quietMs: cfg.sweeper.recoveryQuietMs,
      replayMs: cfg.tokens.replaySeconds * 1000,
    }, log("recovery"));
    const sweeper = new Sweeper(this.redis, this.keys, this.redisOps, writer, repo, this.lifecycle, relay, recovery, {
      persistAfterMs: cfg.sweeper.persistAfterMs,
      leaseMs: cfg.sweeper.leaseMs,
      outboxStaleAfterMs: cfg.outbox.staleAfterMs,
      owner: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    }, this.metrics, log("sweeper"));
    const sweepLoop = new SweepLoop(sweeper, this.sales, this.redis, this.keys, { intervalMs: cfg.sweeper.intervalMs, retentionSeconds: cfg.sales.retentionSeconds });
    await startingAgainst(`the RocketMQ producer did not start against the proxy at ${cfg.rocketmq.endpoints} (topic ${cfg.rocketmq.orderTopic})`, () => producer.startup());
    return { checker, writer, timers, relay, sweeper, sweepLoop, producer };
  }

  private rocketmqCommon() {
    const r = this.config.rocketmq;
    return { endpoints: r.endpoints, namespace: "", requestTimeout: r.requestTimeoutMs };
  }

  /** The order consumer, the payment-timeout consumer and the outbox relay. */
  private async startWriter(): Promise<void> {
    const r = this.config.rocketmq;
    const { writer, timers, relay } = this.durable;
    const subscribe = async (group: string, topic: string, consume: PushConsumerListener, tag: string) => {
      const consumer = new rmq.PushConsumer({
        ...this.rocketmqCommon(),
        consumerGroup: group,
        subscriptions: new Map([[topic, "*"]]),
        messageListener: { consume },
        logger: quietLogger(tag, this.log),
      });
      this.consumers.push(consumer);
      await startingAgainst(`the RocketMQ consumer ${group} did not start against the proxy at ${r.endpoints} (topic ${topic})`, () => consumer.startup());
    };
    await subscribe(r.consumerGroup, r.orderTopic, (view) => writer.consume(view), "consumer");
    await subscribe(r.timeoutGroup, r.timeoutTopic, (view) => timers.consume(view), "timeouts");
    this.consuming = true;
    relay.start();
  }

  private orderPlacer(): OrderPlacer {
    if (this.opts.placer) return this.opts.placer;
    if (this.opts.redisOnly) return { place: (r) => this.reservations.reserve(r) };
    // The half message goes through the RocketMQ breaker; the reservation through the Redis one.
    const { producer } = this.durable;
    const placer = new TransactionalOrderPlacer(producer, this.config.rocketmq.orderTopic, this.reservations, this.config.rocketmq.groupCommit, this.opts.crashAt, guardOrderSend(this.breakers.rocketmq));
    placer.onAccepted = (o) => this.pendingRows.accepted(o.orderId, o.userId);
    placer.instrument(this.metrics);
    this.placer = placer;
    return placer;
  }

  private probes(): Probe[] {
    const redis = redisProbe(this.redis);
    // Not ready once draining: balancers stop sending before the listener closes.
    const serving: Probe = { name: "serving", check: () => Promise.resolve(!this.draining) };
    if (!this.durableParts) return [serving, redis];
    return [serving, redis, { name: "mysql", check: () => this.shards.ping() }, tcpProbe("rocketmq", this.config.rocketmq.endpoints)];
  }

  /** Subscribes to the channels of each sale as it is loaded (sold-out, accepted-token, sale-changed), then listens. */
  private async startHttp(): Promise<void> {
    const cfg = this.config;
    const { keys, soldOut, sales, breakers, metrics } = this;
    const subscriber = (this.subscriber = createRedis(cfg.redis, { shardedSubscribers: true }));
    this.saleChannels = new SaleChannels(subscriber, keys, {
      accepted: (saleId, token) => soldOut.noteAccepted(saleId, token),
      stockReturned: (saleId) => soldOut.clear(saleId),
      saleChanged: (saleId) => {
        sales.forget(saleId);
        soldOut.clear(saleId);
      },
    });
    const channels = this.saleChannels;
    sales.onLoaded = (sale) => channels.watch(sale);
    metrics.counterFrom("flashsale_sold_out_short_circuits_total", "Order attempts answered SOLD_OUT from the local flag, without Redis", () => soldOut.shortCircuits);
    const auth = new BuyerAuth(cfg.auth.userJwtSecret, cfg.auth.clockSkewSeconds, cfg.auth.jwt);
    // RS256/ES256: the IdP's keys fetched now rather than by the first buyer (a failure is retried on demand).
    void auth.warm();
    metrics.counterFrom("flashsale_jwks_fetches_total", "Fetches of the identity provider's JWKS (auth.jwt.jwksUrl)", () => auth.jwks?.fetches ?? 0);
    const limits = new RateLimits(cfg.admission, this.redis, cfg.redis.keyPrefix, metrics);
    const ops: SaleOps = this.durableParts?.sweeper ?? this.redisOps;
    const routes = {
      buyer: new BuyerRoutes({
        auth,
        tokens: new PurchaseTokens(cfg.auth.userJwtSecret),
        sales,
        soldOut,
        reservations: this.reservations,
        placer: this.orderPlacer(),
        limits,
        breakers,
        metrics,
        tokenLeadMs: cfg.tokens.leadSeconds * 1000,
        tokenTtlMs: cfg.tokens.ttlSeconds * 1000,
      }),
      orders: new OrderRoutes({ auth, repo: this.repo, limits, breakers, lifecycle: this.lifecycle }),
      payments: new PaymentRoutes({ signature: new PaymentSignature(cfg.payments.webhookSecret, cfg.payments.signatureToleranceSeconds), lifecycle: this.lifecycle, limits, breakers, metrics }),
      admin: new AdminRoutes({
        auth: new AdminAuth(cfg.auth.adminToken),
        sales,
        ops,
        repo: this.repo,
        limits,
        defaultShards: cfg.stock.shards,
        defaultPaymentTimeoutSeconds: cfg.payments.timeoutSeconds,
      }),
      ops: new OpsRoutes(this.probes(), () => breakers.states(), metrics),
    };
    this.server = new HttpServer(
      {
        host: cfg.server.host,
        maxBodyBytes: cfg.server.maxBodyBytes,
        metrics,
        shedder: this.shedder,
        classify: (err) => (isRedisFailure(err) ? new ApiError("UNAVAILABLE", "Redis is not answering", RETRY_SOON) : undefined),
        cors: new Cors(cfg.server.cors),
        log: this.log,
        accessSampleRate: cfg.log.accessSampleRate,
      },
      routes,
    );
    this.shedder.start();
    await this.server.listen(this.opts.port ?? cfg.server.port);
  }

  /** The writer-only process's probes and metrics: the gateway's checks, plus the consumers' start-up. */
  private async startOpsHttp(at: { host: string; port: number }): Promise<void> {
    const consumer: Probe = { name: "consumer", check: () => Promise.resolve(this.consuming) };
    const probes = this.roles.writer ? [...this.probes(), consumer] : this.probes();
    this.opsServer = await OpsHttpServer.listen(at.host, at.port, new OpsRoutes(probes, () => this.breakers.states(), this.metrics));
  }

  /** The port of the opsHttp server (0 when there is none). */
  get opsPort(): number {
    return this.opsServer?.port ?? 0;
  }

  private get durable(): Durable {
    if (!this.durableParts) throw new Error("this process runs the buy path on Redis alone (redisOnly)");
    return this.durableParts;
  }

  get checker(): OrderTransactionChecker {
    return this.durable.checker;
  }

  get writer(): OrderWriter {
    return this.durable.writer;
  }

  get sweeper(): Sweeper {
    return this.durable.sweeper;
  }

  get sweepLoop(): SweepLoop {
    return this.durable.sweepLoop;
  }

  get timers(): PaymentTimers {
    return this.durable.timers;
  }

  get relay(): OutboxRelay {
    return this.durable.relay;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /**
   * SIGTERM: drain(), then close(), the whole within `server.drainGraceMs + drainTimeoutMs` whatever state
   * Redis, RocketMQ or MySQL are in (a client waiting on a dead Redis Cluster waits for ever). What is still
   * running at the deadline is abandoned (the process exits next) and named in the report: the sweeper and
   * the broker's back-check finish it.
   */
  async stop(): Promise<StopReport> {
    const cfg = this.config.server;
    const deadline = Date.now() + cfg.drainGraceMs + cfg.drainTimeoutMs;
    // Closing the clients needs a moment too (consumers and producer say goodbye to the proxy).
    await this.drain(deadline - Math.min(CLOSE_RESERVE_MS, cfg.drainTimeoutMs / 4));
    const unfinished = await this.close(deadline);
    return { ...this.leftovers(), unfinished };
  }

  /** What a stop now would leave to others: the sweeper, the broker's back-check, a redelivery. */
  leftovers(): Omit<StopReport, "unfinished"> {
    return { ordersWithoutRow: this.pendingRows.size, groupsUndecided: this.placer?.groupsInFlight ?? 0, messagesUnacked: this.durableParts?.writer.messagesInHand ?? 0 };
  }

  /**
   * Reports not ready (`/readyz` 503) and keeps serving for `server.drainGraceMs` while balancers stop
   * sending; then closes the listener, refuses what still arrives on open connections (503, nothing
   * deducted), answers what is in flight, sends the group commit's last groups, and waits until every
   * order it answered 202 is a MySQL row (its own writer's, or whichever writer the broker handed the
   * message to), until `deadline` (default: the grace plus `server.drainTimeoutMs`). close() then stops the rest.
   */
  async drain(deadline?: number): Promise<{ rowsMissing: number }> {
    const cfg = this.config.server;
    this.draining = true;
    deadline ??= Date.now() + cfg.drainGraceMs + cfg.drainTimeoutMs;
    if (this.server) await sleep(Math.min(cfg.drainGraceMs, Math.max(0, deadline - Date.now())));
    this.server?.close();
    this.shedder.closing = true;
    this.placer?.flush();
    while ((this.shedder.inFlight > 0 || this.placer?.idle === false) && Date.now() < deadline) await sleep(20);
    // A lookup stuck on a cut MySQL must not carry the wait past the deadline.
    await untilDeadline(this.pendingRows.awaitRows(async (orderId, userId) => (await this.repo.getOrder(userId, orderId)) !== null, deadline), deadline);
    return { rowsMissing: this.pendingRows.size };
  }

  /**
   * Stops listening first, then the loops and clients that feed or drain the hand-off; returns the steps
   * still waiting at `deadline` (default none: waits for each), which are abandoned there.
   */
  async close(deadline = Infinity): Promise<string[]> {
    const unfinished: string[] = [];
    const step = async (name: string, run: () => Promise<unknown> | undefined, by = deadline) => {
      if (!(await untilDeadline(Promise.resolve().then(run), by))) unfinished.push(name);
    };
    // The loops get half the time left at most: the clients' goodbyes to the broker then still get theirs.
    const loopsBy = deadline === Infinity ? deadline : Date.now() + (deadline - Date.now()) / 2;
    this.server?.close();
    this.shedder.stop();
    this.breakers.shutdown();
    const d = this.durableParts;
    // Side by side, each with the time left: one stuck on a dead dependency does not starve the others.
    await Promise.all([
      step("ops listener", () => this.opsServer?.close()),
      step("sweep pass", () => d?.sweepLoop.stop(), loopsBy),
      step("outbox relay", () => d?.relay.stop(), loopsBy),
      step("order writer", () => d?.writer.close(Math.min(loopsBy, Date.now() + 10_000)), loopsBy),
    ]);
    // The consume service's own logger ignores the `logger` option and keeps a timer alive after shutdown.
    const closeLogger = (c: PushConsumer) => (c.getConsumeService() as unknown as { logger?: { close?: () => void } } | undefined)?.logger?.close?.();
    await Promise.all([
      ...this.consumers.map((c) => step("consumer shutdown", () => c.shutdown().finally(() => closeLogger(c)))),
      step("producer shutdown", () => d?.producer.shutdown()),
    ]);
    await step("MySQL pools", () => this.shards.close());
    this.subscriber?.disconnect();
    this.redis.disconnect();
    return [...new Set(unfinished)];
  }
}

/** What a stop left to the sweeper, the broker's back-check and redelivery. */
export interface StopReport {
  /** Orders answered 202 here whose rows were not confirmed written. */
  ordersWithoutRow: number;
  /** Order groups whose half message this process neither committed nor rolled back. */
  groupsUndecided: number;
  /** Order messages being written, not acknowledged: the broker delivers them again. */
  messagesUnacked: number;
  /** The steps of close() still waiting at the deadline, abandoned. */
  unfinished: string[];
}

/** Of a stop's budget, what close() gets at least: drain() ends that much before the deadline. */
const CLOSE_RESERVE_MS = 1000;

/** True when `work` settled (either way) before `deadline`, false when the deadline came first (work goes on unwatched). */
async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = work.then(() => true, () => true);
  if (deadline === Infinity) return settled;
  const ac = new AbortController();
  const timeUp = sleep(Math.max(0, deadline - Date.now()), false, { signal: ac.signal }).catch(() => false);
  const done = await Promise.race([settled, timeUp]);
  ac.abort();
  return done;
}

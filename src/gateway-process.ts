import { guardOrderSend, type Breakers } from "./admission/breakers.js";
import type { LoadShedder } from "./admission/load-shedder.js";
import type { Config } from "./config/schema.js";
import type { OrderLifecycle } from "./orders/order-lifecycle.js";
import type { OrderWriter } from "./messaging/order-writer.js";
import type { OutboxRelay } from "./messaging/outbox-relay.js";
import type { PaymentTimers } from "./messaging/payment-timers.js";
import type { OrderTransactionChecker } from "./messaging/transaction-checker.js";
import { TransactionalOrderPlacer } from "./messaging/transactional-placer.js";
import type { PendingRows } from "./messaging/pending-rows.js";
import { createLogger, type Logger } from "./observability/log.js";
import type { Metrics } from "./observability/metrics.js";
import { redisProbe, tcpProbe, type OpsProbes, type Probe } from "./observability/readiness.js";
import type { MysqlShards } from "./persistence/mysql-shards.js";
import type { OrderRepository } from "./persistence/order-repository.js";
import { ProcessCore } from "./process/core.js";
import { startDurable, type Durable } from "./process/durable.js";
import { HttpRole, listenOps } from "./process/http-role.js";
import { rolesOf, type ProcessOptions, type Roles } from "./process/options.js";
import { CLOSE_RESERVE_MS, close, drain, leftovers, type Parts, type StopReport } from "./process/stopping.js";
import { WriterRole } from "./process/writer-role.js";
import type { SweepLoop } from "./reconciliation/sweep-loop.js";
import type { Sweeper } from "./reconciliation/sweeper.js";
import type { RedisClient } from "./redis/client.js";
import type { ReplicaAcks } from "./redis/replica-acks.js";
import type { Keys } from "./redis/keys.js";
import type { OrderPlacer } from "./reservation/order-placer.js";
import type { ReservationService } from "./reservation/reservation-service.js";
import type { SaleChannels } from "./reservation/sale-channels.js";
import type { SaleStore } from "./reservation/sale-store.js";
import type { SoldOutCache } from "./reservation/sold-out-cache.js";
import { checkDependencies } from "./startup-checks.js";

export type { ProcessOptions, Roles, StopReport };

/**
 * The composition root: the one place where config becomes objects and a process's roles are chosen. The
 * shared core (src/process/core.ts) is built here, the durable side and each role by its own file under
 * src/process/. Every role answers the broker's back-checks (the producer's checker), since any process may
 * be the one the broker asks. `start()` builds and starts in dependency order; `close()` stops in reverse.
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
  private readonly core: ProcessCore;
  private readonly roles: Roles;
  /** The durable side and the roles, as each is started. */
  private readonly parts: Parts;
  /** The HTTP role's sharded pub/sub subscriptions, per sale loaded. */
  saleChannels: SaleChannels | null = null;
  /** Orders answered 202 here whose rows are not yet known written (a draining process waits for them). */
  readonly pendingRows: PendingRows;
  /** Set by drain(): not ready, new requests refused once the listener closes. */
  draining = false;
  /** Set once start() has started every role: ready from then until draining. */
  started = false;
  /** The start-up warning about Redis durability, if any (tests and operators read it). */
  redisWarning: string | null = null;
  /** The process's root logger (service "gateway", or "writer" for a process without HTTP). */
  readonly log: Logger;

  private constructor(
    readonly config: Config,
    private readonly opts: ProcessOptions,
  ) {
    this.roles = rolesOf(config, opts);
    this.log = opts.log ?? createLogger({ service: this.roles.http ? "gateway" : "writer", level: config.log.level });
    const core = (this.core = new ProcessCore(config, this.log, opts));
    this.keys = core.keys;
    this.redis = core.redis;
    this.replicaAcks = core.replicaAcks;
    this.metrics = core.metrics;
    this.breakers = core.breakers;
    this.soldOut = core.soldOut;
    this.sales = core.sales;
    this.reservations = core.reservations;
    this.shedder = core.shedder;
    this.shards = core.shards;
    this.repo = core.repo;
    this.lifecycle = core.lifecycle;
    this.pendingRows = core.pendingRows;
    this.parts = { core, durable: null, writer: null, http: null, opsServer: null, placer: null };
  }

  /** Builds and starts a process with these roles. */
  static async start(config: Config, opts: ProcessOptions = {}): Promise<GatewayProcess> {
    const proc = new GatewayProcess(config, opts);
    try {
      await checkDependencies(config, !opts.redisOnly);
      proc.redisWarning = await proc.core.reachRedis();
      if (!opts.redisOnly) proc.parts.durable = await startDurable(proc.core, opts.crashAt);
      if (proc.roles.writer) await (proc.parts.writer = new WriterRole(config, proc.durable, proc.log)).start();
      if (proc.roles.http) await proc.startHttp();
      if (opts.opsHttp) await proc.startOpsHttp(opts.opsHttp);
      if (proc.roles.sweeper) proc.durable.sweepLoop.start();
      proc.started = true;
    } catch (err) {
      await proc.close();
      throw err;
    }
    return proc;
  }

  private orderPlacer(): OrderPlacer {
    if (this.opts.placer) return this.opts.placer;
    if (this.opts.redisOnly) {
      // As the transactional placer: a key that bought, or an expired one, only replays.
      return {
        place: async (r) =>
          (await this.reservations.replayOfAccepted(r.sale, r.userId, r.token, r.quantity, r.tokenExpiresAt)) ??
          this.reservations.reserve(r),
      };
    }
    // The half message goes through the RocketMQ breaker; the reservation through the Redis one.
    const { producer } = this.durable;
    const placer = new TransactionalOrderPlacer(
      producer,
      this.config.rocketmq.orderTopic,
      this.reservations,
      this.config.rocketmq.groupCommit,
      this.opts.crashAt,
      guardOrderSend(this.breakers.rocketmq),
    );
    placer.onAccepted = (o) => this.pendingRows.accepted(o.orderId, o.userId);
    placer.instrument(this.metrics);
    this.parts.placer = placer;
    return placer;
  }

  /**
   * Readiness is this process's: started and not draining (balancers stop sending before the listener
   * closes). The shared dependencies are reported apart (/health/dependencies): one Redis blip must not mark
   * every replica unready at once, since the gateway answers its own 503 with Retry-After meanwhile.
   */
  private probes(): OpsProbes {
    const serving: Probe = { name: "serving", check: () => Promise.resolve(this.started && !this.draining) };
    const redis = redisProbe(this.redis);
    if (!this.parts.durable) return { readiness: [serving], dependencies: [redis] };
    return {
      readiness: [serving],
      dependencies: [
        redis,
        { name: "mysql", check: () => this.shards.ping() },
        tcpProbe("rocketmq", this.config.rocketmq.endpoints),
      ],
    };
  }

  /** The HTTP role, with the admin routes acting through the sweeper (Redis alone without MySQL) and the placer. */
  private async startHttp(): Promise<void> {
    const http = (this.parts.http = new HttpRole(this.core));
    const wiring = {
      probes: this.probes(),
      ops: this.parts.durable?.sweeper ?? this.core.redisOps,
      placer: () => this.orderPlacer(),
    };
    try {
      const ops = this.config.server.ops;
      await http.start(
        { port: this.opts.port ?? this.config.server.port, ops: { ...ops, port: this.opts.opsPort ?? ops.port } },
        wiring,
      );
    } finally {
      this.saleChannels = http.saleChannels;
    }
  }

  /**
   * The writer-only process's probes and metrics: ready once its consumers have started (and until it
   * drains), whatever MySQL says: a writer has no traffic to turn away, and a rollout should not stall on a
   * dependency every writer shares. The dependencies are on /health/dependencies.
   */
  private async startOpsHttp(at: { host: string; port: number }): Promise<void> {
    const consumer: Probe = { name: "consumer", check: () => Promise.resolve(this.parts.writer?.consuming ?? false) };
    const probes = this.probes();
    if (this.roles.writer) probes.readiness.push(consumer);
    this.parts.opsServer = await listenOps(this.core, at, probes);
  }

  /** The ops listener's port: the HTTP role's (admin, probes, metrics), else the opsHttp server's; 0 when none. */
  get opsPort(): number {
    return this.parts.http?.opsPort || this.parts.opsServer?.port || 0;
  }

  private get durable(): Durable {
    if (!this.parts.durable) throw new Error("this process runs the buy path on Redis alone (redisOnly)");
    return this.parts.durable;
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
    return this.parts.http?.port ?? 0;
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
    return leftovers(this.parts);
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
    return drain(this.parts, deadline ?? Date.now() + cfg.drainGraceMs + cfg.drainTimeoutMs);
  }

  /**
   * Stops listening first, then the loops and clients that feed or drain the hand-off (in the order
   * src/process/stopping.ts lists); returns the steps still waiting at `deadline` (default none: waits for
   * each), which are abandoned there.
   */
  async close(deadline = Infinity): Promise<string[]> {
    return close(this.parts, deadline);
  }
}

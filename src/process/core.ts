import { Breakers } from "../admission/breakers.js";
import { GuardedReservationService } from "../admission/guarded-reservations.js";
import { LoadShedder } from "../admission/load-shedder.js";
import type { Config } from "../config/schema.js";
import { PendingRows } from "../messaging/pending-rows.js";
import { OrderLifecycle } from "../orders/order-lifecycle.js";
import { OrderTransitions } from "../orders/order-transitions.js";
import { componentLogger, type Logger } from "../observability/log.js";
import { Metrics } from "../observability/metrics.js";
import { MysqlShards } from "../persistence/mysql-shards.js";
import { OrderRepository } from "../persistence/order-repository.js";
import { MysqlSaleCatalog } from "../persistence/sale-catalog.js";
import { createRedis, slotOwner, type RedisClient } from "../redis/client.js";
import { durabilityWarning, redisDurability } from "../redis/durability.js";
import { Keys } from "../redis/keys.js";
import { ReplicaAcks } from "../redis/replica-acks.js";
import { RedisSaleOps } from "../reservation/redis-sale-ops.js";
import type { ReservationService } from "../reservation/reservation-service.js";
import { SaleStore } from "../reservation/sale-store.js";
import { SoldOutCache } from "../reservation/sold-out-cache.js";
import { startingAgainst } from "../startup-checks.js";
import type { CrashPoint } from "../util/crash-point.js";

const warned = new Set<string>();

/**
 * What every role of a process shares, built from the config alone: Redis with its replica acks, the sales
 * and the reservation service, the sold-out flag, breakers, shedder and metrics, the MySQL shards with the
 * order repository and lifecycle, and the orders still waiting for their rows. The Redis client connects
 * at once; `reachRedis()` is the start's check that it answers. MySQL pools open connections on first use.
 */
export class ProcessCore {
  readonly keys: Keys;
  readonly redis: RedisClient;
  readonly replicaAcks: ReplicaAcks;
  readonly metrics: Metrics;
  readonly breakers: Breakers;
  readonly shedder: LoadShedder;
  readonly soldOut: SoldOutCache;
  readonly shards: MysqlShards;
  readonly sales: SaleStore;
  readonly reservations: ReservationService;
  /** The sale operations on Redis alone (the admin routes' when there is no sweeper). */
  readonly redisOps: RedisSaleOps;
  readonly repo: OrderRepository;
  readonly lifecycle: OrderLifecycle;
  /** Orders answered 202 here whose rows are not yet known written (a draining process waits for them). */
  readonly pendingRows = new PendingRows();

  constructor(
    readonly config: Config,
    readonly log: Logger,
    opts: { crashAt?: CrashPoint; redisOnly?: boolean },
  ) {
    this.keys = new Keys(config.redis.keyPrefix);
    this.redis = createRedis(config.redis);
    const minAcks = config.redis.minReplicaAcks ?? (config.redis.mode === "cluster" ? 1 : 0);
    this.replicaAcks = new ReplicaAcks(this.redis, minAcks, config.redis.replicaAckTimeoutMs);
    this.metrics = new Metrics();
    this.breakers = new Breakers(
      config.admission.breakers,
      this.metrics,
      slotOwner(this.redis),
      config.mysql.queryTimeoutMs,
    );
    this.shedder = new LoadShedder(config.admission.shedding, this.metrics);
    this.soldOut = new SoldOutCache({ max: config.soldOut.cacheMax, ttlMs: config.soldOut.ttlMs });
    this.shards = new MysqlShards(config.mysql);
    // The test-only Redis-only process has no MySQL: no catalog, so no detection of a Redis that lost a sale.
    const catalog = opts.redisOnly ? undefined : new MysqlSaleCatalog(this.shards);
    this.sales = new SaleStore(
      this.redis,
      this.keys,
      { cacheMs: config.sales.metaCacheMs, retentionSeconds: config.sales.retentionSeconds },
      catalog,
    );
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
    this.lifecycle = new OrderLifecycle(
      this.redis,
      this.keys,
      this.sales,
      this.reservations,
      // Payments are applied in batches; the MySQL breaker times each batch, not each payment's wait for one,
      // as a write (mysql.queryTimeoutMs, not its timeoutMs for one read: DependencyBreaker.runWrite).
      new OrderTransitions(this.shards, { guard: (call) => this.breakers.mysql.runWrite(call) }),
      opts.redisOnly ? null : this.repo,
      config.payments.timeoutSeconds,
      opts.crashAt,
      componentLogger("lifecycle", this.log),
    );
  }

  /** Redis answers PING (or the start fails naming it); returns the start-up warning about its durability, if any. */
  async reachRedis(): Promise<string | null> {
    const r = this.config.redis;
    await startingAgainst(`Redis at ${r.mode === "cluster" ? r.nodes.join(", ") : r.url} did not answer PING`, () =>
      this.redis.ping(),
    );
    return this.checkRedisDurability();
  }

  /** Said once per process: a Redis that keeps nothing when it dies makes every 202 provisional. */
  private async checkRedisDurability(): Promise<string | null> {
    const warning = durabilityWarning(await redisDurability(this.redis).catch(() => []));
    if (warning && !warned.has(warning)) {
      warned.add(warning);
      this.log.warn(warning);
    }
    return warning;
  }
}

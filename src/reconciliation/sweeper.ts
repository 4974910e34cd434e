import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import type { OrderRepository } from "../persistence/order-repository.js";
import type { OrderWriter } from "../messaging/order-writer.js";
import { parseLedgerRecord } from "../reservation/ledger.js";
import type { RedisSaleOps } from "../reservation/redis-sale-ops.js";
import type { Sale } from "../reservation/sale.js";
import type { SaleOps } from "../reservation/sale-ops.js";

export interface SweepReport {
  transfersFinished: number;
  unitsMoved: number;
  openChecked: number;
  ordersPersisted: number;
}

/**
 * One reconciliation pass over a sale: finishes stranded shard transfers, and writes to MySQL every
 * reservation still open (not confirmed) after `persistAfterMs`: the path that closes a message lost to
 * the broker's check limit, a dead-letter queue or a long MySQL outage. Writes are idempotent by order id.
 */
export class Sweeper implements SaleOps {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** The Redis-only part: stock accounting and stranded transfers. */
    private readonly redisOps: RedisSaleOps,
    private readonly writer: OrderWriter,
    private readonly repo: OrderRepository,
    private readonly persistAfterMs: number,
  ) {}

  reconcile(sale: Sale): Promise<SweepReport> {
    return this.sweep(sale);
  }

  async sweep(sale: Sale, now = Date.now()): Promise<SweepReport> {
    const t = await this.redisOps.reconcile(sale, now);
    let openChecked = 0;
    let ordersPersisted = 0;
    for (let shard = 0; shard < sale.shards; shard++) {
      const k = this.keys.shard(sale.saleId, shard);
      const stale = await this.redis.zrangebyscore(k.open, 0, now - this.persistAfterMs);
      openChecked += stale.length;
      if (stale.length === 0) continue;
      const raws = await this.redis.hmget(k.res, ...stale);
      const writes = stale.map(async (orderId, i) => {
        const rec = raws[i] ? parseLedgerRecord(orderId, raws[i]!) : null;
        if (!rec || rec.state !== "reserved") return false;
        return this.writer.write({ orderId, saleId: sale.saleId, skuId: sale.skuId, userId: rec.userId, quantity: rec.quantity, reservedAt: rec.reservedAt });
      });
      ordersPersisted += (await Promise.all(writes)).filter(Boolean).length;
    }
    return { ...t, openChecked, ordersPersisted };
  }

  /** Sets every shard key of an ended sale to expire at `atMs` (tokens carry their own expiry). */
  async expireShards(sale: Sale, atMs: number): Promise<void> {
    await Promise.all(
      Array.from({ length: sale.shards }, (_, i) => {
        const k = this.keys.shard(sale.saleId, i);
        return Promise.all([k.stock, k.buyers, k.res, k.open, k.xout, k.xin].map((key) => this.redis.pexpireat(key, atMs)));
      }),
    );
  }

  /** Stats across Redis and MySQL; drift is 0 when every unit is accounted for and both stores agree. */
  async stats(sale: Sale) {
    const [s, db] = await Promise.all([this.redisOps.stats(sale), this.repo.countBySale(sale.saleId)]);
    const persistedInRedis = s.confirmed + s.paid;
    const persistedInMysql = db.quantity.confirmed + db.quantity.paid;
    return {
      ...s,
      confirmed: db.quantity.confirmed,
      paid: db.quantity.paid,
      cancelled: db.quantity.cancelled,
      mysql: db,
      redis: { confirmed: s.confirmed, paid: s.paid, cancelled: s.cancelled },
      drift: Math.abs(s.drift) + Math.abs(persistedInRedis - persistedInMysql),
    };
  }
}

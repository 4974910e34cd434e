import { LRUCache } from "lru-cache";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { splitStock, type Sale } from "./sale.js";

const FIELDS = ["skuId", "stock", "perUserLimit", "startsAt", "endsAt", "shards", "paymentTimeoutSeconds"] as const;
const PAUSED = "paused";

export type PutSaleResult = { kind: "created" | "updated"; sale: Sale } | { kind: "locked"; sale: Sale };

/**
 * Sale settings live in one Redis hash per sale; each gateway caches them briefly. A started sale can no
 * longer change (SALE_LOCKED), so the cache can only be stale for sales that nobody can buy from yet.
 */
export class SaleStore {
  private readonly cache: LRUCache<string, Sale | false>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    opts: { cacheMs: number; retentionSeconds: number },
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, opts.cacheMs) });
    this.retentionSeconds = opts.retentionSeconds;
  }

  private readonly retentionSeconds: number;

  private readonly loading = new Map<string, Promise<Sale | null>>();

  /** The sale, from the local cache when fresh; null when no such sale. Concurrent misses share one load. */
  get(saleId: string): Promise<Sale | null> {
    const hit = this.cache.get(saleId);
    if (hit !== undefined) return Promise.resolve(hit || null);
    let p = this.loading.get(saleId);
    if (!p) {
      p = this.load(saleId)
        .then((sale) => {
          this.cache.set(saleId, sale ?? false);
          return sale;
        })
        .finally(() => this.loading.delete(saleId));
      this.loading.set(saleId, p);
    }
    return p;
  }

  /** The cached sale without I/O: undefined when not cached (or stale), null when known not to exist. */
  cached(saleId: string): Sale | null | undefined {
    const hit = this.cache.get(saleId);
    return hit === undefined ? undefined : hit || null;
  }

  /** Every sale ever put (the sweeper walks them). */
  async ids(): Promise<string[]> {
    return this.redis.smembers(this.keys.salesIndex);
  }

  /** Drops a sale whose settings expired from the index. */
  async unindex(saleId: string): Promise<void> {
    await this.redis.srem(this.keys.salesIndex, saleId);
  }

  forget(saleId: string): void {
    this.cache.delete(saleId);
    this.remainingCache.delete(saleId);
  }

  private readonly remainingCache = new LRUCache<string, number>({ max: 10_000, ttl: 250 });

  /** Remaining stock for display; may lag by a fraction of a second, as the contract allows. */
  async remaining(sale: Sale, compute: () => Promise<number>): Promise<number> {
    const hit = this.remainingCache.get(sale.saleId);
    if (hit !== undefined) return hit;
    const n = await compute();
    this.remainingCache.set(sale.saleId, n);
    return n;
  }

  async load(saleId: string): Promise<Sale | null> {
    const h = await this.redis.hgetall(this.keys.saleMeta(saleId));
    if (!h.skuId) return null;
    return {
      saleId,
      skuId: h.skuId,
      stock: Number(h.stock),
      perUserLimit: Number(h.perUserLimit),
      startsAt: Number(h.startsAt),
      endsAt: Number(h.endsAt),
      shards: Number(h.shards),
      paymentTimeoutSeconds: Number(h.paymentTimeoutSeconds),
      paused: h[PAUSED] === "1",
    };
  }

  /**
   * Pauses or resumes a sale (started or not). Every gateway drops its cached settings on the
   * sale-changed message, and the cache's own expiry (sales.metaCacheMs) bounds a lost message.
   */
  async setPaused(saleId: string, paused: boolean): Promise<Sale | null> {
    // Only an existing sale: HSET on a missing key would make a sale with no settings. Sales are never
    // deleted, only expired long after their end, so nothing can remove it between the two calls.
    if (!(await this.load(saleId))) return null;
    await this.redis.hset(this.keys.saleMeta(saleId), PAUSED, paused ? "1" : "0");
    this.forget(saleId);
    await this.redis.publish(this.keys.saleChangedChannel, saleId);
    return this.load(saleId);
  }

  /**
   * Creates or replaces a sale that has not started, warming its stock into the shards. Each shard refuses
   * if it already holds reservations, so a put can never wipe sold stock even if clocks disagree.
   */
  async put(sale: Sale, now = Date.now()): Promise<PutSaleResult> {
    const prev = await this.load(sale.saleId);
    if (prev && now >= prev.startsAt) return { kind: "locked", sale: prev };
    const perShard = splitStock(sale.stock, sale.shards);
    const shardCount = Math.max(sale.shards, prev?.shards ?? 0);
    for (let i = 0; i < shardCount; i++) {
      const k = this.keys.shard(sale.saleId, i);
      if ((await scripts.warmShard(this.redis, k, perShard[i] ?? 0)) === "locked") return { kind: "locked", sale: prev ?? sale };
    }
    const metaKey = this.keys.saleMeta(sale.saleId);
    await this.redis.sadd(this.keys.salesIndex, sale.saleId);
    // A sale paused before its start stays paused when its settings are replaced.
    await this.redis.hset(metaKey, { ...Object.fromEntries(FIELDS.map((f) => [f, String(sale[f])])), [PAUSED]: prev?.paused ? "1" : "0" });
    // Keys outlive the sale by the retention period, for replays, order status and reconciliation.
    await this.redis.pexpireat(metaKey, sale.endsAt + this.retentionSeconds * 1000);
    this.cache.delete(sale.saleId);
    await this.redis.publish(this.keys.saleChangedChannel, sale.saleId);
    return { kind: prev ? "updated" : "created", sale: { ...sale, paused: prev?.paused ?? false } };
  }
}

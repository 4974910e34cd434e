import { randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { splitStock, type Sale, type WaitingRoomSettings } from "./sale.js";

const FIELDS = ["skuId", "stock", "perUserLimit", "startsAt", "endsAt", "shards", "paymentTimeoutSeconds"] as const;
const PAUSED = "paused";
/** The waiting room's settings as JSON ("" or absent: no room). */
const WAITING_ROOM = "waitingRoom";
/** How often a process refreshes its list of the catalog's sales (what a Redis miss is checked against). */
const CATALOG_LIST_MS = 2000;
/** Set (to the time it was found) while the sale's Redis state is lost and being rebuilt. */
const RECOVERING = "recovering";
/** Set when the sweeper rebuilt the sale's lost state from MySQL: orders reserved before it may be honoured. */
const REBUILT_AT = "rebuiltAt";
/** The warm-up marker: the same value as the sale's row in MySQL. */
const EPOCH = "epoch";

/** A sale as the durable catalog keeps it: the settings, the operator's pause and the warm-up marker. */
export interface CatalogSale {
  sale: Sale;
  /** Written at warm-up into the Redis settings too: Redis without it (or with another) lost the sale. */
  epoch: string;
}

/** The port to the durable copy of sale settings (persistence/sale-catalog.ts, in MySQL). */
export interface SaleCatalog {
  get(saleId: string): Promise<CatalogSale | null>;
  /** Sales whose keys may still be in Redis (not past their end plus `retentionMs`). */
  openIds(now: number, retentionMs: number): Promise<string[]>;
  /** Stores a sale that has not started with a new epoch; false when the stored one has started meanwhile. */
  put(sale: Sale, epoch: string, now: number): Promise<boolean>;
  setPaused(saleId: string, paused: boolean): Promise<void>;
}

/** The most shards a sale ever warmed and when their keys expire (unix ms), kept beside the sale index. */
export interface WarmedShards {
  shards: number;
  expiresAt: number;
}

export async function warmedShards(redis: RedisClient, keys: Keys, saleId: string): Promise<WarmedShards | null> {
  const v = await redis.hget(keys.saleShards, saleId);
  if (!v) return null;
  const [shards, expiresAt] = v.split("|").map(Number);
  return { shards: shards!, expiresAt: expiresAt! };
}

/**
 * Sets every key of the sale's first `shards` shards to expire at `atMs` (a time past deletes them now);
 * purchase tokens carry their own expiry. A key that does not exist is left so.
 */
export async function expireShardKeys(
  redis: RedisClient,
  keys: Keys,
  saleId: string,
  shards: number,
  atMs: number,
): Promise<void> {
  await Promise.all(
    Array.from({ length: shards }, (_, i) => {
      const k = keys.shard(saleId, i);
      return Promise.all(
        [k.stock, k.buyers, k.res, k.open, k.xout, k.xin, k.xdone, k.rebuilt].map((key) => redis.pexpireat(key, atMs)),
      );
    }),
  );
}

export type PutSaleResult = { kind: "created" | "updated"; sale: Sale } | { kind: "locked"; sale: Sale };

/**
 * Sale settings live in one Redis hash per sale, and in MySQL (the catalog) for the day Redis forgets them;
 * each gateway caches them briefly. A started sale can no longer change (SALE_LOCKED, decided by MySQL when
 * there is a catalog), so the cache can only be stale for sales that nobody can buy from yet. A sale MySQL
 * knows and Redis does not is reported paused and `recovering` until the sweeper has rebuilt it.
 */
export class SaleStore {
  private readonly cache: LRUCache<string, Sale | false>;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    opts: { cacheMs: number; retentionSeconds: number },
    /** Absent only in the test-only Redis-only process. */
    private readonly catalog?: SaleCatalog,
  ) {
    this.cache = new LRUCache({ max: 10_000, ttl: Math.max(1, opts.cacheMs) });
    this.retentionSeconds = opts.retentionSeconds;
  }

  private readonly retentionSeconds: number;

  private readonly loading = new Map<string, Promise<Sale | null>>();

  /**
   * Told of every sale loaded, before it is cached (the gateway subscribes to its channels). A failure does
   * not fail the load: the next load, a cache period later, asks again.
   */
  onLoaded?: (sale: Sale) => Promise<void>;

  /** The sale, from the local cache when fresh; null when no such sale. Concurrent misses share one load. */
  get(saleId: string): Promise<Sale | null> {
    const hit = this.cache.get(saleId);
    if (hit !== undefined) return Promise.resolve(hit || null);
    let p = this.loading.get(saleId);
    if (!p) {
      p = this.load(saleId)
        .then(async (sale) => {
          if (sale && this.onLoaded) await this.onLoaded(sale).catch(() => {});
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

  /** Every sale put and not yet expired (the sweeper walks them): Redis's index and MySQL's catalog. */
  async ids(now = Date.now()): Promise<string[]> {
    const [indexed, catalogued] = await Promise.all([
      this.redis.smembers(this.keys.salesIndex),
      this.catalog ? this.catalog.openIds(now, this.retentionSeconds * 1000) : [],
    ]);
    return [...new Set([...indexed, ...catalogued])];
  }

  /**
   * Drops a sale whose settings expired from the index, after setting its shard keys to expire when the
   * settings did (a time now past: they go at once). The keys the scripts create after warm-up (buyers,
   * ledger, open index, transfers) get their expiry only here or from a sweep pass after the sale's end,
   * never on the reserve path; without this, a sale no pass saw between its end and the settings' expiry
   * would leave them forever. Every shard ever warmed is covered, those a re-put dropped too.
   */
  async unindex(saleId: string): Promise<void> {
    // The id put again after its settings expired: the keys are the new sale's, and so is the index entry.
    if ((await this.redis.hexists(this.keys.saleMeta(saleId), "skuId")) === 1) return;
    const warmed = await warmedShards(this.redis, this.keys, saleId);
    if (warmed) await expireShardKeys(this.redis, this.keys, saleId, warmed.shards, warmed.expiresAt);
    await this.redis.hdel(this.keys.saleShards, saleId);
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

  /**
   * The sale as Redis holds it; when Redis does not and MySQL does (within its retention), this Redis lost
   * it: the catalog's settings, paused and recovering.
   */
  async load(saleId: string, now = Date.now()): Promise<Sale | null> {
    const h = await this.redis.hgetall(this.keys.saleMeta(saleId));
    if (!h.skuId) {
      // Only a sale the catalog lists costs a MySQL read: unknown ids (typos, probes) stay off MySQL.
      const stored = this.catalog && (await this.catalogLists(saleId, now)) ? await this.catalog.get(saleId) : null;
      if (!stored || now >= stored.sale.endsAt + this.retentionSeconds * 1000) return null;
      return { ...stored.sale, paused: true, recovering: true };
    }
    const recovering = h[RECOVERING] !== undefined;
    return {
      saleId,
      skuId: h.skuId,
      stock: Number(h.stock),
      perUserLimit: Number(h.perUserLimit),
      startsAt: Number(h.startsAt),
      endsAt: Number(h.endsAt),
      shards: Number(h.shards),
      paymentTimeoutSeconds: Number(h.paymentTimeoutSeconds),
      paused: h[PAUSED] === "1" || recovering,
      ...(recovering ? { recovering } : {}),
      ...(h[WAITING_ROOM] ? { waitingRoom: JSON.parse(h[WAITING_ROOM]) as WaitingRoomSettings } : {}),
    };
  }

  private listed: { at: number; ids: Promise<Set<string>> } | null = null;

  /** Whether the catalog lists the sale, from a list refreshed at most every CATALOG_LIST_MS. */
  private async catalogLists(saleId: string, now: number): Promise<boolean> {
    if (!this.listed || now - this.listed.at > CATALOG_LIST_MS) {
      const ids = this.catalog!.openIds(now, this.retentionSeconds * 1000).then((l) => new Set(l));
      this.listed = { at: now, ids };
      ids.catch(() => (this.listed = null));
    }
    return (await this.listed.ids).has(saleId);
  }

  /** The warm-up marker and the recovery flag as Redis holds them (null: no settings in Redis). */
  async marker(saleId: string): Promise<{ epoch: string | null; recoveringSince: number | null } | null> {
    const [skuId, epoch, since] = await this.redis.hmget(this.keys.saleMeta(saleId), "skuId", EPOCH, RECOVERING);
    if (!skuId) return null;
    return { epoch: epoch ?? null, recoveringSince: since ? Number(since) : null };
  }

  /** The catalog's copy (null without a catalog or when MySQL does not know the sale). */
  stored(saleId: string): Promise<CatalogSale | null> {
    return this.catalog ? this.catalog.get(saleId) : Promise.resolve(null);
  }

  /**
   * A reservation found a shard of this sale without its state: flags the sale recovering (every gateway
   * stops selling it within a second) until the sweeper has rebuilt it. Idempotent.
   */
  async markLost(saleId: string, now = Date.now()): Promise<void> {
    const key = this.keys.saleMeta(saleId);
    // Only settings that exist: without them the sale already reads as recovering (from the catalog).
    if ((await this.redis.exists(key)) === 1) await this.redis.hsetnx(key, RECOVERING, String(now));
    await this.changed(saleId);
  }

  /**
   * Writes the catalog's settings back into Redis with its epoch: recovering since `since` while the shards
   * are rebuilt (paused), or (since null) done, selling again unless an operator paused it.
   */
  async writeBack(stored: CatalogSale, since: number | null): Promise<void> {
    const key = await this.writeSettings(stored.sale, stored.sale.paused, stored.epoch);
    if (since === null) await this.redis.hdel(key, RECOVERING);
    else await this.redis.hsetnx(key, RECOVERING, String(since));
    await this.changed(stored.sale.saleId);
  }

  /**
   * The settings hash, expiring with the sale's retention, the sale in the index and its shards warmed
   * (at least `warmed`, at most ever) beside it; returns the settings' key.
   */
  private async writeSettings(sale: Sale, paused: boolean, epoch: string, warmed = sale.shards): Promise<string> {
    const key = this.keys.saleMeta(sale.saleId);
    await this.redis.hset(key, {
      ...Object.fromEntries(FIELDS.map((f) => [f, String(sale[f])])),
      [PAUSED]: paused ? "1" : "0",
      [EPOCH]: epoch,
      [WAITING_ROOM]: sale.waitingRoom ? JSON.stringify(sale.waitingRoom) : "",
    });
    // Keys outlive the sale by the retention period, for replays, order status and reconciliation.
    const expiresAt = this.expiresAt(sale);
    await this.redis.pexpireat(key, expiresAt);
    // Kept without expiry, beside the index: once the settings expire, unindex still knows which shard
    // keys the sale left and when they were due.
    const shards = Math.max(warmed, sale.shards, (await warmedShards(this.redis, this.keys, sale.saleId))?.shards ?? 0);
    await this.redis.hset(this.keys.saleShards, sale.saleId, `${shards}|${expiresAt}`);
    await this.redis.sadd(this.keys.salesIndex, sale.saleId);
    return key;
  }

  /** When every key of the sale expires: its end plus the retention. */
  private expiresAt(sale: Sale): number {
    return sale.endsAt + this.retentionSeconds * 1000;
  }

  /** Drops this process's cached settings and tells every gateway to drop theirs. */
  private async changed(saleId: string): Promise<void> {
    this.forget(saleId);
    await this.redis.spublish(this.keys.saleChanged(saleId), saleId);
  }

  /**
   * The rebuild is done: the recovery flag goes and the sale sells again, unless paused. Only the flag: a
   * pause or resume an operator gave during the rebuild stands (it is in Redis and MySQL already).
   */
  async recovered(saleId: string): Promise<void> {
    await this.redis.hdel(this.keys.saleMeta(saleId), RECOVERING);
    await this.changed(saleId);
  }

  /** Marks the sale rebuilt at `at` (still paused): orders reserved before then may be honoured. */
  async noteRebuilt(saleId: string, at: number): Promise<void> {
    await this.redis.hset(this.keys.saleMeta(saleId), REBUILT_AT, String(at));
  }

  /** When the sale's Redis state was last rebuilt from MySQL (null: never, as far as this Redis knows). */
  async rebuiltAt(saleId: string): Promise<number | null> {
    const at = await this.redis.hget(this.keys.saleMeta(saleId), REBUILT_AT);
    return at ? Number(at) : null;
  }

  /**
   * Pauses or resumes a sale (started or not). Every gateway drops its cached settings on the
   * sale-changed message, and the cache's own expiry (sales.metaCacheMs) bounds a lost message.
   */
  async setPaused(saleId: string, paused: boolean): Promise<Sale | null> {
    // Only an existing sale: HSET on a missing key would make a sale with no settings. Sales are never
    // deleted, only expired long after their end, so nothing can remove it between the two calls.
    if (!(await this.load(saleId))) return null;
    await this.catalog?.setPaused(saleId, paused);
    await this.redis.hset(this.keys.saleMeta(saleId), PAUSED, paused ? "1" : "0");
    await this.changed(saleId);
    return this.load(saleId);
  }

  /**
   * Creates or replaces a sale that has not started, warming its stock into the shards. Each shard refuses
   * if it already holds reservations, so a put can never wipe sold stock even if clocks disagree.
   */
  async put(sale: Sale, now = Date.now()): Promise<PutSaleResult> {
    // MySQL decides first: a started sale stays locked even when Redis has forgotten it.
    const stored = await this.stored(sale.saleId);
    if (stored && now >= stored.sale.startsAt) return { kind: "locked", sale: stored.sale };
    const prev = await this.load(sale.saleId);
    if (prev && now >= prev.startsAt) return { kind: "locked", sale: prev };
    // A sale paused before its start stays paused when its settings are replaced.
    const paused = stored ? stored.sale.paused : (prev?.paused ?? false);
    const perShard = splitStock(sale.stock, sale.shards);
    // Every shard ever warmed, not only the last settings' (8 → 4 → 2 would miss 4…7): the ones the new
    // settings drop are emptied, and all of them expire with this sale, even if it ends earlier than before.
    const warmed = await warmedShards(this.redis, this.keys, sale.saleId);
    const shardCount = Math.max(sale.shards, prev?.shards ?? 0, warmed?.shards ?? 0);
    for (let i = 0; i < shardCount; i++) {
      const k = this.keys.shard(sale.saleId, i);
      if ((await scripts.warmShard(this.redis, k, perShard[i] ?? 0, this.expiresAt(sale))) === "locked")
        return { kind: "locked", sale: prev ?? sale };
    }
    const epoch = randomBytes(8).toString("hex");
    if (this.catalog && !(await this.catalog.put({ ...sale, paused }, epoch, now))) {
      return { kind: "locked", sale: (await this.stored(sale.saleId))?.sale ?? sale };
    }
    this.listed = null;
    const metaKey = await this.writeSettings(sale, paused, epoch, shardCount);
    await this.redis.hdel(metaKey, RECOVERING);
    await this.changed(sale.saleId);
    return { kind: prev || stored ? "updated" : "created", sale: { ...sale, paused } };
  }
}

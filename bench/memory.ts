import type { Redis } from "ioredis";
import mysql, { type RowDataPacket } from "mysql2/promise";
import { PurchaseTokens } from "../src/admission/purchase-token.js";
import type { Config } from "../src/config/schema.js";
import { Metrics } from "../src/observability/metrics.js";
import { migrate } from "../src/persistence/migrate.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import { OrderRepository } from "../src/persistence/order-repository.js";
import type { OrderRow } from "../src/persistence/order-row.js";
import { Sweeper } from "../src/reconciliation/sweeper.js";
import { createRedis } from "../src/redis/client.js";
import { Keys } from "../src/redis/keys.js";
import { scripts } from "../src/redis/scripts.js";
import { homeShard } from "../src/reservation/home-shard.js";
import { newOrderId } from "../src/reservation/order-id.js";
import type { Sale } from "../src/reservation/sale.js";
import { SaleStore } from "../src/reservation/sale-store.js";
import { pool } from "../support/pool.js";
import type { Measurement } from "./lib/benchmark.js";
import { benchConfig, benchEnv, rid, rootConnection } from "./lib/config.js";
import { dropPrefix } from "./lib/redis.js";

/**
 * Memory at scale (issue 10, item 5): what one sale of ORDERS orders costs in Redis (per purchase token,
 * reservation and buyer) and in MySQL (per order row with its indexes and outbox event), and whether
 * every key the sale leaves in Redis expires. Everything goes through the gateway's own code: the token
 * and reserve scripts on a sale warmed by SaleStore.put, OrderRepository.insertOrders after migrate(),
 * Sweeper.expireShards. Redis is the shared one redis.url names, so INFO used_memory deltas carry other
 * clients' noise; MEMORY USAGE over every key of our prefix does not, and both are reported.
 */
const ORDERS = Number(process.env.BENCH_MEMORY_ORDERS ?? 100_000);
/** Tokens issued and never used, to check their expiry (and price them beside used ones). */
const UNUSED = Math.ceil(ORDERS / 10);
/** As the headline sale: 32 shards, so about ORDERS/32 entries per shard hash (far past listpack). */
const SHARDS = 32;
/** Below every listpack threshold per shard (128 zset, 512 hash entries): the encodings' other side. */
const SMALL_SHARDS = 4;
const SMALL_PER_SHARD = 100;
const CONCURRENCY = 256;
const MYSQL_BATCH = 1000;

/** used_memory now, after a short settle, as the minimum of a few reads (other clients' buffers come and go). */
async function usedMemory(redis: Redis): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const info = await redis.info("memory");
    best = Math.min(best, Number(/used_memory:(\d+)/.exec(info)![1]));
    await new Promise((r) => setTimeout(r, 50));
  }
  return best;
}

async function scanPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 2000);
    cursor = next;
    out.push(...keys);
  } while (cursor !== "0");
  return out;
}

/** MEMORY USAGE (every element counted: SAMPLES 0) of each key, pipelined in chunks. */
async function memoryUsage(redis: Redis, keys: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < keys.length; i += 5000) {
    const p = redis.pipeline();
    for (const k of keys.slice(i, i + 5000)) p.call("MEMORY", "USAGE", k, "SAMPLES", "0");
    for (const [err, v] of (await p.exec())!) out.push(err ? 0 : Number(v ?? 0));
  }
  return out;
}

async function pttls(redis: Redis, keys: string[]): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < keys.length; i += 5000) {
    const p = redis.pipeline();
    for (const k of keys.slice(i, i + 5000)) p.pttl(k);
    for (const [, v] of (await p.exec())!) out.push(Number(v));
  }
  return out;
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round1 = (x: number) => Math.round(x * 10) / 10;

/** Which part of the layout a key of our prefix is (docs/architecture.md "Redis layout"). */
function kindOf(prefix: string, key: string): string {
  const rest = key.slice(prefix.length);
  const shard = /^\{[^}]+\}:(.+)$/.exec(rest);
  if (shard) return shard[1]!.startsWith("tok:") ? "tok" : shard[1]!;
  if (rest.startsWith("sale:")) return "sale-settings";
  if (rest.startsWith("sweep-lease:")) return "sweep-lease";
  return rest;
}

interface Buyer {
  userId: string;
  token: string;
  /** The token's expiry, as signed in it (unix ms). */
  expiresAt: number;
  shard: number;
  orderId: string;
}

interface SaleRun {
  sale: Sale;
  buyers: Buyer[];
  reservedAt: number;
}

function makeSale(saleId: string, stock: number, shards: number, now: number): Sale {
  // Live for ten more minutes: token expiry (min(issue + ttl, end)) stays in the future while we look.
  return {
    saleId,
    skuId: "sku-memory",
    stock,
    perUserLimit: 2,
    startsAt: now - 60_000,
    endsAt: now + 600_000,
    shards,
    paymentTimeoutSeconds: 900,
    paused: false,
  };
}

/**
 * Issuing a purchase token writes nothing to Redis (it is signed; the reserve script records its use): the
 * phase is kept so the figures show what an issued, unused token costs, 0 bytes, beside a used one.
 */
async function issue(redis: Redis, keys: Keys, run: SaleRun): Promise<void> {
  const present = await redis.exists(
    ...run.buyers.slice(0, 100).map((b) => keys.shard(run.sale.saleId, b.shard).token(b.token)),
  );
  if (present !== 0) throw new Error(`memory: ${present} unused tokens have a Redis key`);
}

async function reserve(redis: Redis, keys: Keys, cfg: Config, run: SaleRun, buyers: Buyer[]): Promise<void> {
  await pool(buyers, CONCURRENCY, async (b) => {
    const k = keys.shard(run.sale.saleId, b.shard);
    const out = await scripts.reserve(redis, k, {
      userId: b.userId,
      quantity: 1,
      perUserLimit: run.sale.perUserLimit,
      orderId: b.orderId,
      now: run.reservedAt,
      token: b.token,
      tokenExpiresAt: b.expiresAt,
      final: true,
      replayMs: cfg.tokens.replaySeconds * 1000,
      acceptedChannel: k.accepted,
      saleId: run.sale.saleId,
    });
    if (out.kind !== "reserved" || out.replayed) throw new Error(`memory: reserve of ${b.userId} answered ${out.kind}`);
  });
}

function buyersOf(sale: Sale, n: number, tokens: PurchaseTokens, ttlMs: number, name: (i: number) => string): Buyer[] {
  return Array.from({ length: n }, (_, i) => {
    const userId = name(i);
    const shard = homeShard(userId, sale.shards);
    const expiresAt = Math.min(Date.now() + ttlMs, sale.endsAt);
    const token = tokens.mint(sale.saleId, userId, expiresAt);
    return { userId, token, expiresAt, shard, orderId: newOrderId(sale.saleId, shard) };
  });
}

/** Sum of MEMORY USAGE of the shard keys of one kind, over every shard of the sale. */
async function shardKeysUsage(redis: Redis, keys: Keys, sale: Sale, kind: "res" | "open" | "buyers" | "stock") {
  const names = Array.from({ length: sale.shards }, (_, i) => keys.shard(sale.saleId, i)[kind]);
  const bytes = await memoryUsage(redis, names);
  const encodings = new Set<string>();
  for (const k of names) encodings.add(String(await redis.object("ENCODING", k)));
  return { bytes: sum(bytes), encodings: [...encodings] };
}

async function tokenUsage(redis: Redis, keys: Keys, run: SaleRun, buyers: Buyer[]) {
  const names = buyers.map((b) => keys.shard(run.sale.saleId, b.shard).token(b.token));
  const bytes = await memoryUsage(redis, names);
  return {
    total: sum(bytes),
    perToken: sum(bytes) / names.length,
    encoding: (await redis.exists(names[0]!)) ? String(await redis.object("ENCODING", names[0]!)) : "none (no key)",
  };
}

/** Per-item costs of the layout, by MEMORY USAGE, for one sale whose every buyer holds one order. */
async function layoutCosts(redis: Redis, keys: Keys, run: SaleRun, n: number) {
  const [res, open, buyers] = [
    await shardKeysUsage(redis, keys, run.sale, "res"),
    await shardKeysUsage(redis, keys, run.sale, "open"),
    await shardKeysUsage(redis, keys, run.sale, "buyers"),
  ];
  return {
    ledgerRecordBytes: round1(res.bytes / n),
    ledgerEncoding: res.encodings,
    openEntryBytes: round1(open.bytes / n),
    openEncoding: open.encodings,
    buyerEntryBytes: round1(buyers.bytes / n),
    buyersEncoding: buyers.encodings,
    totals: { res: res.bytes, open: open.bytes, buyers: buyers.bytes },
  };
}

/** What each phase of the Redis part works on. */
interface RedisBench {
  cfg: Config;
  prefix: string;
  redis: Redis;
  keys: Keys;
  tokens: PurchaseTokens;
  store: SaleStore;
}

async function redisPart(cfg: Config, prefix: string) {
  const redis = createRedis({ ...cfg.redis, commandTimeoutMs: 30_000 }) as Redis;
  const keys = new Keys(prefix);
  const tokens = new PurchaseTokens(cfg.auth.userJwtSecret);
  const store = new SaleStore(redis, keys, { cacheMs: 0, retentionSeconds: cfg.sales.retentionSeconds });
  const rb: RedisBench = { cfg, prefix, redis, keys, tokens, store };
  try {
    const now = Date.now();
    const t0 = Date.now();
    const small = await smallSale(rb, now);
    const big = await saleAtScale(rb, now);
    // Whole-prefix totals before the expiry step (MEMORY USAGE leaves out the expires-dict entries).
    const before = await scanPrefix(redis, prefix);
    const prefixBytes = sum(await memoryUsage(redis, before));
    const { k0, reshard, fewer } = await otherKeys(rb, big.sale, now);
    const expireAt = await expireShards(rb, [small.sale, fewer, big.sale]);
    const m4 = await usedMemory(redis);
    const expiry = await ttlsByKind(rb);

    const { all, buying } = big;
    return {
      orders: ORDERS,
      shards: SHARDS,
      unusedTokensKept: UNUSED,
      seconds: { issue: big.issueSeconds, reserve: big.reserveSeconds, redisPart: (Date.now() - t0) / 1000 },
      sampleIds: { userId: all[0]!.userId, token: all[0]!.token, orderId: all[0]!.orderId },
      ledgerRecordSample: await redis.hget(k0.res, buying.find((b) => b.shard === 0)!.orderId),
      memoryUsage: memoryUsageFigures(big, prefixBytes, before.length),
      usedMemoryDelta: usedMemoryDeltaFigures(big, m4),
      smallSale: smallSaleFigures(small),
      encodingThresholds: await listpackThresholds(redis),
      expiry: {
        expireShardsAt: new Date(expireAt).toISOString(),
        ...expiry,
        cases: {
          main: `${big.sale.saleId}: ${SHARDS} shards, ${ORDERS} orders, ${UNUSED} tokens left unused, 3 transfers between shards 0 and 1, the sweep lease taken`,
          small: `${small.sale.saleId}: ${SMALL_SHARDS} shards, ${small.buyers.length} orders`,
          reshard: `${reshard.saleId}: put with 8 shards, put again before its start with 4`,
        },
      },
    };
  } finally {
    await dropPrefix(redis, prefix).catch(() => 0);
    redis.disconnect();
  }
}

type SaleAtScale = Awaited<ReturnType<typeof saleAtScale>>;
type SmallSale = Awaited<ReturnType<typeof smallSale>>;

/** Per-key MEMORY USAGE figures of the sale at scale: tokens, ledger layout, the whole prefix. */
function memoryUsageFigures(big: SaleAtScale, prefixBytes: number, prefixKeys: number) {
  const { unused, used, costs } = big;
  const tokenGrowth = used.perToken - unused.perToken;
  const perReservation = costs.ledgerRecordBytes + costs.openEntryBytes + tokenGrowth;
  return {
    unusedTokenBytes: round1(unused.perToken),
    unusedTokenEncoding: unused.encoding,
    usedTokenBytes: round1(used.perToken),
    usedTokenEncoding: used.encoding,
    usedTokenGrowthBytes: round1(tokenGrowth),
    ...costs,
    perReservationBytes: round1(perReservation),
    perReservationWithTokenBytes: round1(costs.ledgerRecordBytes + costs.openEntryBytes + used.perToken),
    perBuyerBytes: costs.buyerEntryBytes,
    unusedAfterSaleTokenBytes: round1(big.stillUnused.perToken),
    prefixTotalBytes: prefixBytes,
    prefixKeys,
  };
}

/** INFO used_memory steps of the sale at scale (m0..m3), and of expireShards (m4). */
function usedMemoryDeltaFigures({ all, m0, m1, m2, m3 }: SaleAtScale, m4: number) {
  const perUnusedTokenInfo = (m2 - m1) / all.length;
  const perReservationInfo = (m3 - m2) / ORDERS;
  return {
    note: "INFO used_memory (min of 3 reads) on a Redis shared with other clients: includes their noise; includes the expires-dict entry of every key with a TTL, which MEMORY USAGE leaves out",
    salePut: m1 - m0,
    issue: m2 - m1,
    perIssuedTokenBytes: round1(perUnusedTokenInfo),
    reserve: m3 - m2,
    perReservationBytes: round1(perReservationInfo),
    wholeSale: m3 - m0,
    perOrderAllInBytes: round1((m3 - m0) / ORDERS),
    expireShards: m4 - m3,
  };
}

/** The small sale's figures, every shard key in its listpack encoding. */
function smallSaleFigures(small: SmallSale) {
  return {
    note: `${SMALL_SHARDS} shards × ${SMALL_PER_SHARD} orders: every shard hash and zset below the listpack thresholds`,
    orders: small.buyers.length,
    unusedTokenBytes: round1(small.unused.perToken),
    usedTokenBytes: round1(small.used.perToken),
    ...small.costs,
    perReservationBytes: round1(
      small.costs.ledgerRecordBytes + small.costs.openEntryBytes + small.used.perToken - small.unused.perToken,
    ),
  };
}

/**
 * What the sweep loop does for an ended sale (sweep-loop.ts): every shard key expires with the settings.
 * Only expireShards is called, which uses nothing but Redis and the key layout. Returns the last sale's expiry.
 */
async function expireShards({ redis, keys, cfg }: RedisBench, sales: Sale[]): Promise<number> {
  const sweeper = new Sweeper(
    redis,
    keys,
    null as never,
    null as never,
    null as never,
    null as never,
    null as never,
    null as never,
    { persistAfterMs: 0, leaseMs: 0, outboxStaleAfterMs: 0, owner: "bench-memory" },
    new Metrics(),
  );
  let expireAt = 0;
  for (const s of sales) {
    expireAt = s.endsAt + cfg.sales.retentionSeconds * 1000;
    await sweeper.expireShards(s, expireAt);
  }
  return expireAt;
}

/** The server's listpack thresholds: below them a hash or zset is a listpack, above them a real one. */
async function listpackThresholds(redis: Redis): Promise<Record<string, string>> {
  const pairs = (await redis.call("CONFIG", "GET", "*-max-listpack-*")) as string[];
  return Object.fromEntries(
    pairs.reduce<[string, string][]>((acc, v, i, a) => (i % 2 ? acc : [...acc, [v, a[i + 1]!]]), []),
  );
}

/** The encodings' small side first: few entries per shard, every shard hash and zset a listpack. */
async function smallSale({ redis, keys, cfg, tokens, store }: RedisBench, now: number) {
  const sale = makeSale(`mem-small-${rid()}`, SMALL_SHARDS * SMALL_PER_SHARD * 4, SMALL_SHARDS, now);
  await store.put(sale, now);
  const buyers = buyersOf(
    sale,
    SMALL_SHARDS * SMALL_PER_SHARD,
    tokens,
    cfg.tokens.ttlSeconds * 1000,
    (i) => `buyer-${i}`,
  );
  const run: SaleRun = { sale, buyers, reservedAt: Date.now() };
  await issue(redis, keys, run);
  const unused = await tokenUsage(redis, keys, run, buyers);
  await reserve(redis, keys, cfg, run, buyers);
  const costs = await layoutCosts(redis, keys, run, buyers.length);
  const used = await tokenUsage(redis, keys, run, buyers);
  return { sale, buyers, unused, costs, used };
}

/** The sale at scale: stock twice the orders so no home shard runs dry (no transfers needed). */
async function saleAtScale({ redis, keys, cfg, tokens, store }: RedisBench, now: number) {
  const sale = makeSale(`mem-${rid()}`, ORDERS * 2, SHARDS, now);
  const m0 = await usedMemory(redis);
  const put = await store.put(sale, now);
  if (put.kind !== "created") throw new Error(`memory: sale not created (${put.kind})`);
  const all = buyersOf(sale, ORDERS + UNUSED, tokens, cfg.tokens.ttlSeconds * 1000, (i) => `buyer-${i}`);
  const buying = all.slice(0, ORDERS);
  const run: SaleRun = { sale, buyers: all, reservedAt: Date.now() };
  const m1 = await usedMemory(redis);
  const tIssue = Date.now();
  await issue(redis, keys, run);
  const issueSeconds = (Date.now() - tIssue) / 1000;
  const m2 = await usedMemory(redis);
  const unused = await tokenUsage(redis, keys, run, all);
  const tReserve = Date.now();
  await reserve(redis, keys, cfg, run, buying);
  const reserveSeconds = (Date.now() - tReserve) / 1000;
  const m3 = await usedMemory(redis);
  const costs = await layoutCosts(redis, keys, run, ORDERS);
  const used = await tokenUsage(redis, keys, run, buying);
  const stillUnused = await tokenUsage(redis, keys, run, all.slice(ORDERS));
  return { sale, all, buying, m0, m1, m2, m3, issueSeconds, reserveSeconds, unused, costs, used, stillUnused };
}

/** The keys a sale's life adds besides orders, so the expiry check sees them: transfers, the sweep lease, a re-put. */
async function otherKeys({ redis, keys, cfg, store }: RedisBench, sale: Sale, now: number) {
  // Transfers between two shards, so their keys exist when the expiry is checked.
  const k0 = keys.shard(sale.saleId, 0);
  const k1 = keys.shard(sale.saleId, 1);
  for (let i = 0; i < 3; i++) {
    const id = `mem-x-${i}`;
    const moved = await scripts.transferOut(redis, k0, { id, want: 2, least: 1, to: 1, now: Date.now() });
    await scripts.transferIn(redis, k1, id, moved);
  }
  await scripts.transferDone(redis, k0, "mem-x-0");
  // The lease a sweep pass takes on the sale, as Sweeper.sweep does.
  await scripts.lease(redis, keys.sweepLease(sale.saleId), "bench-memory", cfg.sweeper.leaseMs);

  // A sale put again before its start with fewer shards: put() warms the old shards too (stock 0).
  const reshard = { ...makeSale(`mem-reshard-${rid()}`, 800, 8, now), startsAt: now + 60_000 };
  await store.put(reshard, now);
  const fewer = { ...reshard, shards: 4 };
  if ((await store.put(fewer, now)).kind !== "updated")
    throw new Error("memory: re-put of the sale with fewer shards refused");
  return { k0, reshard, fewer };
}

/** Every key under the prefix after the expiry step, by kind: how many, how many without a TTL, the TTL range. */
async function ttlsByKind({ redis, prefix }: RedisBench) {
  const everyKey = (await scanPrefix(redis, prefix)).sort();
  const ttl = await pttls(redis, everyKey);
  const byKind: Record<
    string,
    { keys: number; withoutTtl: number; minTtlSeconds: number | null; maxTtlSeconds: number | null }
  > = {};
  const withoutTtl: string[] = [];
  everyKey.forEach((k, i) => {
    const kind = kindOf(prefix, k);
    const e = (byKind[kind] ??= { keys: 0, withoutTtl: 0, minTtlSeconds: null, maxTtlSeconds: null });
    e.keys++;
    const t = ttl[i]!;
    if (t === -1) {
      e.withoutTtl++;
      withoutTtl.push(k.slice(prefix.length));
    } else if (t >= 0) {
      e.minTtlSeconds = Math.min(e.minTtlSeconds ?? Infinity, Math.round(t / 1000));
      e.maxTtlSeconds = Math.max(e.maxTtlSeconds ?? -Infinity, Math.round(t / 1000));
    }
  });
  return { keys: everyKey.length, byKind, withoutTtl };
}

async function mysqlPart(cfg: Config, orders: OrderRow[]) {
  const id = rid();
  const dbs = [0, 1].map((i) => `fs_bench_mem_${id}_${i}`);
  const shard = cfg.mysql.shards[0]!;
  const mcfg: Config["mysql"] = { ...cfg.mysql, shards: dbs.map((database) => ({ ...shard, database })) };
  const root = await mysql.createConnection(rootConnection(cfg));
  const shards = new MysqlShards(mcfg);
  try {
    const t0 = Date.now();
    await migrate(mcfg);
    await insertAll(new OrderRepository(shards), orders);
    const insertSeconds = (Date.now() - t0) / 1000;
    const tables = await tableSizes(root, dbs);
    const of = (outbox: boolean) => tables.filter((t) => (t.table === "order_events") === outbox);
    const [rowsSample] = await root.query<RowDataPacket[]>(
      `SELECT AVG(LENGTH(order_id) + LENGTH(sale_id) + LENGTH(sku_id) + LENGTH(user_id) + LENGTH(purchase_token)) AS v FROM \`${dbs[0]}\`.orders_0`,
    );
    const ordersT = totals(of(false));
    const outboxT = totals(of(true));
    return {
      databases: dbs.length,
      tablesPerShard: mcfg.tablesPerShard,
      insertSeconds,
      orders: ordersT,
      outbox: outboxT,
      perOrderWithOutboxBytes: round1(
        (ordersT.dataLength + ordersT.indexLength + outboxT.dataLength + outboxT.indexLength) / ordersT.rows,
      ),
      avgStringBytesPerRow: round1(Number(rowsSample[0]!.v)),
      tables,
    };
  } finally {
    await shards.close();
    for (const db of dbs) await root.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => undefined);
    await root.end();
  }
}

/** Inserts the rows in MYSQL_BATCH batches, two at a time, as the writer does; every row must land. */
async function insertAll(repo: OrderRepository, orders: OrderRow[]): Promise<void> {
  const batches: OrderRow[][] = [];
  for (let i = 0; i < orders.length; i += MYSQL_BATCH) batches.push(orders.slice(i, i + MYSQL_BATCH));
  let inserted = 0;
  await pool(batches, 2, async (b) => {
    const r = await repo.insertOrders(b);
    inserted += r.inserted;
  });
  if (inserted !== orders.length) throw new Error(`memory: ${inserted} of ${orders.length} rows inserted`);
}

interface TableSize {
  db: string;
  table: string;
  rows: number;
  dataLength: number;
  indexLength: number;
  dataFree: number;
}

/** Rows and on-disk sizes (after ANALYZE TABLE) of every order table and the outbox in each database. */
async function tableSizes(root: mysql.Connection, dbs: string[]): Promise<TableSize[]> {
  const tables: TableSize[] = [];
  for (const db of dbs) {
    const [names] = await root.query<RowDataPacket[]>(
      "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND (TABLE_NAME LIKE 'orders\\_%' OR TABLE_NAME = 'order_events')",
      [db],
    );
    for (const { t } of names as { t: string }[]) {
      await root.query(`ANALYZE TABLE \`${db}\`.\`${t}\``);
      const [[count]] = await root.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${db}\`.\`${t}\``);
      const [[info]] = await root.query<RowDataPacket[]>(
        "SELECT DATA_LENGTH AS d, INDEX_LENGTH AS i, DATA_FREE AS f FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?",
        [db, t],
      );
      tables.push({
        db,
        table: t,
        rows: Number(count!.n),
        dataLength: Number(info!.d),
        indexLength: Number(info!.i),
        dataFree: Number(info!.f),
      });
    }
  }
  return tables;
}

/** Rows, sizes and bytes per row summed over tables. */
function totals(ts: TableSize[]) {
  const rows = sum(ts.map((t) => t.rows));
  const data = sum(ts.map((t) => t.dataLength));
  const index = sum(ts.map((t) => t.indexLength));
  return {
    rows,
    dataLength: data,
    indexLength: index,
    dataBytesPerRow: round1(data / rows),
    indexBytesPerRow: round1(index / rows),
    bytesPerRow: round1((data + index) / rows),
  };
}

/** Rows as the writer would insert them for one sale's orders (real id, token and buyer shapes). */
function rowsFor(n: number): OrderRow[] {
  const tokens = new PurchaseTokens("memory-bench-purchase-token-key");
  const saleId = `mem-${rid()}`;
  const at = new Date();
  return Array.from({ length: n }, (_, i) => {
    const userId = `buyer-${i}`;
    const shard = homeShard(userId, SHARDS);
    return {
      orderId: newOrderId(saleId, shard),
      saleId,
      skuId: "sku-memory",
      userId,
      quantity: 1,
      status: "CONFIRMED",
      createdAt: at,
      token: tokens.mint(saleId, userId, at.getTime() + 600_000),
    };
  });
}

export const memory: Measurement = {
  name: "memory",
  description: `bytes per token, reservation and buyer in Redis and per order row in MySQL at ${ORDERS} orders; expiry of every key a sale leaves`,
  async run() {
    const cfg = benchConfig(benchEnv({ FLASHSALE__REDIS__KEYPREFIX: `benchmem${rid()}:` }));
    const redisFigures = await redisPart(cfg, cfg.redis.keyPrefix);
    const mysqlFigures = await mysqlPart(cfg, rowsFor(ORDERS));
    const m = redisFigures.memoryUsage;
    const d = redisFigures.usedMemoryDelta;
    const s = redisFigures.smallSale;
    const table = [
      `                                      MEMORY USAGE   used_memory Δ   small sale (listpack)`,
      `redis  per issued token (unused)     ${pad(m.unusedTokenBytes)}   ${pad(d.perIssuedTokenBytes)}    ${pad(s.unusedTokenBytes)}`,
      `redis  per reservation               ${pad(m.perReservationBytes)}                  ${pad(s.perReservationBytes)}`,
      `         ledger record / open entry  ${pad(m.ledgerRecordBytes)} / ${m.openEntryBytes}            ${pad(s.ledgerRecordBytes)} / ${s.openEntryBytes}`,
      `         used token (whole key)      ${pad(m.usedTokenBytes)}                  ${pad(s.usedTokenBytes)}`,
      `redis  per buyer (count entry)       ${pad(m.perBuyerBytes)}                  ${pad(s.buyerEntryBytes)}`,
      `redis  reservation + buyer           ${pad(round1(m.perReservationBytes + m.perBuyerBytes))}   ${pad(d.perReservationBytes)}    ${pad(round1(s.perReservationBytes + s.buyerEntryBytes))}`,
      `redis  whole sale per order          ${pad(round1(m.prefixTotalBytes / redisFigures.orders))}   ${pad(d.perOrderAllInBytes)}    (incl. ${redisFigures.unusedTokensKept} unused tokens)`,
      `mysql  per order row (data+indexes)  ${pad(mysqlFigures.orders.bytesPerRow)}  (data ${mysqlFigures.orders.dataBytesPerRow}, indexes ${mysqlFigures.orders.indexBytesPerRow})`,
      `mysql  per outbox event              ${pad(mysqlFigures.outbox.bytesPerRow)}  → per order with its event ${mysqlFigures.perOrderWithOutboxBytes}`,
      `keys without TTL after expireShards: ${redisFigures.expiry.withoutTtl.length === 0 ? "none" : redisFigures.expiry.withoutTtl.join(", ")}`,
    ];
    return { details: { redis: redisFigures, mysql: mysqlFigures }, table };
  },
};

function pad(x: number): string {
  return String(x).padStart(12);
}

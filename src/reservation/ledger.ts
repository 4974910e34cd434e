import type { Order } from "../order.js";
import { parseOrderId } from "./order-id.js";
import type { Keys, ShardKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";

/** Where a reservation stands in its shard's ledger (lua/includes/ledger-record.lua writes the letters). */
export type LedgerState = "reserved" | "confirmed" | "paid" | "released" | "tombstone";

const STATES: Readonly<Record<string, LedgerState>> = {
  R: "reserved",
  F: "confirmed",
  P: "paid",
  C: "released",
  T: "tombstone",
};

/** A reservation record as the Lua scripts write it: "state|qty|ms|token|user". */
export interface LedgerRecord extends Pick<Order, "orderId" | "userId" | "quantity"> {
  state: LedgerState;
  reservedAt: number;
  token: string;
}

const RECORD_RE = /^([RFPCT])\|(\d+)\|(\d+)\|([^|]*)\|(.*)$/;

export function parseLedgerRecord(orderId: string, raw: string): LedgerRecord | null {
  const m = RECORD_RE.exec(raw);
  if (!m) return null;
  return {
    orderId,
    state: STATES[m[1]!]!,
    quantity: Number(m[2]),
    reservedAt: Number(m[3]),
    token: m[4]!,
    userId: m[5]!,
  };
}

/** The keys of the shard holding an order's reservation (order ids name it), or null for a malformed id. */
export function ledgerOf(keys: Keys, orderId: string): ShardKeys | null {
  const where = parseOrderId(orderId);
  return where ? keys.shard(where.saleId, where.shard) : null;
}

/** One order's ledger record (null when Redis holds none, or the id is malformed): one HGET. */
export async function readRecord(redis: RedisClient, keys: Keys, orderId: string): Promise<LedgerRecord | null> {
  const shard = ledgerOf(keys, orderId);
  const raw = shard ? await redis.hget(shard.res, orderId) : null;
  return raw ? parseLedgerRecord(orderId, raw) : null;
}

/** Order ids grouped by the shard that holds them: one Redis call per shard instead of one per order. */
export function groupByShard(
  keys: Keys,
  orderIds: Iterable<string>,
): Map<string, { shard: ShardKeys; orderIds: string[] }> {
  const groups = new Map<string, { shard: ShardKeys; orderIds: string[] }>();
  for (const id of orderIds) {
    const shard = ledgerOf(keys, id);
    if (!shard) throw new Error(`malformed order id ${JSON.stringify(id)}`);
    let g = groups.get(shard.res);
    if (!g) groups.set(shard.res, (g = { shard, orderIds: [] }));
    g.orderIds.push(id);
  }
  return groups;
}

/** The ledger records of these orders (null where Redis holds none), read one call per shard. */
export async function readLedger(
  redis: RedisClient,
  keys: Keys,
  orderIds: string[],
): Promise<Map<string, LedgerRecord | null>> {
  const out = new Map<string, LedgerRecord | null>();
  await Promise.all(
    [...groupByShard(keys, orderIds)].map(async ([res, g]) => {
      const raws = await redis.hmget(res, ...g.orderIds);
      g.orderIds.forEach((id, i) => out.set(id, raws[i] ? parseLedgerRecord(id, raws[i]!) : null));
    }),
  );
  return out;
}

/** Entries per HSCAN step: a few milliseconds of Redis at most, so buyers' calls interleave. */
const SCAN_COUNT = 500;

/** Units of a sale's ledger by state (tombstones hold none). */
export interface LedgerSums {
  reserved: number;
  confirmed: number;
  paid: number;
  released: number;
}

/**
 * The units of a sale's ledger by state, summed in Redis (lua/ledger-sums-1.lua): four numbers per HSCAN
 * step instead of every record, the shards side by side. A record HSCAN returns twice (a rehash) counts
 * twice: for estimates (the waiting room's sell-out reserve), not for reconciling.
 */
export async function ledgerSums(
  redis: RedisClient,
  keys: Keys,
  sale: { saleId: string; shards: number },
  count = SCAN_COUNT * 2,
): Promise<LedgerSums> {
  const sums: LedgerSums = { reserved: 0, confirmed: 0, paid: 0, released: 0 };
  const shard = async (i: number) => {
    const res = keys.shard(sale.saleId, i).res;
    let cursor = "0";
    do {
      const [next, r, f, p, c] = await redis.fsLedgerSums(res, cursor, count);
      sums.reserved += r;
      sums.confirmed += f;
      sums.paid += p;
      sums.released += c;
      cursor = String(next);
    } while (cursor !== "0");
  };
  await Promise.all(Array.from({ length: sale.shards }, (_, i) => shard(i)));
  return sums;
}

/**
 * Every ledger record of a sale, over all its shards (operator views, the sweeper, the sold-out flag's
 * first look; O(orders)). Read with HSCAN in small steps, one shard after another: a shard's ledger holds
 * a record for every attempt that reached Redis (tombstones included), and one HGETALL of tens of thousands
 * of them blocked Redis for tens of milliseconds, which made buyers' calls time out mid-sale. A record
 * present for the whole read is returned (possibly in a newer state); one added meanwhile may be missed,
 * as it would be by a read taken a moment earlier.
 */
export async function saleLedger(
  redis: RedisClient,
  keys: Keys,
  sale: { saleId: string; shards: number },
): Promise<LedgerRecord[]> {
  const out = new Map<string, LedgerRecord>();
  for (let i = 0; i < sale.shards; i++) {
    const res = keys.shard(sale.saleId, i).res;
    let cursor = "0";
    do {
      const [next, flat] = await redis.hscan(res, cursor, "COUNT", SCAN_COUNT);
      for (let j = 0; j + 1 < flat.length; j += 2) {
        const rec = parseLedgerRecord(flat[j]!, flat[j + 1]!);
        if (rec) out.set(rec.orderId, rec);
      }
      cursor = next;
    } while (cursor !== "0");
  }
  return [...out.values()];
}

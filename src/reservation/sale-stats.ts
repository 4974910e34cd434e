import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import { saleLedger, type LedgerState } from "./ledger.js";
import type { Sale } from "./sale.js";
import type { ShardRebalancer } from "./shard-rebalancer.js";

export interface LedgerStats {
  stock: number;
  redisRemaining: number;
  inTransfer: number;
  /** Quantity held by live reservations (reserved, confirmed or paid). */
  reserved: number;
  /** Quantity reserved but not yet written to MySQL. */
  pending: number;
  confirmed: number;
  paid: number;
  cancelled: number;
  orders: Record<"pending" | "confirmed" | "paid" | "cancelled" | "rolledBack", number>;
}

/** Reads every shard's ledger: an operator endpoint, O(orders), never on the buy path. */
export async function ledgerStats(
  redis: RedisClient,
  keys: Keys,
  rebalancer: ShardRebalancer,
  sale: Sale,
): Promise<LedgerStats> {
  const [stocks, inTransfer, records] = await Promise.all([
    rebalancer.shardStocks(sale),
    rebalancer.inFlight(sale),
    saleLedger(redis, keys, sale),
  ]);
  const qty: Record<LedgerState, number> = { reserved: 0, confirmed: 0, paid: 0, released: 0, tombstone: 0 };
  const count: Record<LedgerState, number> = { reserved: 0, confirmed: 0, paid: 0, released: 0, tombstone: 0 };
  for (const rec of records) {
    qty[rec.state] += rec.quantity;
    count[rec.state]++;
  }
  return {
    stock: sale.stock,
    redisRemaining: stocks.reduce((a, b) => a + b, 0),
    inTransfer,
    reserved: qty.reserved + qty.confirmed + qty.paid,
    pending: qty.reserved,
    confirmed: qty.confirmed,
    paid: qty.paid,
    cancelled: qty.released,
    orders: {
      pending: count.reserved,
      confirmed: count.confirmed,
      paid: count.paid,
      cancelled: count.released,
      rolledBack: count.tombstone,
    },
  };
}

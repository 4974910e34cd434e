import type { Sale } from "./sale.js";
import type { LedgerStats } from "./sale-stats.js";

/**
 * Operator views and repairs of one sale, the port behind GET .../stats and POST .../reconcile.
 * RedisSaleOps answers from Redis alone; the sweeper (reconciliation/) adds MySQL and the order writer.
 */
export interface SaleOps {
  stats(sale: Sale): Promise<Record<string, unknown> & LedgerStats & { drift: number }>;
  reconcile(sale: Sale): Promise<object>;
}

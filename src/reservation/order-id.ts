import { randomBytes } from "node:crypto";

/**
 * Order ids name the sale and the stock shard that hold the reservation (`<saleId>.<shard>.<random>`), so
 * the broker's back-check, the order writer and the status endpoint find the ledger without a lookup.
 */
export function newOrderId(saleId: string, shard: number): string {
  return `${saleId}.${shard}.${randomBytes(9).toString("base64url")}`;
}

export function parseOrderId(orderId: string): { saleId: string; shard: number } | null {
  const m = /^([A-Za-z0-9_-]{1,64})\.(\d{1,4})\.([A-Za-z0-9_-]{12})$/.exec(orderId);
  return m ? { saleId: m[1]!, shard: Number(m[2]) } : null;
}

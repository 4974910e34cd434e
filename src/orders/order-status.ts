import type { ShownStatus } from "../order.js";
import type { StoredOrder } from "../persistence/order-row.js";
import type { KnownOrder } from "./order-lifecycle.js";

/** An order as a status read shows it (GET /v1/orders/{orderId}); the route only renders it. */
export interface OrderView extends Omit<StoredOrder, "status"> {
  status: ShownStatus;
}

/**
 * Whether the order's row must be read to show its status: the ledger says the writer has moved past the
 * reservation (or released it) and the lookup did not already find the row.
 */
export function needsRow(order: KnownOrder): boolean {
  return !order.row && order.record !== null && order.record.state !== "reserved";
}

/**
 * The status an order read shows: once its row is in MySQL the row is the truth; before that the order
 * is RESERVED, or CANCELLED when its reservation was released before a row was written.
 */
export function orderView(order: KnownOrder, row: StoredOrder | null): OrderView {
  const { facts } = order;
  const base = {
    orderId: facts.orderId,
    saleId: facts.saleId,
    skuId: facts.skuId,
    userId: facts.userId,
    quantity: facts.quantity,
  };
  if (row) return { ...base, skuId: row.skuId, status: row.status, createdAt: row.createdAt, updatedAt: row.updatedAt };
  const reservedAt = new Date(facts.reservedAt);
  const status = order.record?.state === "released" ? "CANCELLED" : "RESERVED";
  return { ...base, status, createdAt: reservedAt, updatedAt: reservedAt };
}

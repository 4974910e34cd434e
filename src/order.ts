/**
 * The order, declared once: its fields and its status lists. Every other shape of an order (the MySQL row
 * written and read, the outbox event, the RocketMQ message, the facts the lifecycle acts on, the status a
 * read shows, the ledger record) is derived from these. Types and constants only, importing nothing, so
 * every layer may import it (docs/architecture.md, Allowed imports).
 */

/** An order: what a buyer bought, in which sale. */
export interface Order {
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
}

/** Order statuses as stored in MySQL (the `status` column's ENUM); `RESERVED` exists only before the row is written. */
export const ORDER_STATUSES = ["CONFIRMED", "PAID", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What the API shows: RESERVED (a reservation whose row is not written yet), then the row's status. */
export const SHOWN_STATUSES = ["RESERVED", ...ORDER_STATUSES] as const;
export type ShownStatus = (typeof SHOWN_STATUSES)[number];

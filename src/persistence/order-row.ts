/** Order statuses as stored in MySQL; `RESERVED` exists only before the row is written. */
export const ORDER_STATUSES = ["CONFIRMED", "PAID", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Column limits, enforced before writing so a bad value fails loudly instead of being truncated. */
export const ORDER_LIMITS = { orderId: 96, saleId: 64, skuId: 64, userId: 128 } as const;

/** An order whose reservation happened, as handed to the writer. */
export interface OrderRow {
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
  status: "CONFIRMED";
  /** The reservation time. */
  createdAt: Date;
  /** The purchase token that bought it (kept so a Redis rebuild can answer its replays). */
  token?: string;
}

/** An order as read back from MySQL. */
export interface StoredOrder {
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
  status: OrderStatus;
  createdAt: Date;
  updatedAt: Date;
}

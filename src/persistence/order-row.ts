import type { Order, OrderStatus } from "../order.js";

/** Column limits, enforced before writing so a bad value fails loudly instead of being truncated. */
export const ORDER_LIMITS = { orderId: 96, saleId: 64, skuId: 64, userId: 128 } as const satisfies Partial<
  Record<keyof Order, number>
>;

/** An order whose reservation happened, as handed to the writer. */
export interface OrderRow extends Order {
  status: Extract<OrderStatus, "CONFIRMED">;
  /** The reservation time. */
  createdAt: Date;
  /** The purchase token that bought it (kept so a Redis rebuild can answer its replays). */
  token?: string;
}

/** An order as read back from MySQL: the row written, in any status, with its last change. */
export interface StoredOrder extends Omit<OrderRow, "status" | "token"> {
  status: OrderStatus;
  updatedAt: Date;
}

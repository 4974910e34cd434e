/** `GET /v1/sales/{saleId}`. Times are ISO-8601. */
export interface Sale {
  saleId: string;
  skuId: string;
  stock: number;
  perUserLimit: number;
  startsAt: string;
  endsAt: string;
  shards: number;
  paymentTimeoutSeconds: number;
  paused: boolean;
  /** Present while the sale's stock is rebuilt after a Redis failure (status PAUSED). */
  recovering?: boolean;
  status: "UPCOMING" | "LIVE" | "PAUSED" | "SOLD_OUT" | "ENDED";
  /** Units left; may lag by a fraction of a second. */
  remaining: number;
}

/** `POST /v1/sales/{saleId}/tokens`: a one-time purchase token for this buyer and sale. */
export interface PurchaseToken {
  token: string;
  expiresAt: string;
}

/** `POST /v1/sales/{saleId}/orders` → 202: the reservation, not yet a MySQL row. */
export interface ReservedOrder {
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
  status: "RESERVED";
}

export type OrderStatus = "RESERVED" | "CONFIRMED" | "PAID" | "CANCELLED";

/** `GET /v1/orders/{orderId}`: RESERVED until the order writer has put the row in MySQL. */
export interface Order {
  orderId: string;
  saleId: string;
  /** Null only when the sale is gone from the gateway's store and the row is not written yet. */
  skuId: string | null;
  userId: string;
  quantity: number;
  status: OrderStatus;
  createdAt: string;
  updatedAt: string;
}

/** `POST /v1/orders/{orderId}/cancel` → 200 (the same again when already cancelled). */
export interface CancelledOrder {
  orderId: string;
  status: "CANCELLED";
}

/** What `placeOrder` resolves with. */
export interface PlacedOrder {
  order: ReservedOrder;
  /** The gateway said `Idempotent-Replayed: true`: this key had already bought; nothing was deducted again. */
  replayed: boolean;
  /** The purchase token sent as Idempotency-Key (taken by the client when none was given). */
  idempotencyKey: string;
  /** Requests sent, retries included. */
  attempts: number;
  requestId?: string;
}

/** One HTTP answer, reported to `onResponse` (retried ones too) before it is turned into a result or error. */
export interface AnswerInfo {
  method: string;
  path: string;
  attempt: number;
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  body: unknown;
}

import type { components, paths } from "./openapi.js";

/**
 * The API's schemas, as generated from the gateway's OpenAPI document into ./openapi.ts (`npm run
 * client:types`): each answer type below is one of them, so a change of the document changes these types.
 */
type Schemas = components["schemas"];

/** `GET /v1/sales/{saleId}`: the sale, its status and units left (may lag by a fraction of a second). Times are ISO-8601. */
export type Sale = Schemas["SaleView"];

/** `POST /v1/sales/{saleId}/tokens`: a one-time purchase token for this buyer and sale. */
export type PurchaseToken = Schemas["PurchaseToken"];

/** `POST /v1/sales/{saleId}/orders` → 202: the reservation, not yet a MySQL row. */
export type ReservedOrder = Schemas["OrderAccepted"];

/** `GET /v1/orders/{orderId}`: RESERVED until the order writer has put the row in MySQL. */
export type Order = Schemas["Order"];

/** RESERVED, then the row's CONFIRMED, PAID or CANCELLED. */
export type OrderStatus = Order["status"];

/** `POST /v1/orders/{orderId}/cancel` → 200 (the same again when already cancelled). */
export type CancelledOrder = Schemas["OrderCancelled"];

/** Every code the gateway answers with. */
export type ErrorCode = Schemas["ErrorCode"];

/** The body of every error answer: `{"error": {"code", "message"}}`. */
export type ErrorBody = Schemas["Error"];

/** The JSON body the document gives `method path` for `status`; never when it has no such answer. */
type JsonAnswer<
  Path extends keyof paths,
  Method extends "get" | "post",
  Status extends number,
> = paths[Path][Method] extends {
  responses: { [S in Status]: { content: { "application/json": infer Body } } };
}
  ? Body
  : never;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
/**
 * Compiles only while each request the client sends (src/client.ts) is in the document with the answer
 * type the client declares for it: a renamed path, a dropped method or another response schema is a
 * build error of this package, not a surprise for its users.
 */
type _ClientCallsAreInTheDocument = [
  Holds<Same<JsonAnswer<"/v1/sales/{saleId}", "get", 200>, Sale>>,
  Holds<Same<JsonAnswer<"/v1/sales/{saleId}/tokens", "post", 201>, PurchaseToken>>,
  Holds<Same<JsonAnswer<"/v1/sales/{saleId}/orders", "post", 202>, ReservedOrder>>,
  Holds<Same<JsonAnswer<"/v1/orders/{orderId}", "get", 200>, Order>>,
  Holds<Same<JsonAnswer<"/v1/orders/{orderId}/cancel", "post", 200>, CancelledOrder>>,
];

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

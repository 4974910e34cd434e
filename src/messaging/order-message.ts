import type { OrderFacts } from "../orders/order-transitions.js";

/**
 * The body of an order message: everything the writer needs to make the MySQL row. The order's facts:
 * `reservedAt` becomes created_at; `token`, the purchase token of the attempt, settles an order whose ledger
 * record is missing.
 */
export interface OrderMessage extends OrderFacts {
  /** The X-Request-Id of the HTTP request that placed it: the checker's and writer's lines name it. */
  requestId?: string;
  /**
   * The gateway's W3C `traceparent` for that request (the caller's trace id, the gateway's span id): the
   * checker's and writer's lines name its trace id.
   */
  traceparent?: string;
}

/**
 * The message property listing the request ids of a group's orders, comma-separated in the order of its
 * keys (the order ids), for whoever reads messages at the broker. Capped (REQUEST_IDS_MAX_CHARS) below the
 * proxy's limit on user properties; the body's per-order requestId is complete and is what the writer reads.
 */
export const REQUEST_IDS_PROPERTY = "requestIds";
const REQUEST_IDS_MAX_CHARS = 8192;

/** The message's properties: the request ids of as many of the orders as fit. */
export function requestIdProperties(orders: OrderMessage[]): Map<string, string> | undefined {
  const ids: string[] = [];
  let chars = 0;
  for (const o of orders) {
    const id = o.requestId ?? "";
    chars += id.length + 1;
    if (chars > REQUEST_IDS_MAX_CHARS) break;
    ids.push(id);
  }
  return ids.some((id) => id !== "") ? new Map([[REQUEST_IDS_PROPERTY, ids.join(",")]]) : undefined;
}

/**
 * One message carries the orders of one group commit: `{"orders": [OrderMessage, ...]}`. Some of them may
 * not have been reserved (sold out, limit...): readers keep only those the Redis ledger knows.
 */
export function encodeOrders(orders: OrderMessage[]): Buffer {
  return Buffer.from(JSON.stringify({ orders }));
}

/** Parses and checks a message body; null for anything malformed (a poison message). */
export function decodeOrders(body: Buffer): OrderMessage[] | null {
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  const list = typeof v === "object" && v !== null ? (v as { orders?: unknown }).orders : undefined;
  if (!Array.isArray(list) || list.length === 0) return null;
  const orders = list.map(checkOrderMessage);
  return orders.every((o): o is OrderMessage => o !== null) ? orders : null;
}

/** One order as a message carries it, checked; null for anything malformed. */
export function checkOrderMessage(v: unknown): OrderMessage | null {
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === "string" && (o[k] as string).length > 0;
  if (!str("orderId") || !str("saleId") || !str("skuId") || !str("userId")) return null;
  if (!Number.isSafeInteger(o.quantity) || (o.quantity as number) < 1) return null;
  if (!Number.isSafeInteger(o.reservedAt) || (o.reservedAt as number) <= 0) return null;
  if (o.token !== undefined && typeof o.token !== "string") return null;
  if (o.requestId !== undefined && typeof o.requestId !== "string") return null;
  if (o.traceparent !== undefined && typeof o.traceparent !== "string") return null;
  return o as unknown as OrderMessage;
}

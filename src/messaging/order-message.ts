/** The body of an order message: everything the writer needs to make the MySQL row. */
export interface OrderMessage {
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
  /** When the reservation was made, unix ms (becomes created_at). */
  reservedAt: number;
}

export function encodeOrder(m: OrderMessage): Buffer {
  return Buffer.from(JSON.stringify(m));
}

/** Parses and checks a message body; null for anything malformed (a poison message). */
export function decodeOrder(body: Buffer): OrderMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
  if (typeof v !== "object" || v === null) return null;
  const o = v as Record<string, unknown>;
  const str = (k: string) => typeof o[k] === "string" && (o[k] as string).length > 0;
  if (!str("orderId") || !str("saleId") || !str("skuId") || !str("userId")) return null;
  if (!Number.isSafeInteger(o.quantity) || (o.quantity as number) < 1) return null;
  if (!Number.isSafeInteger(o.reservedAt) || (o.reservedAt as number) <= 0) return null;
  return o as unknown as OrderMessage;
}

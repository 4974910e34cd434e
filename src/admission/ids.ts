import { ApiError } from "../errors.js";

/** Sale and SKU ids: no hash-tag braces, separators or control bytes can reach a Redis key. */
export const SALE_ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
export const SKU_ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;
/** Buyer ids (JWT sub). */
export const USER_ID_RE = /^[A-Za-z0-9_.:@-]{1,128}$/;
/**
 * What may be a purchase token: base64url, at most 64 characters (the MySQL column's width). Signed tokens
 * have 50 to 59 (admission/purchase-token.ts); anything else that fits is refused by the signature check.
 */
export const PURCHASE_TOKEN_RE = /^[A-Za-z0-9_-]{32,64}$/;
export const ORDER_ID_RE = /^[A-Za-z0-9_-]{1,64}\.\d{1,4}\.[A-Za-z0-9_-]{12}$/;

export function saleIdParam(raw: string): string {
  if (!SALE_ID_RE.test(raw)) throw new ApiError("INVALID_REQUEST", "sale id must be 1-64 of [A-Za-z0-9_-]");
  return raw;
}

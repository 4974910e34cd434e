import type { ErrorCode } from "./types.js";

/**
 * The gateway's error registry as a client sees it: code → HTTP status. A copy, so the package needs
 * nothing from the gateway at run time; test/unit/storefront-client.test.ts fails when it drifts
 * from src/errors.ts, and it does not compile unless its codes are exactly the OpenAPI document's
 * `ErrorCode` (the generated ./openapi.ts).
 */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  INVALID_TOKEN: 403,
  INVALID_TICKET: 403,
  INVALID_PROOF: 403,
  FORBIDDEN: 403,
  SALE_NOT_FOUND: 404,
  ORDER_NOT_FOUND: 404,
  NOT_FOUND: 404,
  NO_WAITING_ROOM: 404,
  METHOD_NOT_ALLOWED: 405,
  SOLD_OUT: 409,
  LIMIT_EXCEEDED: 409,
  SALE_NOT_LIVE: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  ROOM_NOT_OPEN: 409,
  ROOM_REQUIRED: 409,
  SALE_LOCKED: 409,
  ORDER_CANCELLED: 409,
  ORDER_NOT_CANCELLABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  UNAVAILABLE: 503,
} as const satisfies Record<ErrorCode, number>;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.prototype.hasOwnProperty.call(ERROR_STATUS, code);
}

/**
 * Codes that are not an outcome: the request was refused before anything happened (the purchase token is
 * not consumed) or its outcome is unknown, and the same request, with the same Idempotency-Key, may be sent
 * again. Everything else is final: sending it again gets the same answer.
 */
export const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "RATE_LIMITED",
  "UNAVAILABLE",
  "IDEMPOTENCY_IN_PROGRESS",
  "INTERNAL_ERROR",
]);

/**
 * Every error the API answers with: stable code, HTTP status, one-line meaning. README's error table is
 * checked against this registry by test/unit/errors.test.ts.
 */
export const ERRORS = {
  INVALID_REQUEST: { status: 400, meaning: "malformed JSON (duplicate, __proto__ or constructor keys, deep nesting, not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key" },
  UNAUTHENTICATED: { status: 401, meaning: "missing, malformed, badly signed or expired credentials" },
  INVALID_TOKEN: { status: 403, meaning: "purchase token unknown, expired, or bound to another buyer or sale" },
  FORBIDDEN: { status: 403, meaning: "valid credentials without the right (a buyer on an operator endpoint)" },
  SALE_NOT_FOUND: { status: 404, meaning: "no sale with this id" },
  ORDER_NOT_FOUND: { status: 404, meaning: "no order with this id for this buyer" },
  NOT_FOUND: { status: 404, meaning: "no such route" },
  SOLD_OUT: { status: 409, meaning: "no stock left for this request" },
  LIMIT_EXCEEDED: { status: 409, meaning: "this buyer's per-sale limit would be exceeded" },
  SALE_NOT_LIVE: { status: 409, meaning: "before startsAt or after endsAt" },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, meaning: "the same key is being processed right now" },
  SALE_LOCKED: { status: 409, meaning: "the sale has started and can no longer change" },
  ORDER_CANCELLED: { status: 409, meaning: "payment for an order already cancelled (recorded for refund)" },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: "body over the configured limit (default 4 KiB)" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: "a body that is not application/json" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: "same key, different body" },
  RATE_LIMITED: { status: 429, meaning: "too many requests; retry after Retry-After seconds" },
  INTERNAL_ERROR: { status: 500, meaning: "an unexpected failure in the gateway (a bug); the request may be retried with the same key" },
  UNAVAILABLE: { status: 503, meaning: "a dependency's circuit is open or the gateway is shedding load; nothing was deducted" },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.status = ERRORS[code].status;
  }
}

export const STATUS_TEXT: Record<number, string> = {
  200: "200 OK", 201: "201 Created", 202: "202 Accepted", 204: "204 No Content",
  400: "400 Bad Request", 401: "401 Unauthorized", 403: "403 Forbidden", 404: "404 Not Found",
  405: "405 Method Not Allowed", 409: "409 Conflict", 413: "413 Payload Too Large", 415: "415 Unsupported Media Type",
  422: "422 Unprocessable Entity", 429: "429 Too Many Requests", 500: "500 Internal Server Error", 503: "503 Service Unavailable",
};

/**
 * Every error the API answers with: stable code, HTTP status, one-line meaning. Only the edge (src/admission/,
 * src/http/ and the composition root) makes an ApiError, and only src/http/ turns one into a response; domain
 * code refuses with its own errors (src/reservation/order-placer.ts), mapped by src/admission/refusals.ts.
 * docs/api.md's error table is checked against this registry (code, status and meaning, both ways) by
 * test/unit/errors.test.ts.
 */
export const ERRORS = {
  INVALID_REQUEST: {
    status: 400,
    meaning:
      "malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key",
  },
  UNAUTHENTICATED: { status: 401, meaning: "missing, malformed, badly signed or expired credentials" },
  INVALID_TOKEN: { status: 403, meaning: "purchase token unknown, expired, or bound to another buyer or sale" },
  FORBIDDEN: { status: 403, meaning: "valid credentials without the right (a buyer on an operator endpoint)" },
  SALE_NOT_FOUND: { status: 404, meaning: "no sale with this id" },
  ORDER_NOT_FOUND: { status: 404, meaning: "no order with this id for this buyer" },
  NOT_FOUND: { status: 404, meaning: "no such route" },
  SOLD_OUT: { status: 409, meaning: "no stock left for this request" },
  LIMIT_EXCEEDED: { status: 409, meaning: "this buyer's per-sale limit would be exceeded" },
  SALE_NOT_LIVE: { status: 409, meaning: "before startsAt, after endsAt, or while the sale is paused" },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, meaning: "the same key is being processed right now" },
  SALE_LOCKED: { status: 409, meaning: "the sale has started and can no longer change" },
  ORDER_CANCELLED: { status: 409, meaning: "payment for an order already cancelled (recorded for refund)" },
  ORDER_NOT_CANCELLABLE: { status: 409, meaning: "the order is paid and can no longer be cancelled" },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: "body over the configured limit (default 4 KiB)" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: "a body that is not application/json" },
  IDEMPOTENCY_KEY_REUSED: { status: 422, meaning: "same key, different body" },
  RATE_LIMITED: { status: 429, meaning: "too many requests; with Retry-After" },
  INTERNAL_ERROR: { status: 500, meaning: "an unexpected failure in the gateway (a bug); retry with the same key" },
  UNAVAILABLE: {
    status: 503,
    meaning:
      "a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key",
  },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The JSON body of every error answer: `{"error": {"code", "message"}}`. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

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

  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The headers of an answer the client should retry shortly (503s). */
export const RETRY_SOON: Readonly<Record<string, string>> = Object.freeze({ "retry-after": "1" });

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
  INVALID_TICKET: {
    status: 403,
    meaning: "queue ticket malformed, forged, expired, or bound to another buyer or sale",
  },
  INVALID_PROOF: { status: 403, meaning: "proof of work missing, malformed or wrong; nothing was written" },
  FORBIDDEN: { status: 403, meaning: "valid credentials without the right (a buyer on an operator endpoint)" },
  SALE_NOT_FOUND: { status: 404, meaning: "no sale with this id" },
  ORDER_NOT_FOUND: { status: 404, meaning: "no order with this id for this buyer" },
  NOT_FOUND: { status: 404, meaning: "no such route" },
  NO_WAITING_ROOM: { status: 404, meaning: "the sale has no waiting room" },
  METHOD_NOT_ALLOWED: {
    status: 405,
    meaning: "the path exists, not with this method; Allow lists the methods it takes",
  },
  SOLD_OUT: { status: 409, meaning: "no stock left for this request" },
  LIMIT_EXCEEDED: { status: 409, meaning: "this buyer's per-sale limit would be exceeded" },
  SALE_NOT_LIVE: { status: 409, meaning: "before startsAt, after endsAt, or while the sale is paused" },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, meaning: "the same key is being processed right now" },
  ROOM_NOT_OPEN: { status: 409, meaning: "the waiting room opens at waitingRoom.opensAt (or the draw: at the start)" },
  ROOM_REQUIRED: { status: 409, meaning: "the sale has a waiting room: purchase tokens come from admission" },
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

/**
 * WWW-Authenticate of a 401 (RFC 9110 §11.6.1 requires a challenge on every 401). Bearer routes answer as
 * RFC 6750 §3 says: no error code when no bearer token came (none, or another scheme), `invalid_token` when
 * one came and was refused (malformed, badly signed, expired, no key for it). The payment callback's
 * X-Signature is no HTTP authentication scheme: its challenge names a private one, `HMAC-SHA256`, and the
 * header the signature goes in, so a 401 says there what to send (docs/api.md).
 */
export const AUTH_REALM = "flashsale";
export const BEARER_CHALLENGE: Readonly<Record<string, string>> = Object.freeze({
  "www-authenticate": `Bearer realm="${AUTH_REALM}"`,
});
export const INVALID_TOKEN_CHALLENGE: Readonly<Record<string, string>> = Object.freeze({
  "www-authenticate": `Bearer realm="${AUTH_REALM}", error="invalid_token"`,
});
export const SIGNATURE_CHALLENGE: Readonly<Record<string, string>> = Object.freeze({
  "www-authenticate": `HMAC-SHA256 realm="${AUTH_REALM}", header="X-Signature"`,
});

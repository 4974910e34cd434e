import type { ErrorCode } from "./types.js";

/** What the client knew about the call when it failed. */
interface FailureContext {
  /** HTTP method and path of the call, e.g. `POST /v1/sales/drop-1/orders`. */
  request: string;
  /** Requests sent for this call (1 when it was not retried). */
  attempts: number;
  /** The X-Request-Id of the call (the gateway's echo when it answered). */
  requestId?: string;
  /** For order placement: the purchase token sent as Idempotency-Key; retry later with the same one. */
  idempotencyKey?: string;
}

/** What both kinds of failure carry: the call, its attempts, its request id and key. */
abstract class CallFailure extends Error {
  readonly request: string;
  readonly attempts: number;
  readonly requestId?: string;
  readonly idempotencyKey?: string;

  constructor(message: string, context: FailureContext, options?: { cause?: unknown }) {
    super(`${context.request}: ${message}`, options);
    ({
      request: this.request,
      attempts: this.attempts,
      requestId: this.requestId,
      idempotencyKey: this.idempotencyKey,
    } = context);
  }
}

/**
 * The gateway answered with one of its error codes. `code` is the registry's; `status` its HTTP status;
 * `retryAfterSeconds` the answer's Retry-After (429 and 503); `retryable` false for a final answer.
 */
export class FlashSaleError extends CallFailure {
  override readonly name = "FlashSaleError";

  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
    context: FailureContext,
    readonly retryAfterSeconds?: number,
    /** The gateway marked the answer `Idempotent-Replayed: true`: the first answer to this key, again. */
    readonly replayed = false,
    /** Not an outcome: the same call (same key) may be sent again later. */
    readonly retryable = false,
  ) {
    super(`${status} ${code}: ${message}`, context);
  }
}

/**
 * No answer from the gateway (connection refused or reset, a timeout), or an answer that is not the
 * gateway's (a proxy's HTML 502, a body that is not JSON). Whether an order was placed is unknown: place it
 * again with the same `idempotencyKey`.
 */
export class FlashSaleTransportError extends CallFailure {
  override readonly name = "FlashSaleTransportError";

  constructor(
    message: string,
    context: FailureContext,
    /** The HTTP status when something answered, else undefined. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, context, options);
  }
}

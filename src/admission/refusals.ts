import { ApiError, RETRY_SOON } from "../errors.js";
import { PlacementRefused } from "../reservation/order-placer.js";

/**
 * The answer to a domain refusal (src/reservation/order-placer.ts), whichever route meets it: the buy route, or
 * an operator's reconcile that moves stock between shards. The refusal's message is the answer's message.
 */
export function refusalError(refusal: PlacementRefused): ApiError {
  switch (refusal.kind) {
    case "key_in_flight":
      return new ApiError("IDEMPOTENCY_IN_PROGRESS", refusal.message);
    case "replicas_behind":
    case "hand_off_unconfirmed":
      return new ApiError("UNAVAILABLE", refusal.message, RETRY_SOON);
  }
}

/** A domain refusal as its ApiError; anything else as it is. */
export function asApiError(err: unknown): unknown {
  return err instanceof PlacementRefused ? refusalError(err) : err;
}

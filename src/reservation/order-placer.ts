import type { ReserveOutcome } from "../redis/script-replies.js";
import type { ReserveRequest } from "./reservation-service.js";

/**
 * Places an order: the port the buy route calls. messaging/ implements it with a RocketMQ transactional
 * message around the reservation; the Redis-only process of the HTTP tests uses the reservation alone.
 * `place` resolves with the reservation's outcome, or rejects with a PlacementRefused (not now: the buyer
 * retries with the same key) or a dependency's failure.
 */
export interface OrderPlacer {
  place(req: ReserveRequest): Promise<ReserveOutcome>;
}

/**
 * Why an attempt cannot be settled now, though nothing is wrong with it: the buyer retries with the same key
 * (its token), which settles it. Domain code throws one of these, never an HTTP error; the edge maps each kind
 * to its answer (`src/admission/refusals.ts`). The message says what happened, in the buyer's words.
 */
export abstract class PlacementRefused extends Error {
  abstract readonly kind: PlacementRefusal["kind"];
}

/** Every refusal, by kind: a switch over `kind` sees them all. */
export type PlacementRefusal = KeyInFlight | ReplicasBehind | HandOffUnconfirmed;

/** The same key (purchase token) is being placed by this process right now: a concurrent duplicate. */
export class KeyInFlight extends PlacementRefused {
  readonly kind = "key_in_flight";
  constructor() {
    super("this key is being processed right now");
  }
}

/**
 * A write the answer would build on is not yet on the Redis replicas (a reservation, or a step of stock
 * moving between shards): acknowledged means replicated, so nothing is answered from it yet.
 */
export class ReplicasBehind extends PlacementRefused {
  readonly kind = "replicas_behind";
  /** `step`: the transfer step that is not replicated (transfer-out, transfer-in); none for a reservation. */
  constructor(step?: string) {
    super(
      step === undefined
        ? "the reservation is not yet on Redis replicas; retry with the same key"
        : `stock moving between shards is not yet on Redis replicas (${step}); retry with the same key`,
    );
  }
}

/** The order is reserved and its message is at the broker, but the commit was not confirmed (the back-check will). */
export class HandOffUnconfirmed extends PlacementRefused {
  readonly kind = "hand_off_unconfirmed";
  constructor() {
    super("order reserved, hand-off not yet confirmed; retry with the same key");
  }
}

import type { Keys } from "../redis/keys.js";
import type { ReplicaAcks } from "../redis/replica-acks.js";
import type { RedisClient } from "../redis/client.js";
import type { ReserveOutcome } from "../redis/script-replies.js";
import { ReservationService, type ReservationOptions, type ReserveRequest } from "../reservation/reservation-service.js";
import type { SoldOutCache } from "../reservation/sold-out-cache.js";
import type { DependencyBreaker } from "./breakers.js";

/**
 * The reservation service with its reserve calls behind the Redis circuit breaker, so every placer (the
 * plain one and the transactional one) gets it. A reserve the breaker stops waiting for (timeout) may still
 * complete in Redis: the buyer gets 503 and settles it by retrying with the same key, whose replay returns
 * the first outcome; the transactional placer leaves its half message to the broker's back-check. Never
 * retried here.
 */
export class GuardedReservationService extends ReservationService {
  constructor(
    redis: RedisClient,
    keys: Keys,
    soldOut: SoldOutCache,
    opts: ReservationOptions,
    private readonly breaker: DependencyBreaker,
    acks?: ReplicaAcks,
  ) {
    super(redis, keys, soldOut, opts, acks);
  }

  override reserve(req: ReserveRequest): Promise<ReserveOutcome> {
    return this.breaker.run(() => super.reserve(req));
  }

  override replayOfAccepted(...args: Parameters<ReservationService["replayOfAccepted"]>): Promise<ReserveOutcome | null> {
    return this.breaker.run(() => super.replayOfAccepted(...args));
  }
}

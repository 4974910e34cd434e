import type { Keys } from "../redis/keys.js";
import type { ReplicaAcks } from "../redis/replica-acks.js";
import type { RedisClient } from "../redis/client.js";
import type { ReserveOutcome } from "../redis/script-replies.js";
import {
  ReservationService,
  type ReservationOptions,
  type ReserveRequest,
} from "../reservation/reservation-service.js";
import type { SoldOutCache } from "../reservation/sold-out-cache.js";
import type { RedisBreakers } from "./breakers.js";

/**
 * The reservation service with its reserve calls behind the Redis circuit breaker of the node of the buyer's
 * home shard, so every placer (the plain one and the transactional one) gets it. A reserve the breaker stops waiting for (timeout) may still
 * complete in Redis: the buyer gets 503 and settles it by retrying with the same key, whose replay returns
 * the first outcome; the transactional placer leaves its half message to the broker's back-check. Never
 * retried here.
 */
export class GuardedReservationService extends ReservationService {
  constructor(
    redis: RedisClient,
    keys: Keys,
    private readonly flags: SoldOutCache,
    opts: ReservationOptions,
    private readonly breakers: RedisBreakers,
    acks?: ReplicaAcks,
  ) {
    super(redis, keys, flags, opts, acks);
  }

  /** The breaker of the buyer's home shard's node: pulls from other shards count there too. */
  override reserve(req: ReserveRequest): Promise<ReserveOutcome> {
    return this.breakers.forBuyer(req.sale, req.userId).run(() => super.reserve(req));
  }

  override replayOfAccepted(
    ...args: Parameters<ReservationService["replayOfAccepted"]>
  ): Promise<ReserveOutcome | null> {
    const [sale, userId, token, , tokenExpiresAt] = args;
    // Answered without I/O (not a token this process saw buy): not a call of Redis's, so not a success of its circuit.
    if (!this.flags.wasAccepted(sale.saleId, token) && !this.expired(sale, token, tokenExpiresAt))
      return Promise.resolve(null);
    return this.breakers.forBuyer(sale, userId).run(() => super.replayOfAccepted(...args));
  }
}

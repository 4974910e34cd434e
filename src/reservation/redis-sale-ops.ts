import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import type { ReservationService } from "./reservation-service.js";
import type { Sale } from "./sale.js";
import type { SaleOps } from "./sale-ops.js";
import { ledgerStats } from "./sale-stats.js";

/** Transfers younger than this may still be completing in a live gateway; the sweeper leaves them be. */
const TRANSFER_GRACE_MS = 5000;

/** Stats and repairs that need only Redis: stock accounting across shards and stranded transfers. */
export class RedisSaleOps implements SaleOps {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly reservations: ReservationService,
  ) {}

  async stats(sale: Sale) {
    const s = await ledgerStats(this.redis, this.keys, this.reservations.rebalancer, sale);
    // Every unit of stock is in exactly one place: a shard, a transfer, or a live reservation.
    return { ...s, drift: s.stock - s.redisRemaining - s.inTransfer - s.reserved };
  }

  async reconcile(sale: Sale, now = Date.now()) {
    const transfers = await this.reservations.rebalancer.finishStranded(sale, TRANSFER_GRACE_MS, now);
    return { transfersFinished: transfers.finished, unitsMoved: transfers.units };
  }
}

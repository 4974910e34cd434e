import type { Producer } from "rocketmq-client-nodejs";
import { ApiError } from "../http/errors.js";
import type { OrderPlacer } from "../http/routes/buyer.js";
import type { ReserveOutcome } from "../reservation/reply-codes.js";
import type { ReservationService, ReserveRequest } from "../reservation/reservation-service.js";
import { encodeOrder } from "./order-message.js";

/** Test-only crash points (FLASHSALE_FAULT), refused in production: see faults.ts. */
export type CrashPoint = "after-half" | "after-reserve";

/**
 * Places an order as a RocketMQ transactional message whose local transaction is the Lua reservation:
 * half message → reserve → commit (a new reservation) or rollback (anything else). A 202 leaves only after
 * the commit. When the reservation's outcome is unknown (Redis timed out) the transaction is left undecided,
 * and the broker's back-check settles it from Redis.
 */
export class TransactionalOrderPlacer implements OrderPlacer {
  /** Keys being processed by this process right now (IDEMPOTENCY_IN_PROGRESS for a concurrent duplicate). */
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly reservations: ReservationService,
    private readonly crashAt?: CrashPoint,
    /** Runs the half-message send (the RocketMQ circuit breaker); an ApiError from it is the answer. */
    private readonly guardSend: <T>(send: () => Promise<T>) => Promise<T> = (send) => send(),
  ) {}

  async place(req: ReserveRequest): Promise<ReserveOutcome> {
    const flightKey = `${req.sale.saleId}|${req.token}`;
    if (this.inFlight.has(flightKey)) throw new ApiError("IDEMPOTENCY_IN_PROGRESS", "this key is being processed right now");
    this.inFlight.add(flightKey);
    try {
      return await this.placeOnce(req);
    } finally {
      this.inFlight.delete(flightKey);
    }
  }

  private async placeOnce(req: ReserveRequest): Promise<ReserveOutcome> {
    const { sale, userId, quantity } = req;
    const orderId = this.reservations.newOrderId(sale, userId);
    const now = Date.now();
    const tx = this.producer.beginTransaction();
    try {
      await this.guardSend(() =>
        this.producer.send(
          {
            topic: this.topic,
            tag: sale.saleId,
            keys: [orderId],
            body: encodeOrder({ orderId, saleId: sale.saleId, skuId: sale.skuId, userId, quantity, reservedAt: now }),
          },
          tx,
        ),
      );
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError("UNAVAILABLE", `RocketMQ did not take the order message: ${(err as Error).message}`, { "retry-after": "1" });
    }
    if (this.crashAt === "after-half") process.kill(process.pid, "SIGKILL");
    // If this throws, the outcome is unknown: leave the transaction open for the broker's back-check.
    const out = await this.reservations.reserve({ ...req, orderId, now });
    if (this.crashAt === "after-reserve") process.kill(process.pid, "SIGKILL");
    if (out.kind === "reserved" && !out.replayed) {
      try {
        await tx.commit();
      } catch (err) {
        // The reservation stands and the half message is at the broker: its back-check will commit it.
        // The buyer retries with the same key and gets the replayed 202.
        throw new ApiError("UNAVAILABLE", `order reserved, hand-off not yet confirmed: ${(err as Error).message}`, { "retry-after": "1" });
      }
      return out;
    }
    // Nothing new was reserved under this order id: the message must never be delivered.
    tx.rollback().catch(() => {
      /* an undecided half message is rolled back by the back-check (no reservation → tombstone) */
    });
    return out;
  }
}

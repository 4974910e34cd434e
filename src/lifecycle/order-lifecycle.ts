import type { OrderAction } from "../orders/order-state.js";
import type { OrderFacts, OrderTransitions, PaymentRecord, TransitionResult } from "../persistence/order-transitions.js";
import type { Keys } from "../redis/keys.js";
import type { MarkPaidOutcome, ReleaseOutcome } from "../redis/script-replies.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { ledgerOf, readLedger, readRecord, type LedgerRecord } from "../reservation/ledger.js";
import type { ReservationService } from "../reservation/reservation-service.js";
import type { Sale } from "../reservation/sale.js";
import type { SaleStore } from "../reservation/sale-store.js";
import { crashIf, type CrashPoint } from "../util/crash-point.js";

/** An order as the lifecycle finds it: its reservation record and what the row would say. */
export interface KnownOrder {
  record: LedgerRecord;
  facts: OrderFacts;
  /** When it is cancelled if still unpaid, unix ms. */
  payBy: number;
}

/**
 * The order's life after the 202: payments, payment failures, timeouts and buyer cancels, each one
 * transition of the state machine (orders/order-state.ts) applied in MySQL (persistence/order-transitions.ts)
 * and then mirrored in Redis. MySQL first, Redis second: a cancellation is complete when the row says
 * CANCELLED and the units are back, released exactly once (release-5.lua is idempotent per order id); a
 * process that dies in between leaves a CANCELLED row whose units the sweeper returns. Every call that
 * finds an order CANCELLED or PAID finishes that mirroring again, so a retry completes a half-done one.
 */
export class OrderLifecycle {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly sales: SaleStore,
    private readonly reservations: ReservationService,
    private readonly transitions: OrderTransitions,
    private readonly defaultTimeoutSeconds: number,
    private readonly crashAt?: CrashPoint,
  ) {}

  /** The order behind an id, from its shard's ledger; null when there is none (or a rolled-back tombstone). */
  async find(orderId: string): Promise<KnownOrder | null> {
    const record = await readRecord(this.redis, this.keys, orderId);
    if (!record || record.state === "tombstone") return null;
    const sale = await this.sales.get(ledgerOf(this.keys, orderId)!.saleId);
    return sale ? this.known(record, sale) : null;
  }

  /** The orders behind many ids of one sale: one ledger read per shard, not one per order. */
  async findMany(saleId: string, orderIds: string[]): Promise<KnownOrder[]> {
    const sale = await this.sales.get(saleId);
    if (!sale) return [];
    const ids = orderIds.filter((id) => ledgerOf(this.keys, id)?.saleId === saleId);
    const records = await readLedger(this.redis, this.keys, ids);
    return [...records.values()].flatMap((r) => (r && r.state !== "tombstone" ? [this.known(r, sale)] : []));
  }

  /** The order of a ledger record of `sale`, without I/O (the sweeper has both at hand). */
  known(record: LedgerRecord, sale: Sale): KnownOrder {
    const timeoutSeconds = sale.paymentTimeoutSeconds || this.defaultTimeoutSeconds;
    return {
      record,
      facts: { orderId: record.orderId, saleId: sale.saleId, skuId: sale.skuId, userId: record.userId, quantity: record.quantity, reservedAt: record.reservedAt },
      payBy: record.reservedAt + timeoutSeconds * 1000,
    };
  }

  /** A payment provider's event for this order. */
  payment(order: KnownOrder, payment: PaymentRecord): Promise<TransitionResult> {
    return this.apply(order, payment.status === "SUCCEEDED" ? { kind: "pay", eventId: payment.eventId } : { kind: "fail", eventId: payment.eventId }, payment);
  }

  cancelByBuyer(order: KnownOrder): Promise<TransitionResult> {
    return this.apply(order, { kind: "cancel", reason: "BUYER_CANCEL" });
  }

  /** A released reservation whose row is missing: the row is written and cancelled (its units are back already). */
  cancelReleased(order: KnownOrder): Promise<TransitionResult> {
    return this.apply(order, { kind: "cancel", reason: "UNITS_RETURNED" });
  }

  /** Cancels an order still unpaid past its payment timeout; null when it is not due yet. */
  async expire(order: KnownOrder, now = Date.now()): Promise<TransitionResult | null> {
    if (now < order.payBy) return null;
    return this.apply(order, { kind: "cancel", reason: "PAYMENT_TIMEOUT" });
  }

  private async apply(order: KnownOrder, action: OrderAction, payment?: PaymentRecord): Promise<TransitionResult> {
    const result = await this.transitions.apply(order.facts, action, payment);
    if (result.kind === "applied" && result.decision.to === "CANCELLED") crashIf(this.crashAt, "after-cancel-commit");
    const status = result.kind === "event_reused" ? null : result.decision.status;
    if (status === "CANCELLED") await this.returnUnits(order.facts);
    if (status === "PAID") await this.markPaid(order.facts);
    return result;
  }

  /** Gives a cancelled order's units back to its shard, exactly once however often it is called. */
  returnUnits(o: { orderId: string }): Promise<ReleaseOutcome> {
    const shard = ledgerOf(this.keys, o.orderId)!;
    return this.reservations.release(shard.saleId, shard.shard, o.orderId);
  }

  /** Mirrors a PAID row in the ledger (state P), idempotently. */
  markPaid(o: { orderId: string }): Promise<MarkPaidOutcome> {
    return scripts.markPaid(this.redis, ledgerOf(this.keys, o.orderId)!, o.orderId);
  }
}

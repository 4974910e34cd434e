import { componentLogger, type Logger } from "../observability/log.js";
import type { OrderAction } from "./order-state.js";
import type { OrderRepository } from "../persistence/order-repository.js";
import type { StoredOrder } from "../persistence/order-row.js";
import type { OrderFacts, OrderTransitions, PaymentRecord, TransitionResult } from "./order-transitions.js";
import type { Keys } from "../redis/keys.js";
import type { MarkPaidOutcome, ReleaseOutcome } from "../redis/script-replies.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { ledgerOf, readLedger, readRecord, type LedgerRecord } from "../reservation/ledger.js";
import { parseOrderId } from "../reservation/order-id.js";
import type { ReservationService } from "../reservation/reservation-service.js";
import type { Sale } from "../reservation/sale.js";
import type { SaleStore } from "../reservation/sale-store.js";
import { crashIf, type CrashPoint } from "../util/crash-point.js";

/** An order as the lifecycle finds it: its reservation record or its row, and what the row would say. */
export interface KnownOrder {
  /** Null when Redis lost it and the order was found by its MySQL row. */
  record: LedgerRecord | null;
  /** The row, when that is where the order was found (absent when found in the ledger). */
  row?: StoredOrder;
  facts: OrderFacts;
  /** When it is cancelled if still unpaid, unix ms. */
  payBy: number;
}

/** What looking an order up by its id came to. */
export type OrderLookup =
  | { kind: "found"; order: KnownOrder }
  /** Nowhere: no ledger record (or a rolled-back tombstone) and no row, in a sale whose state is whole. */
  | { kind: "missing" }
  /** Neither Redis nor MySQL holds it, and it may still exist (its sale's state is lost or being rebuilt, or it is parked). */
  | { kind: "unknown"; reason: string };

/** Runs each step of a lookup against its dependency (the HTTP routes pass their circuit breakers). */
export interface LookupGuards {
  redis<T>(call: () => Promise<T>): Promise<T>;
  mysql<T>(call: () => Promise<T>): Promise<T>;
}

const DIRECT: LookupGuards = { redis: (call) => call(), mysql: (call) => call() };
const MISSING: OrderLookup = { kind: "missing" };
const unknown = (reason: string): OrderLookup => ({ kind: "unknown", reason });

/**
 * The order's life after the 202: payments, payment failures, timeouts and buyer cancels, each one
 * transition of the state machine (order-state.ts) applied in MySQL (order-transitions.ts)
 * and then mirrored in Redis. MySQL first, Redis second: a cancellation is complete when the row says
 * CANCELLED and the units are back, released exactly once (release-5.lua is idempotent per order id); a
 * process that dies in between leaves a CANCELLED row whose units the sweeper returns. Every call that
 * finds an order CANCELLED or PAID finishes that mirroring again, so a retry completes a half-done one.
 * An order Redis no longer knows (lost, being rebuilt, or its sale's keys expired) is found by its row.
 */
export class OrderLifecycle {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly sales: SaleStore,
    private readonly reservations: ReservationService,
    readonly transitions: OrderTransitions,
    /** Null in the test-only Redis-only process (no MySQL): an order without a record is then missing. */
    private readonly repo: OrderRepository | null,
    private readonly defaultTimeoutSeconds: number,
    private readonly crashAt?: CrashPoint,
    private readonly log: Logger = componentLogger("lifecycle"),
  ) {}

  /**
   * The order behind an id: from its shard's ledger; when Redis has no record (or a tombstone), from its
   * MySQL row, the truth after the 202. Without either, "unknown" while it may still exist (its sale is
   * recovering, its shard lost its state, or the writer parked or noted it), else "missing".
   */
  async find(orderId: string, via: LookupGuards = DIRECT): Promise<OrderLookup> {
    const where = parseOrderId(orderId);
    if (!where) return MISSING;
    const record = await via.redis(() => readRecord(this.redis, this.keys, orderId));
    if (record && record.state !== "tombstone") {
      const sale = await this.saleOf(where.saleId, via);
      return sale ? { kind: "found", order: this.known(record, sale) } : MISSING;
    }
    const { row, parked } = this.repo
      ? await via.mysql(() => this.repo!.lookupOrder(orderId))
      : { row: null, parked: false };
    if (row) {
      const sale = await this.saleOf(where.saleId, via);
      return { kind: "found", order: this.fromRow(row, sale) };
    }
    // A tombstone: the reservation was rolled back, and no row says otherwise.
    if (record) return MISSING;
    if (parked) return unknown("the order is parked until its sale's rebuild settles it");
    return via.redis(() => this.unplaced(orderId, where));
  }

  /** Why an order with neither record nor row may still exist: its sale's or shard's Redis state is lost. */
  private async unplaced(orderId: string, where: { saleId: string; shard: number }): Promise<OrderLookup> {
    // Unknown, or past its retention (its keys expired): nothing can bring a row any more.
    const sale = await this.sales.get(where.saleId);
    if (!sale || where.shard >= sale.shards) return MISSING;
    if (sale.recovering) return unknown("the sale's Redis state is being rebuilt");
    const shard = this.keys.shard(where.saleId, where.shard);
    const [counter, noted] = await Promise.all([
      this.redis.exists(shard.stock),
      this.redis.hexists(this.keys.lostOrders(where.saleId), orderId),
    ]);
    if (counter === 0) return unknown("the order's stock shard lost its Redis state");
    if (noted) return unknown("the order is noted as lost until its sale's rebuild honours it");
    // The shard's state is whole and holds no record: no reservation was ever made under this id.
    return MISSING;
  }

  /** The sale's settings: Redis (cached), else the catalog in MySQL, even past its retention. */
  private async saleOf(saleId: string, via: LookupGuards): Promise<Sale | null> {
    // Each read behind its own dependency's breaker: the catalog is MySQL's.
    return (
      (await via.redis(() => this.sales.get(saleId))) ??
      (await via.mysql(() => this.sales.stored(saleId)))?.sale ??
      null
    );
  }

  /** An order found by its row (Redis lost its record): the row's facts, the sale's timeout when known. */
  private fromRow(row: StoredOrder, sale: Sale | null): KnownOrder {
    const reservedAt = row.createdAt.getTime();
    const timeoutSeconds = sale?.paymentTimeoutSeconds || this.defaultTimeoutSeconds;
    return {
      record: null,
      row,
      facts: {
        orderId: row.orderId,
        saleId: row.saleId,
        skuId: row.skuId,
        userId: row.userId,
        quantity: row.quantity,
        reservedAt,
      },
      payBy: reservedAt + timeoutSeconds * 1000,
    };
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
      facts: {
        orderId: record.orderId,
        saleId: sale.saleId,
        skuId: sale.skuId,
        userId: record.userId,
        quantity: record.quantity,
        reservedAt: record.reservedAt,
        token: record.token || undefined,
      },
      payBy: record.reservedAt + timeoutSeconds * 1000,
    };
  }

  /** A payment provider's event for this order. */
  payment(order: KnownOrder, payment: PaymentRecord): Promise<TransitionResult> {
    return this.apply(
      order,
      payment.status === "SUCCEEDED"
        ? { kind: "pay", eventId: payment.eventId }
        : { kind: "fail", eventId: payment.eventId },
      payment,
    );
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
    await this.mirror(order.facts.orderId, status);
    return result;
  }

  /**
   * Mirrors a final row in the ledger. A Redis that lost the order's state has nothing to mirror into (the
   * scripts say so) and a Redis that fails must not undo an answer MySQL already committed: the sale's
   * rebuild restores the record from the row, and the sweeper returns a CANCELLED row's units once.
   */
  private async mirror(orderId: string, status: string | null): Promise<void> {
    try {
      if (status === "CANCELLED") await this.returnUnits({ orderId });
      if (status === "PAID") await this.markPaid({ orderId });
    } catch (err) {
      this.log.warn(
        { orderId, status, err: (err as Error).message },
        "order committed in MySQL, not yet mirrored in Redis: the sweeper finishes it",
      );
    }
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

import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { Order, OrderStatus } from "../order.js";
import {
  paymentOutcome,
  step,
  storedDecision,
  type Decision,
  type OrderAction,
  type RefundReason,
} from "./order-state.js";
import { inTransaction, type MysqlShards } from "../persistence/mysql-shards.js";
import { insertOutbox, orderEvent, type OrderEvent } from "../persistence/order-events.js";
import { withDeadlockRetry } from "../persistence/order-repository.js";
import { eventHome } from "../persistence/order-routing.js";
import { KeyedBatcher, type KeyedBatcherOptions } from "../util/keyed-batcher.js";
import { applyBatch, claimMany, insertMissingOrders, type BatchPayment } from "./transition-batch.js";

/** What the gateway knows of an order from its reservation (the ledger) and its sale. */
export interface OrderFacts extends Order {
  /** Reservation time, unix ms (the row's created_at). */
  reservedAt: number;
  /** The purchase token that bought it: kept on a row written here, as the writer keeps it (a rebuild restores it). */
  token?: string;
}

/** A payment provider's event, as recorded (the event id is the primary key of payment_events). */
export interface PaymentRecord {
  eventId: string;
  status: "SUCCEEDED" | "FAILED";
  bodySha256: string;
}

export type TransitionResult =
  | { kind: "applied"; decision: Decision; version: number }
  /** The same payment event (same body) was applied before: its first answer. */
  | { kind: "replayed"; decision: Decision }
  /** The same payment event id with another body. */
  | { kind: "event_reused" };

/** Runs a call against MySQL: the gateway's MySQL breaker, or the call itself. */
export type Guard = <T>(call: () => Promise<T>) => Promise<T>;

export interface TransitionOptions {
  /** Payment group commit (default BATCH_DEFAULTS); false: each payment in its own transaction. */
  batch?: KeyedBatcherOptions | false;
  /** Runs each payment batch (or payment, unbatched): the gateway passes its MySQL breaker. */
  guard?: Guard;
}

/** Up to 256 payments per batch; the first waits 2 ms for company when no batch of its database is running. */
export const BATCH_DEFAULTS: KeyedBatcherOptions = { maxSize: 256, lingerMs: 2 };

/** A payment waiting for its batch. */
interface Waiting extends BatchPayment {
  resolve(r: TransitionResult): void;
  reject(err: unknown): void;
}

/** One entry per order and per event id in a batch: a second waits for the next one. */
const keysOf = (w: Waiting) => [`o:${w.order.orderId}`, `e:${w.payment.eventId}`];

const ER_DUP_ENTRY = 1062;
const isDuplicate = (err: unknown) => (err as { errno?: unknown })?.errno === ER_DUP_ENTRY;

/** Claims a payment event id for this body in its home database (claimMany); false: claimed with another. */
async function claimed(
  db: Pool | PoolConnection,
  order: OrderFacts,
  payment: PaymentRecord,
  now: Date,
  t: number,
): Promise<boolean> {
  return (await claimMany(db, [{ order, payment }], now, t)).size === 0;
}

/**
 * Inserts a payment event in the order's shard, keyed by its id (its outcome PENDING until the transition
 * writes it); false when the id is there already (another delivery applied it, or is applying it).
 */
async function recordPaymentEvent(
  conn: PoolConnection,
  orderId: string,
  payment: PaymentRecord,
  now: Date,
  t: number,
): Promise<boolean> {
  try {
    await conn.query(
      {
        sql: "INSERT INTO payment_events (event_id, order_id, status, outcome, created_at, body_sha256) VALUES (?,?,?,?,?,?)",
        timeout: t,
      },
      [payment.eventId, orderId, payment.status, "PENDING", now, payment.bodySha256],
    );
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false;
    throw err;
  }
}

/** Locks the order's row (FOR UPDATE) and reads its status and version. */
async function lockOrderRow(
  conn: PoolConnection,
  table: string,
  orderId: string,
  t: number,
): Promise<{ from: OrderStatus; version: number }> {
  const [rows] = await conn.query<RowDataPacket[]>(
    { sql: `SELECT status, version FROM \`${table}\` WHERE order_id = ? FOR UPDATE`, timeout: t },
    [orderId],
  );
  return { from: rows[0]!.status as OrderStatus, version: Number(rows[0]!.version) };
}

/** Moves the locked row from `from` to `to` at `version`; its status can't have changed under the lock. */
async function writeStatus(
  conn: PoolConnection,
  table: string,
  orderId: string,
  from: OrderStatus,
  to: OrderStatus,
  version: number,
  now: Date,
  t: number,
): Promise<void> {
  const [upd] = await conn.query<ResultSetHeader>(
    {
      sql: `UPDATE \`${table}\` SET status = ?, version = ?, updated_at = ? WHERE order_id = ? AND status = ?`,
      timeout: t,
    },
    [to, version, now, orderId, from],
  );
  if (upd.affectedRows !== 1) throw new Error(`order ${orderId} changed under its row lock`);
}

/** Records a refund owed. Keyed by the payment event: one refund per event, however often it is delivered. */
async function recordRefund(
  conn: PoolConnection,
  order: OrderFacts,
  eventId: string,
  reason: RefundReason,
  now: Date,
  t: number,
): Promise<void> {
  await conn.query(
    {
      sql: "INSERT INTO refunds (event_id, order_id, sale_id, reason, recorded_at) VALUES (?,?,?,?,?)",
      timeout: t,
    },
    [eventId, order.orderId, order.saleId, reason, now],
  );
}

/**
 * Applies one action of the order state machine (order-state.ts) in one MySQL transaction on the
 * order's shard. A payment event is first claimed in its id's home database (payment_claims, see
 * eventHome; inside this transaction when that is the order's database): an id already claimed with
 * another body (another order or status) is refused, whichever shard that order lives in. Then the event
 * is inserted in the order's shard, keyed by its id, so concurrent deliveries of one event apply once (a
 * claim whose delivery died before applying is applied by the next delivery: same body, same order, same
 * shard); a missing row is written CONFIRMED from the reservation (a payment or cancel that overtook the
 * order writer); the row is locked, the decision taken from its status, and the change, the refund and
 * their outbox events are written together. Two racing actors serialize on the row lock:
 * the second sees the first one's status and learns it lost. Payments take the same steps in group
 * commits (transition-batch.ts): one transaction per database for up to 256 of them, in three round trips
 * when every payment of the batch is new.
 */
export class OrderTransitions {
  private readonly batches = new Map<number, KeyedBatcher<Waiting>>();
  private readonly guard: Guard;
  /** Batches applied step by step (one held a redelivery), not the fresh way. */
  private stepped = 0;

  constructor(
    private readonly shards: MysqlShards,
    private readonly opts: TransitionOptions = {},
  ) {
    this.guard = opts.guard ?? ((call) => call());
  }

  /**
   * Applies an action. A payment goes through `guard` and, unless batching is off, waits for its
   * database's next batch (transition-batch.ts), stamped with the batch's time; cancels and timeouts are
   * applied one at a time.
   */
  apply(order: OrderFacts, action: OrderAction, payment?: PaymentRecord): Promise<TransitionResult> {
    if (!payment) return this.applyAlone(order, action, undefined, new Date());
    if (this.opts.batch === false) return this.guard(() => this.applyAlone(order, action, payment, new Date()));
    const db = this.shards.forUser(order.userId).db;
    let batcher = this.batches.get(db);
    if (!batcher) {
      batcher = new KeyedBatcher(this.opts.batch ?? BATCH_DEFAULTS, keysOf, (batch) => this.runBatch(db, batch));
      this.batches.set(db, batcher);
    }
    const b = batcher;
    return new Promise((resolve, reject) => b.add({ order, action, payment, resolve, reject }));
  }

  /** Batches run and payments in them, per database (for tests and the bench's figures). */
  batchStats(): { batches: number; items: number; deferred: number; stepped: number } {
    const sum = { batches: 0, items: 0, deferred: 0, stepped: this.stepped };
    for (const b of this.batches.values()) {
      sum.batches += b.stats.batches;
      sum.items += b.stats.items;
      sum.deferred += b.stats.deferred;
    }
    return sum;
  }

  /** One batch through the guard (the breaker times the batch, not each payment's wait in the queue). */
  private async runBatch(db: number, batch: Waiting[]): Promise<void> {
    try {
      const { results, fresh } = await this.guard(() => applyBatch(this.shards, db, batch, new Date()));
      if (!fresh) this.stepped++;
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }

  private async applyAlone(
    order: OrderFacts,
    action: OrderAction,
    payment: PaymentRecord | undefined,
    now: Date,
  ): Promise<TransitionResult> {
    // The claim shares the order's transaction when its home is the order's database (no extra commit).
    const home = payment ? this.shards.databases()[eventHome(payment.eventId, this.shards.shardCount)]! : null;
    const claimApart = home !== null && home.db !== this.shards.forUser(order.userId).db;
    if (claimApart && !(await claimed(home.pool, order, payment!, now, this.shards.queryTimeoutMs)))
      return { kind: "event_reused" };
    return withDeadlockRetry(() => this.applyOnce(order, action, payment, now, !claimApart));
  }

  private async applyOnce(
    order: OrderFacts,
    action: OrderAction,
    payment: PaymentRecord | undefined,
    now: Date,
    claimHere: boolean,
  ): Promise<TransitionResult> {
    const { pool, table } = this.shards.forUser(order.userId);
    const t = this.shards.queryTimeoutMs;
    const applied = await inTransaction(pool, async (conn): Promise<TransitionResult | "seen"> => {
      // Nothing written yet: returning rolls back nothing of value.
      if (payment && claimHere && !(await claimed(conn, order, payment, now, t))) return { kind: "event_reused" };
      // Applied (or being applied) by another delivery: nothing was written here; its answer is read below.
      if (payment && !(await recordPaymentEvent(conn, order.orderId, payment, now, t))) return "seen";
      const events: OrderEvent[] = [];
      if ((await insertMissingOrders(conn, table, [order], now, t)) === 1)
        events.push(orderEvent(order, "ORDER_CONFIRMED", 1, now));
      const { from, version: current } = await lockOrderRow(conn, table, order.orderId, t);
      const { decision, version, events: made } = step(order, action, from, current, now);
      if (version !== current)
        await writeStatus(conn, table, order.orderId, from, decision.to ?? from, version, now, t);
      if (decision.refund) await recordRefund(conn, order, payment!.eventId, decision.refund, now, t);
      await insertOutbox(conn, [...events, ...made], now, t);
      if (payment) {
        await conn.query({ sql: "UPDATE payment_events SET outcome = ? WHERE event_id = ?", timeout: t }, [
          paymentOutcome(decision),
          payment.eventId,
        ]);
      }
      return { kind: "applied", decision, version };
    });
    return applied === "seen" ? this.replayOf(pool, payment!, t) : applied;
  }

  private async replayOf(pool: Pool, payment: PaymentRecord, timeoutMs: number): Promise<TransitionResult> {
    const [rows] = await pool.query<RowDataPacket[]>(
      { sql: "SELECT outcome, body_sha256, status FROM payment_events WHERE event_id = ?", timeout: timeoutMs },
      [payment.eventId],
    );
    const r = rows[0];
    // Gone again: the first delivery's transaction rolled back after ours saw its key. Try as new.
    if (!r) throw Object.assign(new Error("payment event vanished; retry"), { errno: 1213 });
    if (String(r.body_sha256) !== payment.bodySha256) return { kind: "event_reused" };
    return { kind: "replayed", decision: storedDecision(String(r.outcome)) };
  }
}

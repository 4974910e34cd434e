import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { OrderStatus } from "../order.js";
import { paymentOutcome, step, storedDecision, type OrderAction, type RefundReason } from "./order-state.js";
import type { OrderFacts, PaymentRecord, TransitionResult } from "./order-transitions.js";
import { inTransaction, type MysqlShards } from "../persistence/mysql-shards.js";
import { insertOutbox, orderEvent, type OrderEvent } from "../persistence/order-events.js";
import { withDeadlockRetry } from "../persistence/order-repository.js";
import { eventHome } from "../persistence/order-routing.js";

/** One payment of a batch: its order (at most one entry per order and per event id in a batch). */
export interface BatchPayment {
  order: OrderFacts;
  action: OrderAction;
  payment: PaymentRecord;
}

type Results = Map<number, TransitionResult>;

const marks = (n: number) => Array.from({ length: n }, () => "?").join(",");
const tuples = (n: number, width: number) => Array.from({ length: n }, () => `(${marks(width)})`).join(",");
/** A deadlock's errno: withDeadlockRetry runs the batch again. */
const retryable = (message: string) => Object.assign(new Error(message), { errno: 1213 });

/**
 * Claims payment event ids for their bodies in one database (payment_claims, see eventHome), sorted by id
 * so two batches lock in one order; returns the ids claimed before with another body. On a pool each
 * statement commits at once; inside the orders' transaction the claims are held until it ends and a
 * concurrent delivery waits on their locks, then reads the winner. One payment at a time claims with this too.
 */
export async function claimMany(
  db: Pool | PoolConnection,
  items: readonly Pick<BatchPayment, "order" | "payment">[],
  now: Date,
  t: number,
): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const sorted = [...items].sort((a, b) => (a.payment.eventId < b.payment.eventId ? -1 : 1));
  const params = sorted.flatMap((x) => [x.payment.eventId, x.order.orderId, x.payment.bodySha256, now]);
  const [ins] = await db.query<ResultSetHeader>(
    {
      sql: `INSERT INTO payment_claims (event_id, order_id, body_sha256, created_at) VALUES ${tuples(sorted.length, 4)} ON DUPLICATE KEY UPDATE event_id = event_id`,
      timeout: t,
    },
    params,
  );
  // Every one claimed now (no FOUND_ROWS: a no-op duplicate counts 0): nothing to read back.
  if (ins.affectedRows === sorted.length) return new Set();
  const ids = sorted.map((x) => x.payment.eventId);
  const [rows] = await db.query<RowDataPacket[]>(
    {
      sql: `SELECT event_id, body_sha256 FROM payment_claims WHERE event_id IN (${marks(ids.length)}) LOCK IN SHARE MODE`,
      timeout: t,
    },
    ids,
  );
  const body = new Map(rows.map((r) => [String(r.event_id), String(r.body_sha256)]));
  return new Set(
    sorted.filter((x) => body.get(x.payment.eventId) !== x.payment.bodySha256).map((x) => x.payment.eventId),
  );
}

/**
 * Inserts the payment events of a batch (outcome PENDING until the batch writes it); returns those that
 * were there already, applied by another delivery, with their outcome and body. The insert waits for a
 * delivery still applying one, so a row read back PENDING is this batch's own (the outcome is written in
 * the transaction that inserts it).
 */
async function recordEvents(
  conn: PoolConnection,
  items: readonly BatchPayment[],
  now: Date,
  t: number,
): Promise<Map<string, { outcome: string; body: string }>> {
  const seen = new Map<string, { outcome: string; body: string }>();
  if (items.length === 0) return seen;
  const sorted = [...items].sort((a, b) => (a.payment.eventId < b.payment.eventId ? -1 : 1));
  const params = sorted.flatMap((x) => {
    const p = x.payment;
    return [p.eventId, x.order.orderId, p.status, "PENDING", now, p.bodySha256];
  });
  const [ins] = await conn.query<ResultSetHeader>(
    {
      sql: `INSERT INTO payment_events (event_id, order_id, status, outcome, created_at, body_sha256) VALUES ${tuples(sorted.length, 6)} ON DUPLICATE KEY UPDATE event_id = event_id`,
      timeout: t,
    },
    params,
  );
  if (ins.affectedRows === sorted.length) return seen;
  const ids = sorted.map((x) => x.payment.eventId);
  const [rows] = await conn.query<RowDataPacket[]>(
    {
      sql: `SELECT event_id, outcome, body_sha256 FROM payment_events WHERE event_id IN (${marks(ids.length)}) FOR UPDATE`,
      timeout: t,
    },
    ids,
  );
  for (const r of rows) {
    if (String(r.outcome) !== "PENDING")
      seen.set(String(r.event_id), { outcome: String(r.outcome), body: String(r.body_sha256) });
  }
  return seen;
}

type Locked = Map<string, { from: OrderStatus; version: number }>;

/**
 * Locks the rows of these orders (FOR UPDATE) in every table at once, one statement (a UNION of one
 * locking read per table, tables and ids sorted); a missing row is not in the answer.
 */
async function lockRows(conn: PoolConnection, byTable: ReadonlyMap<string, string[]>, t: number): Promise<Locked> {
  const tables = [...byTable.keys()].sort();
  const ids = tables.map((table) => [...byTable.get(table)!].sort());
  const sql = tables
    .map(
      (table, k) =>
        `(SELECT order_id, status, version FROM \`${table}\` WHERE order_id IN (${marks(ids[k]!.length)}) FOR UPDATE)`,
    )
    .join(" UNION ALL ");
  const [rows] = await conn.query<RowDataPacket[]>({ sql, timeout: t }, ids.flat());
  return new Map(rows.map((r) => [String(r.order_id), { from: r.status as OrderStatus, version: Number(r.version) }]));
}

/**
 * Writes missing order rows CONFIRMED from their reservations (a payment or cancel that overtook the order
 * writer); an existing row is left as is. Returns how many were written.
 */
export async function insertMissingOrders(
  conn: PoolConnection,
  table: string,
  orders: readonly OrderFacts[],
  now: Date,
  t: number,
): Promise<number> {
  if (orders.length === 0) return 0;
  const params = orders.flatMap((o) => [
    o.orderId,
    o.saleId,
    o.skuId,
    o.userId,
    o.quantity,
    new Date(o.reservedAt),
    now,
    o.token || null,
  ]);
  const [ins] = await conn.query<ResultSetHeader>(
    {
      sql: `INSERT INTO \`${table}\` (order_id, sale_id, sku_id, user_id, quantity, status, created_at, updated_at, version, purchase_token) VALUES ${orders.map(() => "(?,?,?,?,?,'CONFIRMED',?,?,1,?)").join(",")} ON DUPLICATE KEY UPDATE order_id = order_id`,
      timeout: t,
    },
    params,
  );
  return ins.affectedRows;
}

/**
 * Writes a batch's missing order rows. Their keys' gaps are locked by lockRows, so nobody else can have
 * written one since: each insert is ours.
 */
async function writeMissingOrders(
  conn: PoolConnection,
  table: string,
  orders: readonly OrderFacts[],
  now: Date,
  t: number,
): Promise<void> {
  if ((await insertMissingOrders(conn, table, orders, now, t)) !== orders.length)
    throw retryable("an order row appeared under its gap lock; retry");
}

/** Moves the locked rows to their new status and version, one statement for the table. */
async function writeStatuses(
  conn: PoolConnection,
  table: string,
  changes: readonly { orderId: string; to: OrderStatus; version: number }[],
  now: Date,
  t: number,
): Promise<void> {
  if (changes.length === 0) return;
  const cases = changes.map(() => "WHEN ? THEN ?").join(" ");
  const params = [
    ...changes.flatMap((c) => [c.orderId, c.to]),
    ...changes.flatMap((c) => [c.orderId, c.version]),
    now,
    ...changes.map((c) => c.orderId),
  ];
  const [upd] = await conn.query<ResultSetHeader>(
    {
      sql: `UPDATE \`${table}\` SET status = CASE order_id ${cases} END, version = CASE order_id ${cases} END, updated_at = ? WHERE order_id IN (${marks(changes.length)})`,
      timeout: t,
    },
    params,
  );
  // Every change moves the version: a row not changed was not locked as read.
  if (upd.affectedRows !== changes.length) throw new Error(`orders of ${table} changed under their row locks`);
}

type Refund = { order: OrderFacts; eventId: string; reason: RefundReason };

/** Records the refunds owed, keyed by their payment events. */
async function recordRefunds(conn: PoolConnection, refunds: readonly Refund[], now: Date, t: number): Promise<void> {
  if (refunds.length === 0) return;
  await conn.query(
    {
      sql: `INSERT INTO refunds (event_id, order_id, sale_id, reason, recorded_at) VALUES ${tuples(refunds.length, 5)}`,
      timeout: t,
    },
    refunds.flatMap((r) => [r.eventId, r.order.orderId, r.order.saleId, r.reason, now]),
  );
}

/** Writes each payment event's outcome (its answer, replayed to redeliveries), one statement. */
async function writeOutcomes(conn: PoolConnection, outcomes: readonly [string, string][], t: number): Promise<void> {
  if (outcomes.length === 0) return;
  await conn.query(
    {
      sql: `UPDATE payment_events SET outcome = CASE event_id ${outcomes.map(() => "WHEN ? THEN ?").join(" ")} END WHERE event_id IN (${marks(outcomes.length)})`,
      timeout: t,
    },
    [...outcomes.flat(), ...outcomes.map(([id]) => id)],
  );
}

/** What a batch writes besides the rows' status: outbox events, refunds, payment outcomes. */
interface Writes {
  events: OrderEvent[];
  refunds: Refund[];
  outcomes: [string, string][];
}

/**
 * Applies a batch of payments for orders of one MySQL database (`db`), as OrderTransitions applies one,
 * with one multi-row statement per step: claims homed in another database first (committed there, as
 * one at a time), then in one transaction the claims homed here, the payment events, the row locks, the
 * missing rows, the status changes, refunds, outbox events and outcomes. Each decision is the one
 * `decide` takes from the locked row; entries are distinct by order and event id, so each order sees
 * exactly one action. A deadlock rolls the whole batch back and runs it again. Returns one result per entry.
 */
export async function applyBatch(
  shards: MysqlShards,
  db: number,
  batch: readonly BatchPayment[],
  now: Date,
): Promise<TransitionResult[]> {
  const t = shards.queryTimeoutMs;
  const out: Results = new Map();
  // Each event id's home once (a SHA-1 each): the claims apart, then the transaction's, go by it.
  const homes = batch.map((x) => eventHome(x.payment.eventId, shards.shardCount));
  const apart = new Map<number, number[]>();
  homes.forEach((home, i) => {
    if (home !== db) apart.set(home, [...(apart.get(home) ?? []), i]);
  });
  for (const [home, idx] of apart) {
    const { pool } = shards.databases()[home]!;
    const reused = await withDeadlockRetry(() =>
      claimMany(
        pool,
        idx.map((i) => batch[i]!),
        now,
        t,
      ),
    );
    for (const i of idx) if (reused.has(batch[i]!.payment.eventId)) out.set(i, { kind: "event_reused" });
  }
  const live = batch.map((_, i) => i).filter((i) => !out.has(i));
  const { pool } = shards.databases()[db]!;
  const applied = await withDeadlockRetry(() =>
    inTransaction(pool, (conn) => applyIn(conn, shards, db, batch, homes, live, now)),
  );
  for (const [i, r] of applied) out.set(i, r);
  return batch.map((_, i) => out.get(i)!);
}

/** The transaction of a batch: claims homed here, events, then the rows table by table, then the rest. */
async function applyIn(
  conn: PoolConnection,
  shards: MysqlShards,
  db: number,
  batch: readonly BatchPayment[],
  homes: readonly number[],
  live: readonly number[],
  now: Date,
): Promise<Results> {
  const t = shards.queryTimeoutMs;
  const out: Results = new Map();
  const here = live.filter((i) => homes[i] === db);
  const reused = await claimMany(
    conn,
    here.map((i) => batch[i]!),
    now,
    t,
  );
  for (const i of here) if (reused.has(batch[i]!.payment.eventId)) out.set(i, { kind: "event_reused" });
  const fresh = live.filter((i) => !out.has(i));
  const seen = await recordEvents(
    conn,
    fresh.map((i) => batch[i]!),
    now,
    t,
  );
  const byTable = new Map<string, number[]>();
  for (const i of fresh) {
    const { payment, order } = batch[i]!;
    const s = seen.get(payment.eventId);
    // Applied by another delivery: its first answer (or a refusal, for another body under this id).
    if (s)
      out.set(
        i,
        s.body === payment.bodySha256
          ? { kind: "replayed", decision: storedDecision(s.outcome) }
          : { kind: "event_reused" },
      );
    else {
      const table = shards.forUser(order.userId).table;
      byTable.set(table, [...(byTable.get(table) ?? []), i]);
    }
  }
  const writes: Writes = { events: [], refunds: [], outcomes: [] };
  const ids = new Map([...byTable].map(([table, idx]) => [table, idx.map((i) => batch[i]!.order.orderId)]));
  const rows = byTable.size > 0 ? await lockRows(conn, ids, t) : new Map();
  for (const table of [...byTable.keys()].sort())
    await applyRows(conn, table, byTable.get(table)!, batch, rows, now, t, writes, out);
  await recordRefunds(conn, writes.refunds, now, t);
  await insertOutbox(conn, writes.events, now, t);
  await writeOutcomes(conn, writes.outcomes, t);
  return out;
}

/** One table's part of a batch, its rows locked: write the missing ones, decide each, write the changes. */
async function applyRows(
  conn: PoolConnection,
  table: string,
  idx: readonly number[],
  batch: readonly BatchPayment[],
  rows: Locked,
  now: Date,
  t: number,
  writes: Writes,
  out: Results,
): Promise<void> {
  const missing = idx.map((i) => batch[i]!.order).filter((o) => !rows.has(o.orderId));
  await writeMissingOrders(conn, table, missing, now, t);
  for (const o of missing) {
    rows.set(o.orderId, { from: "CONFIRMED", version: 1 });
    writes.events.push(orderEvent(o, "ORDER_CONFIRMED", 1, now));
  }
  const changes: { orderId: string; to: OrderStatus; version: number }[] = [];
  for (const i of idx) {
    const { order, action, payment } = batch[i]!;
    const { from, version: current } = rows.get(order.orderId)!;
    const { decision, version, events } = step(order, action, from, current, now);
    if (version !== current) changes.push({ orderId: order.orderId, to: decision.to ?? from, version });
    if (decision.refund) writes.refunds.push({ order, eventId: payment.eventId, reason: decision.refund });
    writes.events.push(...events);
    writes.outcomes.push([payment.eventId, paymentOutcome(decision)]);
    out.set(i, { kind: "applied", decision, version });
  }
  await writeStatuses(conn, table, changes, now, t);
}

import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { OrderStatus } from "../order.js";
import { paymentOutcome, step, storedDecision, type OrderAction, type RefundReason } from "./order-state.js";
import type { OrderFacts, PaymentRecord, TransitionResult } from "./order-transitions.js";
import { inTransaction, runEach, runTogether, type MysqlShards, type Statement } from "../persistence/mysql-shards.js";
import { orderEvent, outboxInsert, type OrderEvent } from "../persistence/order-events.js";
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

/** Payments sorted by event id: two batches insert and lock the same ids in one order. */
const byEventId = <T extends Pick<BatchPayment, "payment">>(items: readonly T[]): T[] =>
  [...items].sort((a, b) => (a.payment.eventId < b.payment.eventId ? -1 : 1));

/** The claims of `sorted` (by event id), each id for its body; an id claimed already is left as it is. */
function claimsInsert(sorted: readonly Pick<BatchPayment, "order" | "payment">[], now: Date): Statement {
  return {
    sql: `INSERT INTO payment_claims (event_id, order_id, body_sha256, created_at) VALUES ${tuples(sorted.length, 4)} ON DUPLICATE KEY UPDATE event_id = event_id`,
    params: sorted.flatMap((x) => [x.payment.eventId, x.order.orderId, x.payment.bodySha256, now]),
  };
}

/** The payment events of `sorted` (by event id), outcome PENDING; an id there already is left as it is. */
function eventsInsert(sorted: readonly BatchPayment[], now: Date): Statement {
  return {
    sql: `INSERT INTO payment_events (event_id, order_id, status, outcome, created_at, body_sha256) VALUES ${tuples(sorted.length, 6)} ON DUPLICATE KEY UPDATE event_id = event_id`,
    params: sorted.flatMap((x) => {
      const p = x.payment;
      return [p.eventId, x.order.orderId, p.status, "PENDING", now, p.bodySha256];
    }),
  };
}

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
  const sorted = byEventId(items);
  const claims = claimsInsert(sorted, now);
  const [ins] = await db.query<ResultSetHeader>({ sql: claims.sql, timeout: t }, claims.params);
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
  const sorted = byEventId(items);
  const events = eventsInsert(sorted, now);
  const [ins] = await conn.query<ResultSetHeader>({ sql: events.sql, timeout: t }, events.params);
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
  const { sql, params } = lockSelect(byTable);
  const [rows] = await conn.query<RowDataPacket[]>({ sql, timeout: t }, params);
  return lockedOf(rows);
}

/** lockRows's statement: one locking read per table, tables and ids sorted, as one UNION. */
function lockSelect(byTable: ReadonlyMap<string, string[]>): Statement {
  const tables = [...byTable.keys()].sort();
  const ids = tables.map((table) => [...byTable.get(table)!].sort());
  const sql = tables
    .map(
      (table, k) =>
        `(SELECT order_id, status, version FROM \`${table}\` WHERE order_id IN (${marks(ids[k]!.length)}) FOR UPDATE)`,
    )
    .join(" UNION ALL ");
  return { sql, params: ids.flat() };
}

const lockedOf = (rows: RowDataPacket[]): Locked =>
  new Map(rows.map((r) => [String(r.order_id), { from: r.status as OrderStatus, version: Number(r.version) }]));

/** The insert of order rows CONFIRMED from their reservations (non-empty); an existing row is left as is. */
function ordersInsert(table: string, orders: readonly OrderFacts[], now: Date): Statement {
  return {
    sql: `INSERT INTO \`${table}\` (order_id, sale_id, sku_id, user_id, quantity, status, created_at, updated_at, version, purchase_token) VALUES ${orders.map(() => "(?,?,?,?,?,'CONFIRMED',?,?,1,?)").join(",")} ON DUPLICATE KEY UPDATE order_id = order_id`,
    params: orders.flatMap((o) => [
      o.orderId,
      o.saleId,
      o.skuId,
      o.userId,
      o.quantity,
      new Date(o.reservedAt),
      now,
      o.token || null,
    ]),
  };
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
  const { sql, params } = ordersInsert(table, orders, now);
  const [ins] = await conn.query<ResultSetHeader>({ sql, timeout: t }, params);
  return ins.affectedRows;
}

/** A batch's missing order rows are written under their keys' gap locks (lockRows): each insert is ours. */
const missingLost = () => retryable("an order row appeared under its gap lock; retry");

type Change = { orderId: string; to: OrderStatus; version: number };

/** Moves locked rows to their new status and version, one statement for the table (non-empty). */
function statusesUpdate(table: string, changes: readonly Change[], now: Date): Statement {
  const cases = changes.map(() => "WHEN ? THEN ?").join(" ");
  return {
    sql: `UPDATE \`${table}\` SET status = CASE order_id ${cases} END, version = CASE order_id ${cases} END, updated_at = ? WHERE order_id IN (${marks(changes.length)})`,
    params: [
      ...changes.flatMap((c) => [c.orderId, c.to]),
      ...changes.flatMap((c) => [c.orderId, c.version]),
      now,
      ...changes.map((c) => c.orderId),
    ],
  };
}

/** Every change moves the version: a row not changed was not locked as read. */
const changedUnderLock = (table: string) => new Error(`orders of ${table} changed under their row locks`);

type Refund = { order: OrderFacts; eventId: string; reason: RefundReason };

/** The refunds owed, keyed by their payment events (non-empty). */
function refundsInsert(refunds: readonly Refund[], now: Date): Statement {
  return {
    sql: `INSERT INTO refunds (event_id, order_id, sale_id, reason, recorded_at) VALUES ${tuples(refunds.length, 5)}`,
    params: refunds.flatMap((r) => [r.eventId, r.order.orderId, r.order.saleId, r.reason, now]),
  };
}

/** Each payment event's outcome (its answer, replayed to redeliveries), one statement (non-empty). */
function outcomesUpdate(outcomes: readonly [string, string][]): Statement {
  return {
    sql: `UPDATE payment_events SET outcome = CASE event_id ${outcomes.map(() => "WHEN ? THEN ?").join(" ")} END WHERE event_id IN (${marks(outcomes.length)})`,
    params: [...outcomes.flat(), ...outcomes.map(([id]) => id)],
  };
}

/** What a batch writes besides the rows' status: outbox events, refunds, payment outcomes. */
interface Writes {
  events: OrderEvent[];
  refunds: Refund[];
  outcomes: [string, string][];
}

/** The statements that end a batch's transaction (refunds, outbox events, outcomes), those with anything to write. */
function closingWrites(w: Writes, now: Date): Statement[] {
  const out: Statement[] = [];
  if (w.refunds.length > 0) out.push(refundsInsert(w.refunds, now));
  if (w.events.length > 0) out.push(outboxInsert(w.events, now));
  if (w.outcomes.length > 0) out.push(outcomesUpdate(w.outcomes));
  return out;
}

/** The result of a payment batch, and whether it went the fresh way (every claim and event id new: applyFresh). */
export interface BatchOutcome {
  results: TransitionResult[];
  fresh: boolean;
}

/** A fresh batch found a claim or event id there already: its transaction is rolled back and it goes step by step. */
class NotFresh extends Error {}

/**
 * Applies a batch of payments for orders of one MySQL database (`db`), as OrderTransitions applies one:
 * claims homed in another database (committed there, as one at a time), and in one transaction the claims
 * homed here, the payment events, the row locks, the missing rows, the status changes, refunds, outbox
 * events and outcomes. Each decision is the one `decide` takes from the locked row; entries are distinct by
 * order and event id, so each order sees exactly one action. A deadlock rolls the whole batch back and runs
 * it again. Returns one result per entry.
 *
 * The usual batch (every payment new) takes three round trips one after another (applyFresh): the start,
 * claims, events and row locks together, with the claims apart beside them; every write together; the
 * commit. On a loaded gateway each round trip waits its turn in the event loop and in MariaDB: step by
 * step, a batch took about twelve and outran the MySQL breaker's second. A batch holding a redelivery (or
 * an id claimed with another body) is rolled back and goes step by step (applyIn), after the claims
 * apart, reading back what the other delivery wrote.
 */
export async function applyBatch(
  shards: MysqlShards,
  db: number,
  batch: readonly BatchPayment[],
  now: Date,
): Promise<BatchOutcome> {
  const t = shards.queryTimeoutMs;
  // Each event id's home once (a SHA-1 each): the claims apart, then the transaction's, go by it.
  const homes = batch.map((x) => eventHome(x.payment.eventId, shards.shardCount));
  const apart = new Map<number, number[]>();
  homes.forEach((home, i) => {
    if (home !== db) apart.set(home, [...(apart.get(home) ?? []), i]);
  });
  /** The claims homed in other databases, committed there: the entries whose id was claimed with another body. */
  const claimApart = async (): Promise<Results> => {
    const reused: Results = new Map();
    for (const [home, idx] of apart) {
      const { pool } = shards.databases()[home]!;
      const ids = await withDeadlockRetry(() =>
        claimMany(
          pool,
          idx.map((i) => batch[i]!),
          now,
          t,
        ),
      );
      for (const i of idx) if (ids.has(batch[i]!.payment.eventId)) reused.set(i, { kind: "event_reused" });
    }
    return reused;
  };
  const { pool } = shards.databases()[db]!;
  const inOne = (work: (conn: PoolConnection) => Promise<Results>, opts?: { begins: true }) =>
    withDeadlockRetry(() => inTransaction(pool, work, opts));
  // The claims apart go beside the transaction's first round trip; the transaction commits only if none was reused.
  const apartDone = claimApart();
  apartDone.catch(() => {}); // awaited in applyFresh, or below
  try {
    const applied = await inOne((conn) => applyFresh(conn, shards, db, batch, homes, apartDone, now), { begins: true });
    return { results: batch.map((_, i) => applied.get(i)!), fresh: true };
  } catch (err) {
    if (!(err instanceof NotFresh)) throw err;
  }
  const out = await apartDone;
  const live = batch.map((_, i) => i).filter((i) => !out.has(i));
  const applied = await inOne((conn) => applyIn(conn, shards, db, batch, homes, live, now));
  for (const [i, r] of applied) out.set(i, r);
  return { results: batch.map((_, i) => out.get(i)!), fresh: false };
}

/** The live entries of a batch by order table. */
function tablesOf(shards: MysqlShards, batch: readonly BatchPayment[], idx: readonly number[]): Map<string, number[]> {
  const byTable = new Map<string, number[]>();
  for (const i of idx) {
    const table = shards.forUser(batch[i]!.order.userId).table;
    byTable.set(table, [...(byTable.get(table) ?? []), i]);
  }
  return byTable;
}

const idsOf = (batch: readonly BatchPayment[], byTable: ReadonlyMap<string, number[]>) =>
  new Map([...byTable].map(([table, idx]) => [table, idx.map((i) => batch[i]!.order.orderId)]));

const affected = (r: ResultSetHeader | RowDataPacket[] | undefined) => (r as ResultSetHeader).affectedRows;

/**
 * A batch whose every claim and event id is new, in three round trips: the transaction's start, the claims
 * homed here, the payment events and the row locks in one; the decisions; every write in the next; the
 * commit. Throws NotFresh (the caller rolls back) when an insert found an id there already, here or among
 * the claims apart (`apartDone`, run beside the first round trip).
 */
async function applyFresh(
  conn: PoolConnection,
  shards: MysqlShards,
  db: number,
  batch: readonly BatchPayment[],
  homes: readonly number[],
  apartDone: Promise<Results>,
  now: Date,
): Promise<Results> {
  const t = shards.queryTimeoutMs;
  const all = batch.map((_, i) => i);
  const here = byEventId(all.filter((i) => homes[i] === db).map((i) => batch[i]!));
  const byTable = tablesOf(shards, batch, all);
  const first = [
    { sql: "START TRANSACTION", params: [] },
    ...(here.length > 0 ? [claimsInsert(here, now)] : []),
    eventsInsert(byEventId(batch), now),
    lockSelect(idsOf(batch, byTable)),
  ];
  const read = await runTogether(conn, first, t);
  if ((here.length > 0 && affected(read[1]) !== here.length) || affected(read.at(-2)) !== batch.length)
    throw new NotFresh("a claim or payment event was there already");
  if ((await apartDone).size > 0) throw new NotFresh("a claim homed elsewhere was taken with another body");
  const out: Results = new Map();
  await decideAndWrite(conn, batch, byTable, lockedOf(read.at(-1) as RowDataPacket[]), now, t, out, runTogether);
  return out;
}

/** A batch step by step, its transaction: claims homed here, events, then the rows table by table, then the rest. */
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
  const unseen: number[] = [];
  for (const i of fresh) {
    const { payment } = batch[i]!;
    const s = seen.get(payment.eventId);
    // Applied by another delivery: its first answer (or a refusal, for another body under this id).
    if (s)
      out.set(
        i,
        s.body === payment.bodySha256
          ? { kind: "replayed", decision: storedDecision(s.outcome) }
          : { kind: "event_reused" },
      );
    else unseen.push(i);
  }
  const byTable = tablesOf(shards, batch, unseen);
  const rows = byTable.size > 0 ? await lockRows(conn, idsOf(batch, byTable), t) : new Map();
  await decideAndWrite(conn, batch, byTable, rows, now, t, out, runEach);
  return out;
}

/**
 * Decides each locked order of the batch, table by table (decideRows), and writes the missing rows, the
 * status changes, refunds, outbox events and outcomes with `run`: one statement at a time, or all in one
 * round trip. A row write that did not touch every row it should have throws (the transaction rolls back).
 */
async function decideAndWrite(
  conn: PoolConnection,
  batch: readonly BatchPayment[],
  byTable: ReadonlyMap<string, number[]>,
  rows: Locked,
  now: Date,
  t: number,
  out: Results,
  run: typeof runEach,
): Promise<void> {
  const writes: Writes = { events: [], refunds: [], outcomes: [] };
  const rowWrites: { statement: Statement; rows: number; lost: () => Error }[] = [];
  for (const table of [...byTable.keys()].sort()) {
    const { missing, changes } = decideRows(byTable.get(table)!, batch, rows, now, writes, out);
    if (missing.length > 0)
      rowWrites.push({ statement: ordersInsert(table, missing, now), rows: missing.length, lost: missingLost });
    if (changes.length > 0)
      rowWrites.push({
        statement: statusesUpdate(table, changes, now),
        rows: changes.length,
        lost: () => changedUnderLock(table),
      });
  }
  const written = await run(conn, [...rowWrites.map((w) => w.statement), ...closingWrites(writes, now)], t);
  rowWrites.forEach((w, k) => {
    if (affected(written[k]) !== w.rows) throw w.lost();
  });
}

/**
 * One table's part of a batch, its rows locked: the missing rows (to be written CONFIRMED, with their
 * ORDER_CONFIRMED events), then each decision and the changes to write.
 */
function decideRows(
  idx: readonly number[],
  batch: readonly BatchPayment[],
  rows: Locked,
  now: Date,
  writes: Writes,
  out: Results,
): { missing: OrderFacts[]; changes: Change[] } {
  const missing = idx.map((i) => batch[i]!.order).filter((o) => !rows.has(o.orderId));
  for (const o of missing) {
    rows.set(o.orderId, { from: "CONFIRMED", version: 1 });
    writes.events.push(orderEvent(o, "ORDER_CONFIRMED", 1, now));
  }
  const changes: Change[] = [];
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
  return { missing, changes };
}

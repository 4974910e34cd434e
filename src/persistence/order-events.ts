import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import type { Order } from "../order.js";
import type { Statement } from "./mysql-shards.js";

/** Order events published through the outbox; `version` counts the order's changes (1 = confirmed). */
export type OrderEventType = "ORDER_CONFIRMED" | "ORDER_PAID" | "ORDER_CANCELLED" | "REFUND_REQUIRED";

/** Stable event ids: the same change always has the same id, so a replayed write never adds a second event. */
export function orderEventId(orderId: string, version: number): string {
  return `${orderId}.v${version}`;
}

/**
 * An order event as published: the body of the message on `rocketmq.eventTopic`, the order's fields with
 * the event's (the body keeps the key order orderEvent writes).
 */
export interface OrderEvent extends Order {
  eventId: string;
  type: OrderEventType;
  version: number;
  occurredAt: string;
}

/** The event of a change to `o`: the order's fields only (an OrderFacts passed here carries more, left out of the body). */
export function orderEvent(o: Order, type: OrderEventType, version: number, at: Date): OrderEvent {
  return {
    eventId: orderEventId(o.orderId, version),
    type,
    orderId: o.orderId,
    saleId: o.saleId,
    skuId: o.skuId,
    userId: o.userId,
    quantity: o.quantity,
    version,
    occurredAt: at.toISOString(),
  };
}

const OUTBOX = "order_events";

/** The insert of `events` into the outbox (non-empty); an event id already there is left as it is. */
export function outboxInsert(events: readonly OrderEvent[], now: Date): Statement {
  const params: unknown[] = [];
  for (const e of events) params.push(e.eventId, e.orderId, e.saleId, e.type, JSON.stringify(e), now);
  return {
    sql: `INSERT INTO ${OUTBOX} (event_id, order_id, sale_id, type, body, created_at) VALUES ${events.map(() => "(?,?,?,?,?,?)").join(",")} ON DUPLICATE KEY UPDATE event_id = event_id`,
    params,
  };
}

/**
 * Adds events to the outbox of the connection's database, inside the caller's transaction. An event id
 * already there is left as it is: writing the same change twice (a redelivered message) adds nothing.
 */
export async function insertOutbox(
  conn: PoolConnection,
  events: readonly OrderEvent[],
  now: Date,
  timeoutMs: number,
): Promise<void> {
  if (events.length === 0) return;
  const { sql, params } = outboxInsert(events, now);
  await conn.query<ResultSetHeader>({ sql, timeout: timeoutMs }, params);
}

/** An outbox event a relay has claimed: its row (`seq`), its order and its body. */
export interface ClaimedEvent {
  seq: number;
  orderId: string;
  event: OrderEvent;
}

/**
 * Claims up to `limit` unpublished events of one database for `claimMs` under the name `claim`, oldest
 * first, in one short READ COMMITTED transaction (no gap locks: inserts of new events never wait on a
 * relay), committed before anything is sent. An event is taken only with every unpublished event of its
 * order before it (an order's events are written under its row lock, so seq order is version order): an
 * order whose earliest unpublished event is claimed by another relay, or locked by another claim right now,
 * is left alone, so two relays never publish one order's events side by side. A claim past its time (a
 * relay that died) is taken again. Returns the claimed events in seq order.
 */
export async function claimUnpublished(
  pool: Pool,
  claim: string,
  limit: number,
  claimMs: number,
  timeoutMs: number,
): Promise<ClaimedEvent[]> {
  const conn = await pool.getConnection();
  try {
    await conn.query({ sql: "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", timeout: timeoutMs });
    await conn.beginTransaction();
    try {
      const taken = await claimIn(conn, claim, limit, claimMs, timeoutMs);
      await conn.commit();
      return taken;
    } catch (err) {
      await conn.rollback().catch(() => {});
      throw err;
    }
  } finally {
    conn.release();
  }
}

async function claimIn(
  conn: PoolConnection,
  claim: string,
  limit: number,
  claimMs: number,
  timeoutMs: number,
): Promise<ClaimedEvent[]> {
  // Locked until the claim commits; SKIP LOCKED: rows another relay is claiming right now are not waited for.
  const [free] = await conn.query<RowDataPacket[]>({
    sql: `SELECT seq, order_id, body FROM ${OUTBOX} WHERE published_at IS NULL AND (claim_until IS NULL OR claim_until < UTC_TIMESTAMP(3)) ORDER BY seq LIMIT ${Math.floor(limit)} FOR UPDATE SKIP LOCKED`,
    timeout: timeoutMs,
  });
  if (free.length === 0) return [];
  const bySeq = new Map(free.map((r) => [Number(r.seq), r]));
  const orders = [...new Set(free.map((r) => String(r.order_id)))];
  // Every unpublished event of those orders, claimed or not (the latest committed state: READ COMMITTED).
  const [pending] = await conn.query<RowDataPacket[]>(
    {
      sql: `SELECT order_id, seq FROM ${OUTBOX} WHERE order_id IN (${orders.map(() => "?").join(",")}) AND published_at IS NULL ORDER BY seq`,
      timeout: timeoutMs,
    },
    orders,
  );
  const blocked = new Set<string>();
  const taken: ClaimedEvent[] = [];
  for (const r of pending) {
    const orderId = String(r.order_id);
    if (blocked.has(orderId)) continue;
    const row = bySeq.get(Number(r.seq));
    // Not ours to take: this order's later events wait until this one is published.
    if (!row) {
      blocked.add(orderId);
      continue;
    }
    taken.push({ seq: Number(row.seq), orderId, event: JSON.parse(String(row.body)) as OrderEvent });
  }
  if (taken.length === 0) return [];
  taken.sort((a, b) => a.seq - b.seq);
  await conn.query(
    {
      sql: `UPDATE ${OUTBOX} SET claimed_by = ?, claim_until = UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND WHERE seq IN (${taken.map(() => "?").join(",")})`,
      timeout: timeoutMs,
    },
    [claim, Math.floor(claimMs) * 1000, ...taken.map((e) => e.seq)],
  );
  return taken;
}

/** Stamps events published (the broker acknowledged them), in one short statement of its own. */
export async function markPublished(pool: Pool, seqs: readonly number[], at: Date, timeoutMs: number): Promise<void> {
  if (seqs.length === 0) return;
  await pool.query(
    {
      sql: `UPDATE ${OUTBOX} SET published_at = ? WHERE seq IN (${seqs.map(() => "?").join(",")})`,
      timeout: timeoutMs,
    },
    [at, ...seqs],
  );
}

/** Gives back events of `claim` not published: the next pass (of any relay) takes them again. */
export async function releaseClaim(
  pool: Pool,
  claim: string,
  seqs: readonly number[],
  timeoutMs: number,
): Promise<void> {
  if (seqs.length === 0) return;
  await pool.query(
    {
      sql: `UPDATE ${OUTBOX} SET claimed_by = NULL, claim_until = NULL WHERE seq IN (${seqs.map(() => "?").join(",")}) AND claimed_by = ? AND published_at IS NULL`,
      timeout: timeoutMs,
    },
    [...seqs, claim],
  );
}

/**
 * Deletes up to `limit` events of one database published before `before`, the oldest first; returns how
 * many went. Unpublished events are never deleted. The rows are found by a plain read (no lock) on
 * idx_unpublished and deleted by primary key, so the statement locks those rows only: a range delete on
 * published_at would also lock the gap where new, unpublished events go in, and hold up the writers.
 */
export async function prunePublished(pool: Pool, before: Date, limit: number, timeoutMs: number): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(
    {
      sql: `SELECT seq FROM ${OUTBOX} WHERE published_at IS NOT NULL AND published_at < ? ORDER BY published_at LIMIT ${Math.floor(limit)}`,
      timeout: timeoutMs,
    },
    [before],
  );
  if (rows.length === 0) return 0;
  const seqs = rows.map((r) => Number(r.seq));
  const [res] = await pool.query<ResultSetHeader>(
    // The published_at condition again: only rows still published and old, whatever happened since the read.
    {
      sql: `DELETE FROM ${OUTBOX} WHERE seq IN (${seqs.map(() => "?").join(",")}) AND published_at IS NOT NULL AND published_at < ?`,
      timeout: timeoutMs,
    },
    [...seqs, before],
  );
  return res.affectedRows;
}

/**
 * A sale's unpublished events in one database: all of them, and those written before `staleBefore` (the
 * sweeper's bound). The sweeper settles a sale only when the first is 0 in every database.
 */
export async function countUnpublished(
  pool: Pool,
  saleId: string,
  staleBefore: Date,
  timeoutMs: number,
): Promise<{ unpublished: number; stale: number }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    {
      sql: `SELECT COUNT(*) AS n, COALESCE(SUM(created_at < ?), 0) AS stale FROM ${OUTBOX} WHERE sale_id = ? AND published_at IS NULL`,
      timeout: timeoutMs,
    },
    [staleBefore, saleId],
  );
  return { unpublished: Number(rows[0]?.n ?? 0), stale: Number(rows[0]?.stale ?? 0) };
}

import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { orderEventId, type OrderEventType } from "../orders/order-state.js";

/** An order event as published: the body of the message on `rocketmq.eventTopic`. */
export interface OrderEvent {
  eventId: string;
  type: OrderEventType;
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
  version: number;
  occurredAt: string;
}

/** What an event says about its order. */
export interface EventSubject {
  orderId: string;
  saleId: string;
  skuId: string;
  userId: string;
  quantity: number;
}

export function orderEvent(o: EventSubject, type: OrderEventType, version: number, at: Date): OrderEvent {
  return {
    eventId: orderEventId(o.orderId, version), type, orderId: o.orderId, saleId: o.saleId, skuId: o.skuId,
    userId: o.userId, quantity: o.quantity, version, occurredAt: at.toISOString(),
  };
}

const OUTBOX = "order_events";

/**
 * Adds events to the outbox of the connection's database, inside the caller's transaction. An event id
 * already there is left as it is: writing the same change twice (a redelivered message) adds nothing.
 */
export async function insertOutbox(conn: PoolConnection, events: readonly OrderEvent[], now: Date, timeoutMs: number): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [];
  for (const e of events) params.push(e.eventId, e.orderId, e.saleId, e.type, JSON.stringify(e), now);
  await conn.query<ResultSetHeader>(
    {
      sql: `INSERT INTO ${OUTBOX} (event_id, order_id, sale_id, type, body, created_at) VALUES ${events.map(() => "(?,?,?,?,?,?)").join(",")} ON DUPLICATE KEY UPDATE event_id = event_id`,
      timeout: timeoutMs,
    },
    params,
  );
}

export interface OutboxRow {
  seq: number;
  event: OrderEvent;
}

/**
 * Takes up to `limit` unpublished events of one database, oldest first, locked for the caller's
 * transaction and skipped by every other relay's (SKIP LOCKED): two relays never hold the same rows.
 */
export async function lockUnpublished(conn: PoolConnection, limit: number, timeoutMs: number): Promise<OutboxRow[]> {
  const [rows] = await conn.query<RowDataPacket[]>({
    sql: `SELECT seq, body FROM ${OUTBOX} WHERE published_at IS NULL ORDER BY seq LIMIT ${Math.floor(limit)} FOR UPDATE SKIP LOCKED`,
    timeout: timeoutMs,
  });
  return rows.map((r) => ({ seq: Number(r.seq), event: JSON.parse(String(r.body)) as OrderEvent }));
}

export async function markPublished(conn: PoolConnection, seqs: readonly number[], at: Date, timeoutMs: number): Promise<void> {
  if (seqs.length === 0) return;
  await conn.query({ sql: `UPDATE ${OUTBOX} SET published_at = ? WHERE seq IN (${seqs.map(() => "?").join(",")})`, timeout: timeoutMs }, [at, ...seqs]);
}

/**
 * Deletes up to `limit` events of one database published before `before`, the oldest first; returns how
 * many went. Unpublished events are never deleted. The rows are found by a plain read (no lock) on
 * idx_unpublished and deleted by primary key, so the statement locks those rows only: a range delete on
 * published_at would also lock the gap where new, unpublished events go in, and hold up the writers.
 */
export async function prunePublished(pool: Pool, before: Date, limit: number, timeoutMs: number): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(
    { sql: `SELECT seq FROM ${OUTBOX} WHERE published_at IS NOT NULL AND published_at < ? ORDER BY published_at LIMIT ${Math.floor(limit)}`, timeout: timeoutMs },
    [before],
  );
  if (rows.length === 0) return 0;
  const seqs = rows.map((r) => Number(r.seq));
  const [res] = await pool.query<ResultSetHeader>(
    // The published_at condition again: only rows still published and old, whatever happened since the read.
    { sql: `DELETE FROM ${OUTBOX} WHERE seq IN (${seqs.map(() => "?").join(",")}) AND published_at IS NOT NULL AND published_at < ?`, timeout: timeoutMs },
    [...seqs, before],
  );
  return res.affectedRows;
}

/**
 * A sale's unpublished events in one database: all of them, and those written before `staleBefore` (the
 * sweeper's bound). The sweeper settles a sale only when the first is 0 in every database.
 */
export async function countUnpublished(pool: Pool, saleId: string, staleBefore: Date, timeoutMs: number): Promise<{ unpublished: number; stale: number }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    { sql: `SELECT COUNT(*) AS n, COALESCE(SUM(created_at < ?), 0) AS stale FROM ${OUTBOX} WHERE sale_id = ? AND published_at IS NULL`, timeout: timeoutMs },
    [staleBefore, saleId],
  );
  return { unpublished: Number(rows[0]?.n ?? 0), stale: Number(rows[0]?.stale ?? 0) };
}

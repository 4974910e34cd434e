import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import type { MysqlShards } from "../../src/persistence/mysql-shards.js";
import type { FloodResult } from "../clients/flood.js";

/** An order row as the benchmarks audit it. */
export interface RowSeen {
  order_id: string;
  user_id: string;
  quantity: number;
  updated_at: Date;
}

/**
 * Waits until `expected` orders of the sale are rows in the gateway's sharded MySQL (or `timeoutMs` has
 * passed: the audit then says what is missing), then reads them all.
 */
export async function drainedRows(
  shards: MysqlShards,
  saleId: string,
  expected: number,
  timeoutMs: number,
): Promise<{ rows: RowSeen[]; drainMs: number }> {
  const drainMs = await awaitRows(shards, saleId, expected, timeoutMs);
  const rows: RowSeen[] = [];
  for (const t of shards.allTables()) {
    const [x] = await t.pool.query<RowDataPacket[]>(
      `SELECT order_id, user_id, quantity, updated_at FROM \`${t.table}\` WHERE sale_id = ?`,
      [saleId],
    );
    rows.push(...(x as RowSeen[]));
  }
  return { rows, drainMs };
}

/**
 * Waits until `expected` orders of the sale are rows (or `timeoutMs` has passed), counting them every
 * `everyMs`; answers how long that took.
 */
export async function awaitRows(
  shards: MysqlShards,
  saleId: string,
  expected: number,
  timeoutMs: number,
  everyMs = 50,
): Promise<number> {
  const t0 = Date.now();
  while ((await countRows(shards, saleId)) < expected && Date.now() - t0 < timeoutMs) await sleep(everyMs);
  return Date.now() - t0;
}

/** The sale's order rows, over every shard and table. */
export async function countRows(shards: MysqlShards, saleId: string): Promise<number> {
  let n = 0;
  for (const t of shards.allTables()) {
    const [x] = await t.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${t.table}\` WHERE sale_id = ?`, [
      saleId,
    ]);
    n += Number(x[0]!.n);
  }
  return n;
}

/** Units the rows hold. */
export function unitsIn(rows: RowSeen[]): number {
  return rows.reduce((s, x) => s + Number(x.quantity), 0);
}

/**
 * The ledger audit of one flood (each buyer one attempt): every 202 a row and every row a 202, no order or
 * buyer twice, no attempt without an answer; `extra` adds the caller's own checks. Throws naming the
 * broken ones, so a benchmark never reports figures of a run that lost or duplicated orders.
 */
export function checkRows(
  label: string,
  r: FloodResult,
  rows: RowSeen[],
  buyers: number,
  extra: Record<string, boolean>,
): Record<string, boolean> {
  const acceptedIds = new Set(r.accepted.map((a) => a.orderId));
  const rowIds = new Set(rows.map((x) => x.order_id));
  const inv = {
    noTransportErrors: r.errors === 0,
    everyBuyerAnswered: r.attempts === buyers,
    mysqlRowsEqualAccepted:
      rows.length === r.accepted.length &&
      rows.every((x) => acceptedIds.has(x.order_id)) &&
      r.accepted.every((a) => rowIds.has(a.orderId)),
    noDuplicateOrders: rowIds.size === rows.length && acceptedIds.size === r.accepted.length,
    perBuyerLimit: new Set(rows.map((x) => x.user_id)).size === rows.length,
    ...extra,
  };
  const broken = Object.entries(inv)
    .filter(([, ok]) => !ok)
    .map(([k]) => k);
  if (broken.length > 0) {
    throw new Error(
      `${label}: invariant(s) broken: ${broken.join(", ")} (accepted ${r.accepted.length}, rows ${rows.length}, errors ${r.errors}, answers ${JSON.stringify(r.answers)})`,
    );
  }
  return inv;
}

import type { Pool, ResultSetHeader, RowDataPacket } from "mysql2/promise";
import { ORDER_STATUSES, type Order, type OrderStatus } from "../order.js";
import { inTransaction, type MysqlShards, type OrderTable } from "./mysql-shards.js";
import { countUnpublished, insertOutbox, orderEvent } from "./order-events.js";
import { ORDER_LIMITS, type OrderRow, type StoredOrder } from "./order-row.js";
import { tableName } from "./order-routing.js";

/** A row the writer refuses before touching MySQL; retrying it can never succeed. */
export class InvalidOrderError extends Error {
  override name = "InvalidOrderError";
  constructor(
    readonly orderId: unknown,
    reason: string,
  ) {
    super(`order ${JSON.stringify(orderId)}: ${reason}`);
  }
}

export interface InsertResult {
  inserted: number;
  duplicates: number;
}

/** Per status (its name in lower case), and all together. */
export interface StatusTotals extends Record<Lowercase<OrderStatus>, number> {
  total: number;
}

/** Order counts of one sale across every shard and table, plus the units they hold. */
export interface SaleOrderCounts extends StatusTotals {
  quantity: StatusTotals;
}

/** A refund owed, keyed by the payment event to refund. */
export interface RefundRecord {
  orderId: string;
  eventId: string;
  reason: string;
  recordedAt: Date;
}

/** A payment provider's event applied to an order: what it said and what the gateway made of it. */
export interface PaymentFact {
  eventId: string;
  /** As the provider sent it (SUCCEEDED, FAILED). */
  status: string;
  /** What the gateway answered: the order's status after it, or the refusal (ORDER_CANCELLED). */
  outcome: string;
  receivedAt: Date;
}

/** What the reconciliation sweeper needs of each order. */
export interface SaleOrderRef extends Pick<
  StoredOrder,
  "orderId" | "userId" | "quantity" | "status" | "createdAt" | "updatedAt"
> {
  /** The purchase token that bought it; null for rows written without one (by the lifecycle, or before). */
  token: string | null;
}

const COLUMNS = "order_id, sale_id, sku_id, user_id, quantity, status, created_at, updated_at";
const INSERT_CHUNK = 500;
const DEADLOCK_RETRIES = 5;
const ER_LOCK_DEADLOCK = 1213;

function checkId(row: OrderRow, field: keyof typeof ORDER_LIMITS): void {
  const v: unknown = row[field];
  // VARCHAR limits count characters; UTF-16 length over-counts only astral ones, hence the second look.
  if (
    typeof v !== "string" ||
    v.length === 0 ||
    (v.length > ORDER_LIMITS[field] && [...v].length > ORDER_LIMITS[field])
  ) {
    throw new InvalidOrderError(row.orderId, `${field} must be a string of 1 to ${ORDER_LIMITS[field]} characters`);
  }
}

function checkRow(row: OrderRow): void {
  for (const f of ["orderId", "saleId", "skuId", "userId"] as const) checkId(row, f);
  if (!Number.isSafeInteger(row.quantity) || row.quantity < 1 || row.quantity > 0xffffffff) {
    throw new InvalidOrderError(row.orderId, "quantity must be a positive integer");
  }
  if (row.status !== "CONFIRMED") throw new InvalidOrderError(row.orderId, "a new order must be CONFIRMED");
  if (!(row.createdAt instanceof Date) || Number.isNaN(row.createdAt.getTime())) {
    throw new InvalidOrderError(row.orderId, "createdAt must be a valid Date");
  }
}

function isDeadlock(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { errno?: unknown }).errno === ER_LOCK_DEADLOCK;
}

/** InnoDB may pick a statement or transaction as a deadlock victim and roll it back whole; running it again is safe. */
export async function withDeadlockRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isDeadlock(err) || attempt >= DEADLOCK_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, 2 ** attempt * 5 + Math.random() * 10));
    }
  }
}

function toStoredOrder(r: RowDataPacket): StoredOrder {
  return {
    orderId: String(r.order_id),
    saleId: String(r.sale_id),
    skuId: String(r.sku_id),
    userId: String(r.user_id),
    quantity: Number(r.quantity),
    status: r.status as OrderStatus,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}

/** Orders in the sharded MySQL tables; every table name comes from the routing in MysqlShards. */
export class OrderRepository {
  constructor(private readonly shards: MysqlShards) {}

  /**
   * Writes new CONFIRMED orders, idempotently by order id: an order already stored (in any status) is
   * left untouched and counted as a duplicate. Rows are grouped by order table, one multi-row statement
   * per group and chunk, groups in parallel. Throws InvalidOrderError before writing anything when a
   * row is malformed; on a database error some groups may be written, and calling again is safe.
   */
  async insertOrders(orders: readonly OrderRow[]): Promise<InsertResult> {
    for (const o of orders) checkRow(o);
    const groups = new Map<string, { target: OrderTable; rows: OrderRow[] }>();
    for (const o of orders) {
      const target = this.shards.forUser(o.userId);
      const key = `${target.db}/${target.table}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { target, rows: [] }));
      g.rows.push(o);
    }
    const now = new Date();
    const settled = await Promise.allSettled([...groups.values()].map((g) => this.insertGroup(g.target, g.rows, now)));
    let inserted = 0;
    for (const s of settled) {
      if (s.status === "rejected") throw s.reason;
      inserted += s.value;
    }
    return { inserted, duplicates: orders.length - inserted };
  }

  private async insertGroup(target: OrderTable, rows: OrderRow[], now: Date): Promise<number> {
    // One lock order for every writer of the same rows keeps concurrent redeliveries from deadlocking.
    const sorted = [...rows].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
    let inserted = 0;
    for (let i = 0; i < sorted.length; i += INSERT_CHUNK) {
      const chunk = sorted.slice(i, i + INSERT_CHUNK);
      inserted += await withDeadlockRetry(() => this.insertChunk(target, chunk, now));
    }
    return inserted;
  }

  /** The rows and their ORDER_CONFIRMED events, in one transaction (the outbox's promise). */
  private async insertChunk(target: OrderTable, chunk: OrderRow[], now: Date): Promise<number> {
    const params: unknown[] = [];
    for (const o of chunk)
      params.push(o.orderId, o.saleId, o.skuId, o.userId, o.quantity, o.status, o.createdAt, now, o.token ?? null);
    // query(), not execute(): a prepared statement per batch size would pile up on the server.
    // The no-op update (not INSERT IGNORE) keeps strict-mode errors and never rewrites a stored row.
    const sql =
      `INSERT INTO \`${target.table}\` (${COLUMNS}, purchase_token) VALUES ${chunk.map(() => "(?,?,?,?,?,?,?,?,?)").join(",")} ` +
      "ON DUPLICATE KEY UPDATE order_id = order_id";
    return inTransaction(target.pool, async (conn) => {
      const [res] = await conn.query<ResultSetHeader>({ sql, timeout: this.shards.queryTimeoutMs }, params);
      // Version 1 of every order of the chunk: an id already in the outbox (a row written before) is kept.
      await insertOutbox(
        conn,
        chunk.map((o) => orderEvent(o, "ORDER_CONFIRMED", 1, now)),
        now,
        this.shards.queryTimeoutMs,
      );
      return res.affectedRows;
    });
  }

  /** The order as its owner sees it; null when missing or owned by someone else. */
  async getOrder(userId: string, orderId: string): Promise<StoredOrder | null> {
    const { pool, table } = this.shards.forUser(userId);
    return this.selectOne(pool, table, "order_id = ? AND user_id = ?", [orderId, userId]);
  }

  /**
   * Finds an order when only its id is known (Redis lost its ledger record): its row, or whether the writer
   * parked it unsettled. One query per shard database (primary-key lookups of every order table and of
   * parked_orders, UNION ALL), the databases in parallel. Prefer getOrder whenever the user id is at hand.
   */
  async lookupOrder(orderId: string): Promise<{ row: StoredOrder | null; parked: boolean }> {
    const n = this.shards.tablesPerShard;
    const rowsSql = Array.from(
      { length: n },
      (_, i) => `SELECT 0 AS parked, ${COLUMNS} FROM \`${tableName(i)}\` WHERE order_id = ?`,
    );
    const parkedSql =
      "SELECT 1, order_id, sale_id, '', '', 0, NULL, parked_at, parked_at FROM parked_orders WHERE order_id = ? AND settled_at IS NULL";
    const sql = [...rowsSql, parkedSql].join(" UNION ALL ");
    const perDb = await Promise.all(
      this.shards.databases().map(async ({ pool }) => {
        const [rows] = await pool.query<RowDataPacket[]>(
          { sql, timeout: this.shards.queryTimeoutMs },
          Array(n + 1).fill(orderId),
        );
        return rows;
      }),
    );
    const all = perDb.flat();
    const row = all.find((r) => Number(r.parked) === 0);
    return { row: row ? toStoredOrder(row) : null, parked: all.some((r) => Number(r.parked) === 1) };
  }

  private async selectOne(pool: Pool, table: string, where: string, params: string[]): Promise<StoredOrder | null> {
    const [rows] = await pool.execute<RowDataPacket[]>(
      { sql: `SELECT ${COLUMNS} FROM \`${table}\` WHERE ${where}`, timeout: this.shards.queryTimeoutMs },
      params,
    );
    return rows[0] ? toStoredOrder(rows[0]) : null;
  }

  /**
   * Moves the order to `to` only if its status is one of `from` (and not already `to`). Returns true
   * when this call made the change, so exactly one of several racing callers wins.
   */
  async setStatus(userId: string, orderId: string, from: readonly OrderStatus[], to: OrderStatus): Promise<boolean> {
    if (!ORDER_STATUSES.includes(to)) throw new RangeError(`unknown order status ${String(to)}`);
    const allowed = from.filter((s) => s !== to);
    if (allowed.length === 0) return false;
    const { pool, table } = this.shards.forUser(userId);
    const [res] = await pool.execute<ResultSetHeader>(
      {
        sql: `UPDATE \`${table}\` SET status = ?, updated_at = ? WHERE order_id = ? AND user_id = ? AND status IN (${allowed.map(() => "?").join(",")})`,
        timeout: this.shards.queryTimeoutMs,
      },
      [to, new Date(), orderId, userId, ...allowed],
    );
    return res.affectedRows === 1;
  }

  /** Orders of one sale by status, summed over every shard and table. */
  async countBySale(saleId: string): Promise<SaleOrderCounts> {
    const counts: SaleOrderCounts = {
      confirmed: 0,
      paid: 0,
      cancelled: 0,
      total: 0,
      quantity: { confirmed: 0, paid: 0, cancelled: 0, total: 0 },
    };
    const perTable = await Promise.all(
      this.shards.allTables().map(async (t) => {
        const [rows] = await t.pool.execute<RowDataPacket[]>(
          {
            sql: `SELECT status, COUNT(*) AS n, SUM(quantity) AS q FROM \`${t.table}\` WHERE sale_id = ? GROUP BY status`,
            timeout: this.shards.queryTimeoutMs,
          },
          [saleId],
        );
        return rows;
      }),
    );
    for (const rows of perTable) {
      for (const r of rows) {
        const key = String(r.status).toLowerCase() as keyof StatusTotals;
        // SUM arrives as a DECIMAL string; totals stay far below 2^53.
        const n = Number(r.n);
        const q = Number(r.q);
        counts[key] += n;
        counts.total += n;
        counts.quantity[key] += q;
        counts.quantity.total += q;
      }
    }
    return counts;
  }

  /**
   * Parks orders of committed messages whose ledger record is missing, in their buyer's shard database,
   * once each (a redelivery parks nothing new).
   */
  async parkOrders(orders: readonly Pick<Order, "orderId" | "saleId" | "userId">[], now = new Date()): Promise<void> {
    await Promise.all(
      orders.map((o) =>
        this.shards.forUser(o.userId).pool.query(
          {
            sql: "INSERT INTO parked_orders (order_id, sale_id, message, parked_at) VALUES (?,?,?,?) ON DUPLICATE KEY UPDATE order_id = order_id",
            timeout: this.shards.queryTimeoutMs,
          },
          [o.orderId, o.saleId, JSON.stringify(o), now],
        ),
      ),
    );
  }

  /** The parked orders of a sale not yet settled, as their messages carried them. */
  async parkedOf(saleId: string): Promise<unknown[]> {
    const perDb = await Promise.all(
      this.shards.databases().map(async ({ pool }) => {
        const [rows] = await pool.query<RowDataPacket[]>(
          {
            sql: "SELECT message FROM parked_orders WHERE sale_id = ? AND settled_at IS NULL",
            timeout: this.shards.queryTimeoutMs,
          },
          [saleId],
        );
        return rows.map((r) => JSON.parse(String(r.message)) as unknown);
      }),
    );
    return perDb.flat();
  }

  async settleParked(userId: string, orderId: string, settlement: string, now = new Date()): Promise<void> {
    await this.shards.forUser(userId).pool.query(
      {
        sql: "UPDATE parked_orders SET settled_at = ?, settlement = ? WHERE order_id = ? AND settled_at IS NULL",
        timeout: this.shards.queryTimeoutMs,
      },
      [now, settlement, orderId],
    );
  }

  /** A sale's events not yet published, in every database: all of them, and those written before `staleBefore`. */
  async unpublishedEvents(saleId: string, staleBefore: Date): Promise<{ unpublished: number; stale: number }> {
    const counts = await Promise.all(
      this.shards
        .databases()
        .map(({ pool }) => countUnpublished(pool, saleId, staleBefore, this.shards.queryTimeoutMs)),
    );
    return counts.reduce((a, b) => ({ unpublished: a.unpublished + b.unpublished, stale: a.stale + b.stale }), {
      unpublished: 0,
      stale: 0,
    });
  }

  /**
   * An order's payment events and refunds owed, oldest first, for the admin order read: both live in the
   * shard database of its buyer, beside the row (payment_events by its order key, refunds by its sale key).
   */
  async paymentsOf(
    userId: string,
    saleId: string,
    orderId: string,
  ): Promise<{ payments: PaymentFact[]; refunds: Omit<RefundRecord, "orderId">[] }> {
    const { pool } = this.shards.forUser(userId);
    const timeout = this.shards.queryTimeoutMs;
    const [[payments], [refunds]] = await Promise.all([
      pool.query<RowDataPacket[]>(
        {
          sql: "SELECT event_id, status, outcome, created_at FROM payment_events WHERE order_id = ? ORDER BY created_at, event_id",
          timeout,
        },
        [orderId],
      ),
      pool.query<RowDataPacket[]>(
        {
          sql: "SELECT event_id, reason, recorded_at FROM refunds WHERE sale_id = ? AND order_id = ? ORDER BY recorded_at, event_id",
          timeout,
        },
        [saleId, orderId],
      ),
    ]);
    return {
      payments: payments.map((r) => ({
        eventId: String(r.event_id),
        status: String(r.status),
        outcome: String(r.outcome),
        receivedAt: r.created_at as Date,
      })),
      refunds: refunds.map((r) => ({
        eventId: String(r.event_id),
        reason: String(r.reason),
        recordedAt: r.recorded_at as Date,
      })),
    };
  }

  /** Refunds recorded for a sale (stats). */
  async refundCount(saleId: string): Promise<number> {
    const counts = await Promise.all(
      this.shards.databases().map(async ({ pool }) => {
        const [rows] = await pool.query<RowDataPacket[]>(
          { sql: "SELECT COUNT(*) AS n FROM refunds WHERE sale_id = ?", timeout: this.shards.queryTimeoutMs },
          [saleId],
        );
        return Number(rows[0]?.n ?? 0);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  /** Every refund recorded for a sale, over every shard database, oldest first. */
  async refundsOf(saleId: string): Promise<RefundRecord[]> {
    const perDb = await Promise.all(
      this.shards.databases().map(async ({ pool }) => {
        const [rows] = await pool.query<RowDataPacket[]>(
          {
            sql: "SELECT order_id, event_id, reason, recorded_at FROM refunds WHERE sale_id = ? ORDER BY recorded_at, event_id",
            timeout: this.shards.queryTimeoutMs,
          },
          [saleId],
        );
        return rows.map((r) => ({
          orderId: String(r.order_id),
          eventId: String(r.event_id),
          reason: String(r.reason),
          recordedAt: r.recorded_at as Date,
        }));
      }),
    );
    return perDb.flat().sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime());
  }

  /**
   * Every order of a sale, one table after another, paged by order id so memory stays bounded.
   * Orders written while the scan runs may or may not be seen; none is seen twice.
   */
  async *scanSale(saleId: string, pageSize = 1000): AsyncGenerator<SaleOrderRef> {
    if (!Number.isSafeInteger(pageSize) || pageSize < 1)
      throw new RangeError(`pageSize must be a positive integer, got ${pageSize}`);
    for (const t of this.shards.allTables()) {
      let after = "";
      for (;;) {
        // LIMIT is inlined: a validated integer, and bound LIMIT parameters trip some server versions.
        const [rows] = await t.pool.execute<RowDataPacket[]>(
          {
            sql: `SELECT order_id, user_id, quantity, status, created_at, updated_at, purchase_token FROM \`${t.table}\` WHERE sale_id = ? AND order_id > ? ORDER BY order_id LIMIT ${pageSize}`,
            timeout: this.shards.queryTimeoutMs,
          },
          [saleId, after],
        );
        for (const r of rows) {
          yield {
            orderId: String(r.order_id),
            userId: String(r.user_id),
            quantity: Number(r.quantity),
            status: r.status as OrderStatus,
            createdAt: r.created_at as Date,
            updatedAt: r.updated_at as Date,
            token: r.purchase_token === null ? null : String(r.purchase_token),
          };
        }
        if (rows.length < pageSize) break;
        after = String(rows[rows.length - 1]!.order_id);
      }
    }
  }
}

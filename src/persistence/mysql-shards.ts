import mysql from "mysql2/promise";
import type { Config } from "../config/schema.js";
import { routeOrder, tableName } from "./order-routing.js";

/**
 * Runs `work` in one transaction on a connection of `pool`: committed when it returns, rolled back when it
 * throws (the error goes on), the connection released either way. With `begins`, the work's first query
 * starts the transaction itself (START TRANSACTION with its first statements, one round trip fewer).
 */
export async function inTransaction<T>(
  pool: mysql.Pool,
  work: (conn: mysql.PoolConnection) => Promise<T>,
  opts?: { begins: true },
): Promise<T> {
  const conn = await pool.getConnection();
  try {
    if (!opts?.begins) await conn.beginTransaction();
    const out = await work(conn);
    await conn.commit();
    return out;
  } catch (err) {
    await conn.rollback().catch(() => {});
    throw err;
  } finally {
    conn.release();
  }
}

/** A statement and its parameters, to run alone or with others in one round trip (mysql2's `query`). */
export interface Statement {
  sql: string;
  params: unknown[];
}

type Result = mysql.ResultSetHeader | mysql.RowDataPacket[];

/** Runs statements one at a time, in order, on the connection; one result per statement. */
export async function runEach(
  conn: mysql.PoolConnection,
  statements: readonly Statement[],
  t: number,
): Promise<Result[]> {
  const out: Result[] = [];
  for (const { sql, params } of statements) out.push((await conn.query<Result>({ sql, timeout: t }, params))[0]);
  return out;
}

/**
 * Runs statements in one round trip (the pools allow several statements per query; every value is a
 * placeholder, escaped by mysql2) and returns one result per statement. MariaDB runs them in order and
 * stops at the first error, which fails the whole call.
 */
export async function runTogether(
  conn: mysql.PoolConnection,
  statements: readonly Statement[],
  t: number,
): Promise<Result[]> {
  const [results] = await conn.query<mysql.ResultSetHeader[] | mysql.RowDataPacket[][]>(
    { sql: statements.map((s) => s.sql).join(";\n"), timeout: t },
    statements.flatMap((s) => s.params),
  );
  return statements.length === 1 ? [results as Result] : [...results];
}

/** One order table: the pool of its shard database and the table's name inside it. */
export interface OrderTable {
  db: number;
  table: string;
  pool: mysql.Pool;
}

export interface MysqlShardsOptions {
  /** Time allowed to open a connection (ms). */
  connectTimeoutMs?: number;
  /** Time allowed for every shard to answer `ping` (ms). */
  pingTimeoutMs?: number;
}

/** One mysql2 pool per shard database, and the routing from a user to an order table. */
export class MysqlShards {
  readonly tablesPerShard: number;
  private readonly pools: mysql.Pool[];
  private readonly pingTimeoutMs: number;
  /** Every query's time limit (ms): a hung MySQL fails the call instead of stalling its caller. */
  readonly queryTimeoutMs: number;

  constructor(cfg: Config["mysql"], opts: MysqlShardsOptions = {}) {
    this.tablesPerShard = cfg.tablesPerShard;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 2000;
    this.queryTimeoutMs = cfg.queryTimeoutMs;
    this.pools = cfg.shards.map((s) =>
      mysql.createPool({
        host: s.host,
        port: s.port,
        user: s.user,
        password: s.password,
        database: s.database,
        connectionLimit: cfg.connectionLimit,
        connectTimeout: opts.connectTimeoutMs ?? 5000,
        enableKeepAlive: true,
        keepAliveInitialDelay: 10_000,
        // DATETIME columns hold UTC, whatever the gateway host's time zone is.
        timezone: "Z",
        charset: "utf8mb4",
        // Without FOUND_ROWS, affectedRows counts rows really changed: an ON DUPLICATE KEY no-op is 0,
        // which is how inserts are told apart from redeliveries.
        flags: ["-FOUND_ROWS"],
        // No stack captured at every query (mysql2's default, to point an error at its caller): about 10 µs
        // of CPU per statement, measured on the payment path; errors keep their code, errno and message.
        trace: false,
        // Several statements in one query: a payment batch sends its reads together, then its writes
        // (transition-batch.ts). Every value in every statement is a placeholder, escaped by mysql2.
        multipleStatements: true,
      }),
    );
  }

  get shardCount(): number {
    return this.pools.length;
  }

  /** The order table holding every order of `userId` (see routeOrder). */
  forUser(userId: string): OrderTable {
    const r = routeOrder(userId, this.pools.length, this.tablesPerShard);
    return { db: r.db, table: tableName(r.table), pool: this.pools[r.db]! };
  }

  /** Every order table of every shard, in (db, table) order. */
  allTables(): OrderTable[] {
    const out: OrderTable[] = [];
    this.pools.forEach((pool, db) => {
      for (let t = 0; t < this.tablesPerShard; t++) out.push({ db, table: tableName(t), pool });
    });
    return out;
  }

  /** Every shard database's pool, in shard order (per-database tables: events, refunds, the outbox). */
  databases(): { db: number; pool: mysql.Pool }[] {
    return this.pools.map((pool, db) => ({ db, pool }));
  }

  /** True when every shard answers `SELECT 1` within the ping timeout. */
  async ping(): Promise<boolean> {
    const results = await Promise.all(this.pools.map((p) => this.pingOne(p)));
    return results.every(Boolean);
  }

  private async pingOne(pool: mysql.Pool): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    const answer = pool.query({ sql: "SELECT 1", timeout: this.pingTimeoutMs }).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([answer, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.end().catch(() => undefined)));
  }
}

import mysql from "mysql2/promise";
import type { Config, MysqlShardConfig } from "../config/schema.js";
import { ORDER_STATUSES } from "../order.js";
import { ORDER_LIMITS } from "./order-row.js";
import { tableName } from "./order-routing.js";

/** What `migrate` found and did in one shard database. */
export interface ShardMigration {
  database: string;
  host: string;
  port: number;
  createdDatabase: boolean;
  createdTables: string[];
  existingTables: string[];
}

const PAYMENT_EVENTS_TABLE = "payment_events";
const PAYMENT_CLAIMS_TABLE = "payment_claims";
const REFUNDS_TABLE = "refunds";
const OUTBOX_TABLE = "order_events";
const PARKED_TABLE = "parked_orders";
const SALES_TABLE = "sales";

/** Columns the rest of the gateway relies on; an existing table lacking one stops the migration. */
const REQUIRED_ORDER_COLUMNS = [
  "order_id",
  "sale_id",
  "sku_id",
  "user_id",
  "quantity",
  "status",
  "created_at",
  "updated_at",
];

function ident(name: string): string {
  // Names come from validated config or tableName(); the check keeps this true if that ever changes.
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) throw new Error(`refusing unsafe SQL identifier ${JSON.stringify(name)}`);
  return `\`${name}\``;
}

const statusEnum = ORDER_STATUSES.map((s) => `'${s}'`).join(",");

// utf8mb4_bin: ids are compared byte for byte, so "Alice" and "alice" are different users and orders.
function ordersColumns(): string {
  return `  order_id VARCHAR(${ORDER_LIMITS.orderId}) NOT NULL,
  sale_id VARCHAR(${ORDER_LIMITS.saleId}) NOT NULL,
  sku_id VARCHAR(${ORDER_LIMITS.skuId}) NOT NULL,
  user_id VARCHAR(${ORDER_LIMITS.userId}) NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  status ENUM(${statusEnum}) NOT NULL,
  created_at DATETIME(3) NOT NULL COMMENT 'reservation time, UTC',
  updated_at DATETIME(3) NOT NULL COMMENT 'last write, UTC',
  version INT UNSIGNED NOT NULL DEFAULT 1 COMMENT 'changes so far: 1 confirmed, +1 per status change or refund',
  purchase_token VARCHAR(64) NULL COMMENT 'the purchase token (Idempotency-Key) that bought it: what a Redis rebuild restores',
  PRIMARY KEY (order_id),
  KEY idx_sale_status (sale_id, status, created_at),
  KEY idx_sale_order (sale_id, order_id),
  KEY idx_user_sale (user_id, sale_id)
`;
}

// Lives in the shard of the order it pays, so the event and the status change can share a transaction.
function paymentEventsColumns(): string {
  return `  event_id VARCHAR(128) NOT NULL,
  order_id VARCHAR(${ORDER_LIMITS.orderId}) NOT NULL,
  status VARCHAR(32) NOT NULL COMMENT 'as sent by the payment provider',
  outcome VARCHAR(32) NOT NULL COMMENT 'what the gateway answered',
  created_at DATETIME(3) NOT NULL,
  body_sha256 CHAR(64) NOT NULL DEFAULT '' COMMENT 'the callback body: the same event id with another body is refused',
  PRIMARY KEY (event_id),
  KEY idx_order (order_id)
`;
}

// The claim of a payment event id, in its home database (eventHome): an id names one order and status
// across all shards, while payment_events (in the order's shard) makes its application happen once.
function paymentClaimsColumns(): string {
  return `  event_id VARCHAR(128) NOT NULL,
  order_id VARCHAR(${ORDER_LIMITS.orderId}) NOT NULL,
  body_sha256 CHAR(64) NOT NULL COMMENT 'the callback body the id was first used with',
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (event_id)
`;
}

// One row per refund owed, keyed by the payment event that must be refunded: at most one per event.
function refundsColumns(): string {
  return `  event_id VARCHAR(128) NOT NULL,
  order_id VARCHAR(${ORDER_LIMITS.orderId}) NOT NULL,
  sale_id VARCHAR(${ORDER_LIMITS.saleId}) NOT NULL,
  reason VARCHAR(32) NOT NULL,
  recorded_at DATETIME(3) NOT NULL,
  PRIMARY KEY (event_id),
  KEY idx_sale (sale_id, recorded_at)
`;
}

// The transactional outbox: written in the same transaction as the change it announces; a relay claims
// rows (claimed_by, claim_until) in a short transaction, publishes each order's in seq order and stamps
// published_at.
function outboxColumns(): string {
  return `  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  event_id VARCHAR(128) NOT NULL,
  order_id VARCHAR(${ORDER_LIMITS.orderId}) NOT NULL,
  sale_id VARCHAR(${ORDER_LIMITS.saleId}) NOT NULL,
  type VARCHAR(32) NOT NULL,
  body TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL,
  published_at DATETIME(3) NULL,
  ${OUTBOX_CLAIM_COLUMNS.join(",\n  ")},
  PRIMARY KEY (seq),
  UNIQUE KEY uq_event (event_id),
  KEY idx_unpublished (published_at, seq),
  KEY idx_sale (sale_id, seq),
  KEY ${OUTBOX_ORDER_KEY}
`;
}

/** The relay's claim on an outbox row (added after the first release). */
const OUTBOX_CLAIM_COLUMNS = [
  "claimed_by VARCHAR(128) NULL COMMENT 'the relay claim publishing it'",
  "claim_until DATETIME(3) NULL COMMENT 'UTC; a claim past this (its relay died) is taken again'",
];
/** An order's unpublished events, which a claim looks at before taking any of them. */
const OUTBOX_ORDER_KEY = "idx_order (order_id, seq)";

// Orders of committed messages whose ledger record was missing (evidence of a lost reservation), kept in
// the shard of their buyer until the sweeper settles them.
function parkedColumns(): string {
  return `  order_id VARCHAR(${ORDER_LIMITS.orderId}) NOT NULL,
  sale_id VARCHAR(${ORDER_LIMITS.saleId}) NOT NULL,
  message TEXT NOT NULL COMMENT 'the order as the message carried it',
  parked_at DATETIME(3) NOT NULL,
  settled_at DATETIME(3) NULL,
  settlement VARCHAR(32) NULL COMMENT 'row, written, not_reserved, not_honoured',
  PRIMARY KEY (order_id),
  KEY idx_sale_open (sale_id, settled_at)
`;
}

/** Sale settings as operators put them (used in the first shard database; see persistence/sale-catalog.ts). */
function salesColumns(): string {
  return `  sale_id VARCHAR(${ORDER_LIMITS.saleId}) NOT NULL,
  sku_id VARCHAR(${ORDER_LIMITS.skuId}) NOT NULL,
  stock INT UNSIGNED NOT NULL,
  per_user_limit INT UNSIGNED NOT NULL,
  starts_at BIGINT NOT NULL COMMENT 'unix ms',
  ends_at BIGINT NOT NULL COMMENT 'unix ms',
  shards INT UNSIGNED NOT NULL,
  payment_timeout_seconds INT UNSIGNED NOT NULL,
  paused TINYINT(1) NOT NULL DEFAULT 0 COMMENT 'paused by an operator',
  epoch CHAR(16) NOT NULL COMMENT 'the warm-up marker: the sale settings in Redis carry the same value',
  waiting_room TEXT NULL COMMENT 'the waiting room settings as JSON, NULL: no room',
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (sale_id),
  KEY idx_ends (ends_at)
`;
}

/** Columns added after a table's first release, added in place (MariaDB's ADD COLUMN IF NOT EXISTS). */
function addedColumns(database: string, table: string): string[] {
  if (table === PAYMENT_EVENTS_TABLE) {
    return [
      `ALTER TABLE ${ident(database)}.${ident(table)} ADD COLUMN IF NOT EXISTS body_sha256 CHAR(64) NOT NULL DEFAULT ''`,
    ];
  }
  if (table === OUTBOX_TABLE) {
    return [
      ...OUTBOX_CLAIM_COLUMNS.map(
        (c) => `ALTER TABLE ${ident(database)}.${ident(table)} ADD COLUMN IF NOT EXISTS ${c}`,
      ),
      `ALTER TABLE ${ident(database)}.${ident(table)} ADD KEY IF NOT EXISTS ${OUTBOX_ORDER_KEY}`,
    ];
  }
  if (table === SALES_TABLE) {
    return [
      `ALTER TABLE ${ident(database)}.${ident(table)} ADD COLUMN IF NOT EXISTS waiting_room TEXT NULL COMMENT 'the waiting room settings as JSON, NULL: no room'`,
    ];
  }
  if (/^orders_\d+$/.test(table)) {
    return [
      `ALTER TABLE ${ident(database)}.${ident(table)} ADD COLUMN IF NOT EXISTS version INT UNSIGNED NOT NULL DEFAULT 1`,
      `ALTER TABLE ${ident(database)}.${ident(table)} ADD COLUMN IF NOT EXISTS purchase_token VARCHAR(64) NULL`,
    ];
  }
  return [];
}

/** Columns and keys of each per-database table; every other table is an order table. */
const PER_DATABASE_TABLES: Record<string, () => string> = {
  [PAYMENT_EVENTS_TABLE]: paymentEventsColumns,
  [PAYMENT_CLAIMS_TABLE]: paymentClaimsColumns,
  [REFUNDS_TABLE]: refundsColumns,
  [OUTBOX_TABLE]: outboxColumns,
  [PARKED_TABLE]: parkedColumns,
  [SALES_TABLE]: salesColumns,
};

function ddl(database: string, table: string): string {
  const columns = (PER_DATABASE_TABLES[table] ?? ordersColumns)();
  return `CREATE TABLE IF NOT EXISTS ${ident(database)}.${ident(table)} (\n${columns}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`;
}

async function migrateShard(shard: MysqlShardConfig, tablesPerShard: number): Promise<ShardMigration> {
  // No default database: it may not exist yet.
  const conn = await mysql.createConnection({
    host: shard.host,
    port: shard.port,
    user: shard.user,
    password: shard.password,
    connectTimeout: 10_000,
  });
  try {
    const db = shard.database;
    const [dbRows] = await conn.execute<mysql.RowDataPacket[]>(
      "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
      [db],
    );
    await conn.query(`CREATE DATABASE IF NOT EXISTS ${ident(db)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);

    const orderTables = Array.from({ length: tablesPerShard }, (_, i) => tableName(i));
    const wanted = [
      ...orderTables,
      PAYMENT_EVENTS_TABLE,
      PAYMENT_CLAIMS_TABLE,
      REFUNDS_TABLE,
      OUTBOX_TABLE,
      PARKED_TABLE,
      SALES_TABLE,
    ];
    const [tableRows] = await conn.execute<mysql.RowDataPacket[]>(
      "SELECT TABLE_NAME AS name FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
      [db],
    );
    const before = new Set(tableRows.map((r) => String(r.name)));
    const createdTables: string[] = [];
    const existingTables: string[] = [];
    for (const table of wanted) {
      (before.has(table) ? existingTables : createdTables).push(table);
      await conn.query(ddl(db, table));
      if (before.has(table)) for (const alter of addedColumns(db, table)) await conn.query(alter);
    }

    const [colRows] = await conn.execute<mysql.RowDataPacket[]>(
      "SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?",
      [db],
    );
    const columns = new Map<string, Set<string>>();
    for (const r of colRows) {
      const t = String(r.t);
      if (!columns.has(t)) columns.set(t, new Set());
      columns.get(t)!.add(String(r.c).toLowerCase());
    }
    for (const table of orderTables) {
      const missing = REQUIRED_ORDER_COLUMNS.filter((c) => !columns.get(table)?.has(c));
      if (missing.length > 0) throw new Error(`${db}.${table} exists but lacks column(s) ${missing.join(", ")}`);
    }
    return {
      database: db,
      host: shard.host,
      port: shard.port,
      createdDatabase: dbRows.length === 0,
      createdTables,
      existingTables,
    };
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/**
 * Creates every shard database and its tables when missing; safe to run any number of times and
 * concurrently. It never drops anything; an existing table gains the columns added since it was created,
 * and the migration fails when an order table lacks a contract column.
 */
export async function migrate(cfg: Config["mysql"]): Promise<ShardMigration[]> {
  const seen = new Set<string>();
  for (const s of cfg.shards) {
    const key = `${s.host}:${s.port}/${s.database}`;
    // Two entries pointing at one database would silently merge two shards' orders.
    if (seen.has(key)) throw new Error(`mysql.shards lists ${key} twice`);
    seen.add(key);
  }
  return Promise.all(cfg.shards.map((s) => migrateShard(s, cfg.tablesPerShard)));
}

import type mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import { migrate } from "../../src/persistence/migrate.js";
import { mysqlServerForFile } from "./mysql-test-db.js";

const server = mysqlServerForFile();

async function tablesOf(database: string): Promise<string[]> {
  const [rows] = await server.conn.query<mysql.RowDataPacket[]>(
    "SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY TABLE_NAME",
    [database],
  );
  return rows.map((r) => String(r.t)).sort();
}

describe("migrate", () => {
  it("creates every shard database with exactly the expected tables, and a second run changes nothing", async () => {
    const cfg = server.fresh({ shards: 3, tablesPerShard: 3 });
    const expected = [
      "order_events",
      "orders_0",
      "orders_1",
      "orders_2",
      "parked_orders",
      "payment_claims",
      "payment_events",
      "refunds",
      "sales",
    ];

    const first = await migrate(cfg);
    expect(first.map((r) => r.database)).toEqual(cfg.shards.map((s) => s.database));
    for (const r of first) {
      expect(r.createdDatabase).toBe(true);
      expect([...r.createdTables].sort()).toEqual(expected);
      expect(r.existingTables).toEqual([]);
    }
    for (const s of cfg.shards) expect(await tablesOf(s.database)).toEqual(expected);

    const second = await migrate(cfg);
    for (const r of second) {
      expect(r.createdDatabase).toBe(false);
      expect(r.createdTables).toEqual([]);
      expect([...r.existingTables].sort()).toEqual(expected);
    }
    for (const s of cfg.shards) expect(await tablesOf(s.database)).toEqual(expected);
  });

  it("gives order tables the contract columns, byte-exact ids and the lookup indexes", async () => {
    const cfg = server.fresh({ shards: 1, tablesPerShard: 1 });
    await migrate(cfg);
    const db = cfg.shards[0]!.database;
    const [cols] = await server.conn.query<mysql.RowDataPacket[]>(
      "SELECT COLUMN_NAME AS c, COLUMN_TYPE AS t, IS_NULLABLE AS n, COLLATION_NAME AS coll FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'orders_0'",
      [db],
    );
    const byName = new Map(cols.map((r) => [String(r.c), r]));
    for (const c of ["order_id", "sale_id", "sku_id", "user_id", "quantity", "status", "created_at", "updated_at"]) {
      expect(byName.get(c), c).toBeDefined();
      expect(byName.get(c)!.n, `${c} nullable`).toBe("NO");
    }
    expect(byName.get("status")!.t).toBe("enum('CONFIRMED','PAID','CANCELLED')");
    expect(byName.get("created_at")!.t).toBe("datetime(3)");
    expect(byName.get("user_id")!.coll).toBe("utf8mb4_bin");

    const [idx] = await server.conn.query<mysql.RowDataPacket[]>(
      "SELECT INDEX_NAME AS i, GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'orders_0' GROUP BY INDEX_NAME",
      [db],
    );
    const indexes = Object.fromEntries(idx.map((r) => [String(r.i), String(r.cols)]));
    expect(indexes.PRIMARY).toBe("order_id");
    expect(Object.values(indexes)).toContain("sale_id,status,created_at");
    expect(Object.values(indexes)).toContain("user_id,sale_id");
  });

  it("survives concurrent runs", async () => {
    const cfg = server.fresh();
    await Promise.all([migrate(cfg), migrate(cfg), migrate(cfg)]);
    for (const s of cfg.shards) expect(await tablesOf(s.database)).toHaveLength(cfg.tablesPerShard + 6);
  });

  it("adds the columns of later releases to tables an earlier release created, keeping their rows", async () => {
    const cfg = server.fresh({ shards: 1, tablesPerShard: 1 });
    const db = cfg.shards[0]!.database;
    await server.conn.query(`CREATE DATABASE \`${db}\``);
    await server.conn.query(
      `CREATE TABLE \`${db}\`.orders_0 (order_id VARCHAR(96) PRIMARY KEY, sale_id VARCHAR(64) NOT NULL, sku_id VARCHAR(64) NOT NULL, user_id VARCHAR(128) NOT NULL, quantity INT UNSIGNED NOT NULL, status ENUM('CONFIRMED','PAID','CANCELLED') NOT NULL, created_at DATETIME(3) NOT NULL, updated_at DATETIME(3) NOT NULL)`,
    );
    await server.conn.query(
      `INSERT INTO \`${db}\`.orders_0 VALUES ('o1', 's', 'k', 'u', 1, 'CONFIRMED', NOW(3), NOW(3))`,
    );
    await server.conn.query(
      `CREATE TABLE \`${db}\`.payment_events (event_id VARCHAR(128) PRIMARY KEY, order_id VARCHAR(96) NOT NULL, status VARCHAR(32) NOT NULL, outcome VARCHAR(32) NOT NULL, created_at DATETIME(3) NOT NULL)`,
    );
    await migrate(cfg);
    const [rows] = await server.conn.query<mysql.RowDataPacket[]>(`SELECT order_id, version FROM \`${db}\`.orders_0`);
    expect(rows.map((r) => [r.order_id, r.version])).toEqual([["o1", 1]]);
    const [cols] = await server.conn.query<mysql.RowDataPacket[]>(
      "SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'payment_events'",
      [db],
    );
    expect(cols.map((r) => String(r.c))).toContain("body_sha256");
  });

  it("gives an outbox an earlier release created the relay's claim columns and order index, keeping its rows", async () => {
    const cfg = server.fresh({ shards: 1, tablesPerShard: 1 });
    const db = cfg.shards[0]!.database;
    await server.conn.query(`CREATE DATABASE \`${db}\``);
    await server.conn.query(
      `CREATE TABLE \`${db}\`.order_events (seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT, event_id VARCHAR(128) NOT NULL, order_id VARCHAR(96) NOT NULL, sale_id VARCHAR(64) NOT NULL, type VARCHAR(32) NOT NULL, body TEXT NOT NULL, created_at DATETIME(3) NOT NULL, published_at DATETIME(3) NULL, PRIMARY KEY (seq), UNIQUE KEY uq_event (event_id), KEY idx_unpublished (published_at, seq), KEY idx_sale (sale_id, seq))`,
    );
    await server.conn.query(
      `INSERT INTO \`${db}\`.order_events (event_id, order_id, sale_id, type, body, created_at) VALUES ('o1.v1', 'o1', 's', 'ORDER_CONFIRMED', '{}', NOW(3))`,
    );
    await migrate(cfg);
    await migrate(cfg);
    const [rows] = await server.conn.query<mysql.RowDataPacket[]>(
      `SELECT event_id, claimed_by, claim_until FROM \`${db}\`.order_events`,
    );
    expect(rows.map((r) => [r.event_id, r.claimed_by, r.claim_until])).toEqual([["o1.v1", null, null]]);
    const [idx] = await server.conn.query<mysql.RowDataPacket[]>(
      "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'order_events' AND INDEX_NAME = 'idx_order'",
      [db],
    );
    expect(idx[0]?.cols).toBe("order_id,seq");
  });

  it("fails, naming the table, when an existing order table lacks a contract column", async () => {
    const cfg = server.fresh({ shards: 1, tablesPerShard: 2 });
    const db = cfg.shards[0]!.database;
    await server.conn.query(`CREATE DATABASE \`${db}\``);
    await server.conn.query(
      `CREATE TABLE \`${db}\`.orders_1 (order_id VARCHAR(96) PRIMARY KEY, sale_id VARCHAR(64) NOT NULL)`,
    );
    await expect(migrate(cfg)).rejects.toThrow(`${db}.orders_1 exists but lacks column(s) sku_id`);
  });

  it("refuses a shard list naming one database twice", async () => {
    const cfg = server.fresh({ shards: 1 });
    await expect(migrate({ ...cfg, shards: [cfg.shards[0]!, cfg.shards[0]!] })).rejects.toThrow(/twice/);
  });
});

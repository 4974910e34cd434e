import type mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { testConfig } from "../helpers/env.js";
import { mysqlServerForFile } from "../persistence/mysql-test-db.js";

/**
 * `mysql.migrateOnStart: false` is what compose.yaml and deploy/k8s run with: the schema comes from the
 * one-shot migrate step, and the gateway (whose MySQL user has no DDL rights there) must not try to create
 * it. Real MariaDB and RocketMQ: the durable side of a process starts as in production.
 */
const server = mysqlServerForFile();

/** Empty shard databases (as a DBA would hand them over), no tables yet. */
async function emptyShards(migrateOnStart: boolean): Promise<Config> {
  const mysqlCfg = { ...server.fresh(), migrateOnStart };
  for (const s of mysqlCfg.shards) await server.conn.query(`CREATE DATABASE \`${s.database}\``);
  return testConfig("standalone", { mysql: mysqlCfg });
}

async function tableCount(database: string): Promise<number> {
  const [rows] = await server.conn.query<mysql.RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?",
    [database],
  );
  return Number(rows[0]!.n);
}

async function startAndStop(cfg: Config): Promise<void> {
  const proc = await GatewayProcess.start(cfg, { roles: { http: false, writer: false, sweeper: false } });
  await proc.close();
}

describe("mysql.migrateOnStart", () => {
  it("false: a gateway starting against unmigrated shard databases creates no tables", async () => {
    const cfg = await emptyShards(false);
    await startAndStop(cfg);
    for (const s of cfg.mysql.shards) expect(await tableCount(s.database)).toBe(0);
  });

  it("true (the default): the same start creates the order tables in every shard", async () => {
    const cfg = await emptyShards(true);
    await startAndStop(cfg);
    for (const s of cfg.mysql.shards)
      expect(await tableCount(s.database)).toBeGreaterThanOrEqual(cfg.mysql.tablesPerShard);
  });
});

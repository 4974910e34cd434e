import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { afterAll, beforeAll } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

/**
 * The configured MySQL settings with every shard database renamed to fs_test_<random>_<i>, so each
 * test file owns its databases; `dropTestDatabases` removes them.
 */
export function testMysqlConfig(
  overrides: Partial<Pick<Config["mysql"], "tablesPerShard">> & { shards?: number } = {},
): Config["mysql"] {
  const base = loadConfig().mysql;
  const tag = randomBytes(5).toString("hex");
  const first = base.shards[0]!;
  const count = overrides.shards ?? base.shards.length;
  return {
    ...base,
    tablesPerShard: overrides.tablesPerShard ?? base.tablesPerShard,
    shards: Array.from({ length: count }, (_, i) => ({
      ...(base.shards[i] ?? first),
      database: `fs_test_${tag}_${i}`,
    })),
  };
}

export async function dropTestDatabases(cfg: Config["mysql"]): Promise<void> {
  for (const s of cfg.shards) {
    if (!s.database.startsWith("fs_test_")) throw new Error(`refusing to drop ${s.database}`);
    const conn = await mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password });
    try {
      await conn.query(`DROP DATABASE IF EXISTS \`${s.database}\``);
    } finally {
      await conn.end();
    }
  }
}

/** A plain connection to one shard's server, for looking at tables directly. */
export function connectServer(cfg: Config["mysql"], shard = 0): Promise<mysql.Connection> {
  const s = cfg.shards[shard]!;
  return mysql.createConnection({ host: s.host, port: s.port, user: s.user, password: s.password, timezone: "Z" });
}

/**
 * A test file's connection to the MySQL server and the shard databases it makes: `conn` is open from
 * beforeAll, and afterAll closes it and drops every database `fresh()` named.
 */
export function mysqlServerForFile(): {
  conn: mysql.Connection;
  fresh: (...args: Parameters<typeof testMysqlConfig>) => Config["mysql"];
} {
  const created: Config["mysql"][] = [];
  const server = {
    conn: undefined as unknown as mysql.Connection,
    fresh(...args: Parameters<typeof testMysqlConfig>) {
      const cfg = testMysqlConfig(...args);
      created.push(cfg);
      return cfg;
    },
  };
  beforeAll(async () => {
    server.conn = await connectServer(testMysqlConfig());
  });
  afterAll(async () => {
    await server.conn?.end();
    for (const cfg of created) await dropTestDatabases(cfg);
  });
  return server;
}

import { describe, expect, it } from "vitest";
import { freePort } from "../../stack/proc.js";
import { deepMerge } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { testMysqlConfig } from "../persistence/mysql-test-db.js";
import { runToExit, type Entry } from "../helpers/durable.js";
import { testConfig } from "../helpers/env.js";

interface Line {
  level: number;
  time: number;
  msg: string;
  service?: string;
}

/** `npm start`'s entry with this config; its exit code and every stderr line, each parsed as JSON. */
async function start(
  cfg: Config,
  entry: Entry = "main.ts",
): Promise<{ code: number | null; lines: Line[]; ms: number }> {
  const t0 = Date.now();
  // Every line is a JSON log line: a bare stack trace or a library's own printout fails here.
  const { code, lines } = await runToExit<Line>(entry, cfg);
  for (const l of lines)
    expect(l).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
  return { code, lines, ms: Date.now() - t0 };
}

const fatal = (lines: Line[]) => lines.filter((l) => l.level === 60).map((l) => l.msg);

const base = () => testConfig("standalone", { mysql: testMysqlConfig(), log: { level: "info" } });

describe.concurrent("a dependency missing at start-up: one line naming it, its address and how to start it", () => {
  it("Redis down: exits 1 with Redis, the address and the command, not ioredis's retry message", async () => {
    const port = await freePort();
    const { code, lines, ms } = await start(
      deepMerge(base() as never, { redis: { url: `redis://127.0.0.1:${port}` } } as never) as unknown as Config,
    );
    expect(code).toBe(1);
    expect(fatal(lines)).toEqual([
      `cannot reach Redis at 127.0.0.1:${port} (ECONNREFUSED): start it with 'npm run stack:up' or set redis.url`,
    ]);
    expect(lines.map((l) => l.msg).join("\n")).not.toMatch(/max retries/);
    expect(lines[0]!.service).toBe("gateway");
    expect(ms).toBeLessThan(20_000);
  });

  it("MySQL down: a line per shard with host:port and database", async () => {
    const port = await freePort();
    const cfg = base();
    const shards = cfg.mysql.shards.map((s) => ({ ...s, port }));
    const { code, lines } = await start({ ...cfg, mysql: { ...cfg.mysql, shards } });
    expect(code).toBe(1);
    expect(fatal(lines)).toEqual(
      shards.map(
        (s, i) =>
          `cannot reach MySQL shard ${i} at 127.0.0.1:${port} (database ${s.database}) (ECONNREFUSED): start it with 'npm run stack:up' or set mysql.shards[${i}]`,
      ),
    );
  });

  it("MySQL refusing the configured user: the shard and the setting to check", async () => {
    const cfg = base();
    const shards = cfg.mysql.shards.map((s) => ({ ...s, user: "fs_nobody", password: "not-a-password" }));
    const { code, lines } = await start({ ...cfg, mysql: { ...cfg.mysql, shards } });
    expect(code).toBe(1);
    const msgs = fatal(lines);
    expect(msgs).toHaveLength(shards.length);
    expect(msgs[0]).toMatch(
      /^cannot log in to MySQL shard 0 at \S+:\d+ \(database \w+\) as fs_nobody \(ER_ACCESS_DENIED_ERROR: .*\): check mysql\.shards\[0\]\.user and password$/,
    );
  });

  it("the RocketMQ proxy down, for the writer-only process too: its endpoint and the command", async () => {
    const port = await freePort();
    const cfg = deepMerge(
      base() as never,
      { rocketmq: { endpoints: `127.0.0.1:${port}` } } as never,
    ) as unknown as Config;
    const want = [
      `cannot reach the RocketMQ proxy at 127.0.0.1:${port} (ECONNREFUSED): start it with 'npm run stack:up' or set rocketmq.endpoints`,
    ];
    const gateway = await start(cfg);
    expect(gateway.code).toBe(1);
    expect(fatal(gateway.lines)).toEqual(want);
    const writer = await start(cfg, "writer-main.ts");
    expect(writer.code).toBe(1);
    expect(fatal(writer.lines)).toEqual(want);
    expect(writer.lines[0]!.service).toBe("writer");
  });
});

import { randomUUID } from "node:crypto";
import type mysql from "mysql2/promise";
import type { Producer } from "rocketmq-client-nodejs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OutboxRelay } from "../../src/messaging/outbox-relay.js";
import { migrate } from "../../src/persistence/migrate.js";
import { MysqlShards } from "../../src/persistence/mysql-shards.js";
import { connectServer, dropTestDatabases, testMysqlConfig } from "./mysql-test-db.js";

const cfg = testMysqlConfig({ shards: 2 });
let shards: MysqlShards;
let conns: mysql.Connection[];

beforeAll(async () => {
  await migrate(cfg);
  shards = new MysqlShards(cfg);
  conns = await Promise.all(cfg.shards.map((_, i) => connectServer(cfg, i)));
});
afterAll(async () => {
  await shards?.close();
  await Promise.all((conns ?? []).map((c) => c.end()));
  await dropTestDatabases(cfg);
});

const DAY = 86_400_000;
/** Pruning never publishes: a producer that fails the test if it is asked to. */
const noProducer = { send: () => Promise.reject(new Error("pruning must not publish")) } as unknown as Producer;

/** `n` events in shard database `db`, written at `createdAt`, published at `publishedAt` (null: not yet). */
async function events(db: number, n: number, createdAt: Date, publishedAt: Date | null): Promise<string[]> {
  const ids = Array.from({ length: n }, () => `o-${randomUUID()}.v1`);
  const table = `\`${cfg.shards[db]!.database}\`.order_events`;
  for (const id of ids) {
    await conns[db]!.query(
      `INSERT INTO ${table} (event_id, order_id, sale_id, type, body, created_at, published_at) VALUES (?,?,?,?,?,?,?)`,
      [id, id.slice(0, -3), "s", "ORDER_CONFIRMED", "{}", createdAt, publishedAt],
    );
  }
  return ids;
}

async function left(db: number): Promise<string[]> {
  const [rows] = await conns[db]!.query(
    `SELECT event_id FROM \`${cfg.shards[db]!.database}\`.order_events ORDER BY seq`,
  );
  return (rows as { event_id: string }[]).map((r) => r.event_id);
}

it("prunes published events past the retention, a batch at a time, in every database, and never an unpublished one", async () => {
  const now = Date.now();
  const relay = new OutboxRelay(shards, noProducer, {
    topic: "t",
    intervalMs: 1000,
    batchMax: 2,
    retentionMs: 7 * DAY,
  });
  const kept: string[][] = [];
  for (const db of [0, 1]) {
    await events(db, 5, new Date(now - 9 * DAY), new Date(now - 8 * DAY)); // published 8 days ago: pruned
    const unpublished = await events(db, 2, new Date(now - 30 * DAY), null); // never published: kept, however old
    const recent = await events(db, 1, new Date(now - 7 * DAY - 60_000), new Date(now - 6 * DAY)); // published 6 days ago: kept
    kept.push([...unpublished, ...recent]);
  }
  // Five old rows per database with two per statement: three statements each, all of them gone.
  expect(await relay.pruneAll(now)).toBe(10);
  expect(relay.stats.pruned).toBe(10);
  for (const db of [0, 1]) expect(await left(db)).toEqual(kept[db]);
  // Nothing older is left: a second round deletes nothing.
  expect(await relay.pruneAll(now)).toBe(0);
});

it("the relay prunes on its own timer once started, and stops with it", async () => {
  const now = Date.now();
  // Its passes publish what the first test left unpublished: a producer that takes everything.
  const producer = { send: () => Promise.resolve({}) } as unknown as Producer;
  const relay = new OutboxRelay(shards, producer, {
    topic: "t",
    intervalMs: 60_000,
    batchMax: 50,
    retentionMs: DAY,
    pruneEveryMs: 50,
  });
  const old = await events(0, 3, new Date(now - 3 * DAY), new Date(now - 2 * DAY));
  relay.start();
  try {
    await expect.poll(async () => (await left(0)).filter((id) => old.includes(id)), { timeout: 5000 }).toEqual([]);
  } finally {
    await relay.stop();
  }
});

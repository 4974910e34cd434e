import type mysql from "mysql2/promise";
import { afterAll, beforeAll, expect, it } from "vitest";
import { migrate } from "../../src/persistence/migrate.js";
import { MysqlShards } from "../../src/persistence/mysql-shards.js";
import { claimUnpublished, markPublished, releaseClaim } from "../../src/persistence/order-events.js";
import { connectServer, dropTestDatabases, testMysqlConfig } from "./mysql-test-db.js";

const cfg = testMysqlConfig({ shards: 1 });
let shards: MysqlShards;
let conn: mysql.Connection;
let pool: mysql.Pool;
const T = 5000;

beforeAll(async () => {
  await migrate(cfg);
  shards = new MysqlShards(cfg);
  pool = shards.databases()[0]!.pool;
  conn = await connectServer(cfg, 0);
  await conn.query(`USE \`${cfg.shards[0]!.database}\``);
});
afterAll(async () => {
  await shards?.close();
  await conn?.end();
  await dropTestDatabases(cfg);
});

/** Events `versions` of `orderId`, written in that order (as an order's row lock writes them). */
async function write(orderId: string, versions: number[]): Promise<void> {
  for (const v of versions) {
    const body = JSON.stringify({ eventId: `${orderId}.v${v}`, orderId, version: v });
    await conn.query(
      "INSERT INTO order_events (event_id, order_id, sale_id, type, body, created_at) VALUES (?,?,?,?,?,NOW(3))",
      [`${orderId}.v${v}`, orderId, "s", "T", body],
    );
  }
}

const ids = (events: { event: { eventId: string } }[]) => events.map((e) => e.event.eventId);

it("claims an order's events only from its earliest unpublished one, never beside another claim, and gives back what was not sent", async () => {
  await write("a", [1, 2]);
  await write("b", [1]);
  // Two events in all: a's v1 and v2 (b's v1 does not fit).
  const first = await claimUnpublished(pool, "r1:1", 2, 30_000, T);
  expect(ids(first)).toEqual(["a.v1", "a.v2"]);
  await write("a", [3]);
  // a's v3 waits: v1 and v2 are claimed by r1. b is free.
  const second = await claimUnpublished(pool, "r2:1", 10, 30_000, T);
  expect(ids(second)).toEqual(["b.v1"]);
  // r1 published v1 and gives v2 back (its send failed): v2 and v3 go together to the next claim.
  await markPublished(pool, [first[0]!.seq], new Date(), T);
  await releaseClaim(pool, "r1:1", [first[1]!.seq], T);
  // Another claim's release touches nothing of r1's.
  await releaseClaim(
    pool,
    "r9:9",
    second.map((e) => e.seq),
    T,
  );
  expect(ids(await claimUnpublished(pool, "r3:1", 10, 30_000, T))).toEqual(["a.v2", "a.v3"]);
  expect(await claimUnpublished(pool, "r4:1", 10, 30_000, T)).toEqual([]);
});

it("takes a claim again once it has lapsed (its relay died)", async () => {
  await write("c", [1, 2]);
  expect(ids(await claimUnpublished(pool, "dead:1", 10, 300, T))).toEqual(["c.v1", "c.v2"]);
  expect(await claimUnpublished(pool, "r5:1", 10, 30_000, T)).toEqual([]);
  await new Promise((r) => setTimeout(r, 600));
  expect(ids(await claimUnpublished(pool, "r5:2", 10, 30_000, T))).toEqual(["c.v1", "c.v2"]);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    "SELECT DISTINCT claimed_by AS c FROM order_events WHERE order_id = 'c'",
  );
  expect(rows.map((r) => r.c)).toEqual(["r5:2"]);
});

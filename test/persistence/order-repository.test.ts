import { randomUUID } from "node:crypto";
import type mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../src/persistence/migrate.js";
import { MysqlShards } from "../../src/persistence/mysql-shards.js";
import { InvalidOrderError, OrderRepository } from "../../src/persistence/order-repository.js";
import type { OrderRow } from "../../src/persistence/order-row.js";
import { routeOrder, tableName } from "../../src/persistence/order-routing.js";
import { connectServer, dropTestDatabases, testMysqlConfig } from "./mysql-test-db.js";

const cfg = testMysqlConfig({ shards: 2, tablesPerShard: 4 });
const SLOTS = cfg.shards.length * cfg.tablesPerShard;
let shards: MysqlShards;
let repo: OrderRepository;
let conn: mysql.Connection;

beforeAll(async () => {
  await migrate(cfg);
  shards = new MysqlShards(cfg);
  repo = new OrderRepository(shards);
  conn = await connectServer(cfg);
});
afterAll(async () => {
  await shards?.close();
  await conn?.end();
  await dropTestDatabases(cfg);
});

const newSale = (): string => `sale-${randomUUID().slice(0, 8)}`;

function order(saleId: string, i: number, userId = `user-${saleId}-${i}`, quantity = 1): OrderRow {
  return {
    orderId: `${saleId}:${i}:${randomUUID()}`,
    saleId,
    skuId: `sku-${saleId}`,
    userId,
    quantity,
    status: "CONFIRMED",
    createdAt: new Date(Date.UTC(2024, 5, 1, 12, 0, 0, 0) + i * 7 + 123),
  };
}

/** The table the documented routing names, read directly without going through the repository. */
async function rowsAt(userId: string, orderId: string): Promise<mysql.RowDataPacket[]> {
  const r = routeOrder(userId, cfg.shards.length, cfg.tablesPerShard);
  const [rows] = await conn.query<mysql.RowDataPacket[]>(
    `SELECT * FROM \`${cfg.shards[r.db]!.database}\`.\`${tableName(r.table)}\` WHERE order_id = ?`,
    [orderId],
  );
  return rows;
}

/** Rows of a sale in every table of every shard: [db][table] -> rows. */
async function allRowsOfSale(saleId: string): Promise<mysql.RowDataPacket[][][]> {
  return Promise.all(
    cfg.shards.map((s) =>
      Promise.all(
        Array.from({ length: cfg.tablesPerShard }, async (_, t) => {
          const [rows] = await conn.query<mysql.RowDataPacket[]>(
            `SELECT * FROM \`${s.database}\`.\`${tableName(t)}\` WHERE sale_id = ?`,
            [saleId],
          );
          return rows;
        }),
      ),
    ),
  );
}

/** A user id other than `userId` that routes to the same table. */
function neighbourOf(userId: string): string {
  const want = routeOrder(userId, cfg.shards.length, cfg.tablesPerShard);
  for (let i = 0; ; i++) {
    const other = `${userId}-n${i}`;
    const r = routeOrder(other, cfg.shards.length, cfg.tablesPerShard);
    if (r.db === want.db && r.table === want.table) return other;
  }
}

describe("OrderRepository.insertOrders", () => {
  it("writes each order once, in exactly the database and table routeOrder names", async () => {
    const sale = newSale();
    const orders = Array.from({ length: 240 }, (_, i) =>
      order(sale, i, i % 3 === 0 ? `用户-${sale}-${i}` : undefined, 1 + (i % 4)),
    );
    expect(await repo.insertOrders(orders)).toEqual({ inserted: 240, duplicates: 0 });

    for (const o of orders) {
      const rows = await rowsAt(o.userId, o.orderId);
      expect(rows).toHaveLength(1);
      const r = rows[0]!;
      expect([r.sale_id, r.sku_id, r.user_id, r.quantity, r.status]).toEqual([
        o.saleId,
        o.skuId,
        o.userId,
        o.quantity,
        "CONFIRMED",
      ]);
      expect((r.created_at as Date).getTime()).toBe(o.createdAt.getTime());
    }
    const layout = await allRowsOfSale(sale);
    const perTable = layout.flat().map((rows) => rows.length);
    expect(perTable.reduce((a, b) => a + b, 0)).toBe(240);
    expect(perTable.every((n) => n > 0)).toBe(true);
  });

  it("agrees with the SQL form of the routing documented in order-routing.ts", async () => {
    const sale = newSale();
    await repo.insertOrders(
      Array.from({ length: 64 }, (_, i) => order(sale, i, i % 2 ? `Ünïcødé-${i}-${sale}` : undefined)),
    );
    for (const [db, s] of cfg.shards.entries()) {
      for (let t = 0; t < cfg.tablesPerShard; t++) {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          `SELECT CAST(CONV(LEFT(SHA1(user_id), 8), 16, 10) AS UNSIGNED) % ${SLOTS} DIV ${cfg.tablesPerShard} AS db,
                  CAST(CONV(LEFT(SHA1(user_id), 8), 16, 10) AS UNSIGNED) % ${SLOTS} % ${cfg.tablesPerShard} AS tbl
             FROM \`${s.database}\`.\`${tableName(t)}\` WHERE sale_id = ?`,
          [sale],
        );
        for (const r of rows) expect([Number(r.db), Number(r.tbl)]).toEqual([db, t]);
      }
    }
  });

  it("treats a redelivered batch as duplicates and stores no second row", async () => {
    const sale = newSale();
    const orders = Array.from({ length: 50 }, (_, i) => order(sale, i));
    expect(await repo.insertOrders(orders)).toEqual({ inserted: 50, duplicates: 0 });
    expect(await repo.insertOrders(orders)).toEqual({ inserted: 0, duplicates: 50 });
    const extra = order(sale, 99);
    expect(await repo.insertOrders([orders[0]!, extra, extra])).toEqual({ inserted: 1, duplicates: 2 });
    expect((await allRowsOfSale(sale)).flat(2)).toHaveLength(51);
  });

  it("stores one row per order when eight writers deliver the same batch at once", async () => {
    const sale = newSale();
    const orders = Array.from({ length: 400 }, (_, i) => order(sale, i));
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, k) => repo.insertOrders(k % 2 ? [...orders].reverse() : orders)),
    );
    expect(results.reduce((a, r) => a + r.inserted, 0)).toBe(400);
    expect(results.reduce((a, r) => a + r.duplicates, 0)).toBe(7 * 400);
    const rows = (await allRowsOfSale(sale)).flat(2);
    expect(rows).toHaveLength(400);
    expect(new Set(rows.map((r) => r.order_id)).size).toBe(400);
  }, 30_000);

  it("never reverts a PAID or CANCELLED order on redelivery", async () => {
    const sale = newSale();
    const [paid, cancelled] = [order(sale, 1), order(sale, 2)];
    await repo.insertOrders([paid, cancelled]);
    expect(await repo.setStatus(paid.userId, paid.orderId, ["CONFIRMED"], "PAID")).toBe(true);
    expect(await repo.setStatus(cancelled.userId, cancelled.orderId, ["CONFIRMED"], "CANCELLED")).toBe(true);
    const before = await repo.getOrder(paid.userId, paid.orderId);

    expect(await repo.insertOrders([paid, cancelled])).toEqual({ inserted: 0, duplicates: 2 });
    expect(await repo.getOrder(paid.userId, paid.orderId)).toEqual(before);
    expect((await repo.getOrder(cancelled.userId, cancelled.orderId))?.status).toBe("CANCELLED");
    expect((await rowsAt(paid.userId, paid.orderId))[0]!.status).toBe("PAID");
  });

  it("rejects a malformed row before writing any of the batch", async () => {
    const sale = newSale();
    const good = order(sale, 1);
    const bad = { ...order(sale, 2), quantity: 0 };
    await expect(repo.insertOrders([good, bad])).rejects.toBeInstanceOf(InvalidOrderError);
    await expect(repo.insertOrders([{ ...order(sale, 3), userId: "u".repeat(129) }])).rejects.toThrow(/userId/);
    await expect(repo.insertOrders([{ ...order(sale, 4), createdAt: new Date(Number.NaN) }])).rejects.toThrow(
      /createdAt/,
    );
    expect(await rowsAt(good.userId, good.orderId)).toHaveLength(0);
  });
});

describe("OrderRepository reads and status changes", () => {
  it("returns an order only to its owner", async () => {
    const sale = newSale();
    const o = order(sale, 1);
    await repo.insertOrders([o]);
    const got = await repo.getOrder(o.userId, o.orderId);
    expect(got).toMatchObject({
      orderId: o.orderId,
      saleId: sale,
      skuId: o.skuId,
      userId: o.userId,
      quantity: 1,
      status: "CONFIRMED",
      createdAt: o.createdAt,
    });
    expect(got!.updatedAt).toBeInstanceOf(Date);
    // Same table, so only the user_id check stands between this caller and the row.
    expect(await repo.getOrder(neighbourOf(o.userId), o.orderId)).toBeNull();
    expect(await repo.getOrder("someone-else", o.orderId)).toBeNull();
    expect(await repo.getOrder(o.userId, "no-such-order")).toBeNull();
  });

  it("finds an order by its id alone, in whichever shard and table it is, and says when it is only parked", async () => {
    const sale = newSale();
    const orders = Array.from({ length: 12 }, (_, i) => order(sale, i));
    await repo.insertOrders(orders);
    expect(new Set(orders.map((o) => shards.forUser(o.userId).db)).size, "both databases hold some").toBe(2);
    for (const o of orders) {
      expect(await repo.lookupOrder(o.orderId)).toEqual({
        row: expect.objectContaining({
          orderId: o.orderId,
          userId: o.userId,
          skuId: o.skuId,
          status: "CONFIRMED",
          createdAt: o.createdAt,
        }),
        parked: false,
      });
    }
    expect(await repo.lookupOrder("no-such-order")).toEqual({ row: null, parked: false });
    const parked = order(sale, 99);
    await repo.parkOrders([parked]);
    expect(await repo.lookupOrder(parked.orderId)).toEqual({ row: null, parked: true });
    await repo.settleParked(parked.userId, parked.orderId, "not_reserved");
    expect(await repo.lookupOrder(parked.orderId)).toEqual({ row: null, parked: false });
  });

  it("changes status only from the allowed ones, and exactly one racing caller wins", async () => {
    const sale = newSale();
    const o = order(sale, 1);
    await repo.insertOrders([o]);
    expect(await repo.setStatus(o.userId, o.orderId, ["PAID"], "CANCELLED")).toBe(false);
    expect(await repo.setStatus(neighbourOf(o.userId), o.orderId, ["CONFIRMED"], "PAID")).toBe(false);
    expect(await repo.setStatus(o.userId, o.orderId, ["CONFIRMED"], "CONFIRMED")).toBe(false);
    const wins = await Promise.all(
      Array.from({ length: 10 }, () => repo.setStatus(o.userId, o.orderId, ["CONFIRMED"], "CANCELLED")),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
    expect(await repo.setStatus(o.userId, o.orderId, ["CONFIRMED", "PAID"], "CANCELLED")).toBe(false);
    const stored = await repo.getOrder(o.userId, o.orderId);
    expect(stored?.status).toBe("CANCELLED");
    expect(stored!.updatedAt.getTime()).toBeGreaterThan(o.createdAt.getTime());
  });

  it("counts a sale's orders and units by status across every shard and table", async () => {
    const sale = newSale();
    const other = newSale();
    const orders = Array.from({ length: 90 }, (_, i) => order(sale, i, undefined, 1 + (i % 5)));
    await repo.insertOrders([...orders, ...Array.from({ length: 10 }, (_, i) => order(other, i))]);
    const want = {
      confirmed: 0,
      paid: 0,
      cancelled: 0,
      total: 0,
      quantity: { confirmed: 0, paid: 0, cancelled: 0, total: 0 },
    };
    for (const [i, o] of orders.entries()) {
      const to = i % 3 === 0 ? "PAID" : i % 3 === 1 ? "CANCELLED" : "CONFIRMED";
      if (to !== "CONFIRMED") expect(await repo.setStatus(o.userId, o.orderId, ["CONFIRMED"], to)).toBe(true);
      const key = to.toLowerCase() as "confirmed" | "paid" | "cancelled";
      want[key]++;
      want.total++;
      want.quantity[key] += o.quantity;
      want.quantity.total += o.quantity;
    }
    expect(await repo.countBySale(sale)).toEqual(want);
    expect((await repo.countBySale(other)).total).toBe(10);
    expect(await repo.countBySale(newSale())).toEqual({
      confirmed: 0,
      paid: 0,
      cancelled: 0,
      total: 0,
      quantity: { confirmed: 0, paid: 0, cancelled: 0, total: 0 },
    });
  });

  it("scans every order of a sale exactly once, page by page", async () => {
    const sale = newSale();
    const orders = Array.from({ length: 77 }, (_, i) => order(sale, i, undefined, 2));
    await repo.insertOrders([...orders, order(newSale(), 1)]);
    const seen: string[] = [];
    for await (const ref of repo.scanSale(sale, 3)) {
      expect(ref).toMatchObject({ quantity: 2, status: "CONFIRMED" });
      seen.push(`${ref.orderId}|${ref.userId}`);
    }
    expect(seen.sort()).toEqual(orders.map((o) => `${o.orderId}|${o.userId}`).sort());
  });
});

describe("MysqlShards", () => {
  it("routes a user to the pool of its shard and the table routeOrder names", () => {
    for (let i = 0; i < 50; i++) {
      const user = `route-${i}`;
      const r = routeOrder(user, cfg.shards.length, cfg.tablesPerShard);
      const t = shards.forUser(user);
      expect([t.db, t.table]).toEqual([r.db, tableName(r.table)]);
      expect(t.pool).toBe(shards.allTables()[r.db * cfg.tablesPerShard + r.table]!.pool);
    }
    expect(shards.allTables()).toHaveLength(SLOTS);
  });

  it("pings true when every shard answers and false when one does not", async () => {
    expect(await shards.ping()).toBe(true);
    const broken = new MysqlShards(
      { ...cfg, shards: [cfg.shards[0]!, { ...cfg.shards[1]!, port: 1 }] },
      { pingTimeoutMs: 1000 },
    );
    try {
      expect(await broken.ping()).toBe(false);
    } finally {
      await broken.close();
    }
  });
});

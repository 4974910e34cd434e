import { createHash } from "node:crypto";
import { FlashSaleError } from "@flashsale/client";
import type { Cluster, Redis } from "ioredis";
import type { MessageView } from "rocketmq-client-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { encodeOrders } from "../../src/messaging/order-message.js";
import { TransactionResolution } from "../../src/messaging/rocketmq.js";
import type { SaleOrderRef } from "../../src/persistence/order-repository.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { ledgerOf, readRecord, saleLedger } from "../../src/reservation/ledger.js";
import { newOrderId } from "../../src/reservation/order-id.js";
import type { Sale } from "../../src/reservation/sale.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";

/**
 * Races around the rebuild of a sale whose Redis state was lost (sale-recovery.ts): what happens on the live
 * shards, in the operator's hands and in MySQL while the rebuild reads and writes must not be lost or
 * counted twice. The sweep loop is slowed down; each pass is driven by POST .../reconcile.
 */

/** Deletes the keys of these stock shards (and the settings, when `settings`) on `node`: state lost there. */
async function lose(node: Redis, prefix: string, saleId: string, shards: number[], settings: boolean): Promise<void> {
  const patterns = shards.map((i) => `${prefix}{${saleId}:${i}}:*`);
  for (const match of patterns) {
    let cursor = "0";
    do {
      const [next, found] = await node.scan(cursor, "MATCH", match, "COUNT", 1000);
      for (const key of found) await node.del(key);
      cursor = next;
    } while (cursor !== "0");
  }
  if (settings) await node.del(`${prefix}sale:{${saleId}}`);
}

/** Every unit of the sale as Redis accounts for it: shard counters, units in transfer, live reservations. */
async function accounted(app: GatewayProcess, sale: Sale): Promise<number> {
  const [stocks, inFlight, ledger] = await Promise.all([
    app.reservations.rebalancer.shardStocks(sale),
    app.reservations.rebalancer.inFlight(sale),
    saleLedger(app.redis, app.keys, sale),
  ]);
  const live = ledger.filter((r) => r.state === "reserved" || r.state === "confirmed" || r.state === "paid");
  return stocks.reduce((a, b) => a + b, 0) + inFlight + live.reduce((s, r) => s + r.quantity, 0);
}

/** New buyers, one unit each, until the sale answers SOLD_OUT; how many bought. */
async function buyUntilSoldOut(api: Api, saleId: string, prefix: string): Promise<number> {
  for (let n = 0; ; n++) {
    try {
      await api.buyOne(saleId, prefix);
    } catch (err) {
      if (err instanceof FlashSaleError && err.code === "SOLD_OUT") return n;
      throw err;
    }
  }
}

async function rowsOf(app: GatewayProcess, saleId: string): Promise<SaleOrderRef[]> {
  const rows: SaleOrderRef[] = [];
  for await (const r of app.repo.scanSale(saleId)) rows.push(r);
  return rows;
}

const heldUnits = (rows: SaleOrderRef[]) =>
  rows.filter((r) => r.status !== "CANCELLED").reduce((s, r) => s + r.quantity, 0);

/** Passes until one rebuilds the sale (the first ones find it lost, then wait out the quiet period). */
async function rebuild(api: Api, saleId: string): Promise<Record<string, unknown>> {
  const found = await api.reconcile(saleId);
  expect(found.status, JSON.stringify(found.body)).toBe(200);
  expect(found.body.recovering, "the first pass finds the loss").toBe(true);
  const done = await eventually(
    "the rebuild",
    () => api.reconcile(saleId),
    (r) => r.status === 200 && !r.body.recovering,
    60_000,
  );
  expect(done.body.shardsRebuilt, JSON.stringify(done.body)).toBeGreaterThan(0);
  return done.body;
}

const QUIET = {
  sweeper: { intervalMs: 3_600_000, persistAfterMs: 2000, recoveryQuietMs: 1500 },
  admission: { rateLimits: { enabled: false }, shedding: { enabled: false } },
};

describe("around a rebuild (standalone)", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig("standalone", QUIET);
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  it("a pause or a resume given while the sale is rebuilt stands after the rebuild", { timeout: 120_000 }, async () => {
    for (const choice of ["pause", "resume"] as const) {
      const saleId = `op${choice}${rid()}`;
      expect((await api.putSale(saleId, { stock: 10, shards: 2 })).status).toBe(201);
      await api.buyOne(saleId, "op");
      if (choice === "resume") expect((await api.pause(saleId)).status).toBe(200);
      await lose(app.redis as Redis, cfg.redis.keyPrefix, saleId, [0, 1], true);
      let told = 0;
      // The operator acts while the rebuild reads (after it took the sale's settings from MySQL).
      app.sweeper.recovery.duringRead = async (id) => {
        if (id !== saleId || told++ > 0) return;
        const r = await api[choice](saleId);
        expect(r.status, JSON.stringify(r.body)).toBe(200);
      };
      await rebuild(api, saleId);
      app.sweeper.recovery.duringRead = undefined;
      expect(told, "the operator acted during the rebuild").toBe(1);
      const sale = (await api.sale(saleId)).body;
      expect(sale.recovering, JSON.stringify(sale)).toBeUndefined();
      expect(sale.status, `${choice} during the rebuild`).toBe(choice === "pause" ? "PAUSED" : "LIVE");
      expect((await app.sales.stored(saleId))!.sale.paused).toBe(choice === "pause");
    }
  });

  it(
    "a PAID row written after the rebuild counted the rows takes its units; a CANCELLED one takes none",
    { timeout: 120_000 },
    async () => {
      const saleId = `late${rid()}`;
      const stock = 10;
      expect((await api.putSale(saleId, { stock, shards: 2, perUserLimit: 5 })).status).toBe(201);
      await api.buyOne(saleId, "late");
      await eventually(
        "the first row",
        () => rowsOf(app, saleId),
        (rs) => rs.length === 1,
      );
      const reservedAt = Date.now();
      await lose(app.redis as Redis, cfg.redis.keyPrefix, saleId, [0, 1], true);
      await rebuild(api, saleId);
      const sale = (await app.sales.load(saleId))!;
      expect(await accounted(app, sale)).toBe(stock);

      // Orders reserved before the loss whose rows the lifecycle writes only now, one PAID, one CANCELLED.
      const order = (userId: string, quantity: number) =>
        app.lifecycle.known(
          { orderId: newOrderId(saleId, 0), state: "reserved", quantity, reservedAt, token: "", userId },
          sale,
        );
      const paid = order("late-paid", 3);
      const body = createHash("sha256").update(paid.facts.orderId).digest("hex");
      expect(
        (await app.lifecycle.payment(paid, { eventId: `ev-${rid()}`, status: "SUCCEEDED", bodySha256: body })).kind,
      ).toBe("applied");
      const cancelled = order("late-cancel", 2);
      expect((await app.lifecycle.cancelByBuyer(cancelled)).kind).toBe("applied");
      expect((await rowsOf(app, saleId)).map((r) => r.status).sort()).toEqual(["CANCELLED", "CONFIRMED", "PAID"]);

      const report = (await api.reconcile(saleId)).body;
      expect(await accounted(app, sale), "stock = shard counters + units of live reservations").toBe(stock);
      expect(report.lateRowsHonored, JSON.stringify(report)).toBe(1);
      expect((await readRecord(app.redis, app.keys, paid.facts.orderId))?.state).toBe("paid");
      expect((await readRecord(app.redis, app.keys, cancelled.facts.orderId))?.state).toBe("released");

      // Every unit sells once: buyers take what is left, and MySQL holds exactly the stock.
      expect(await buyUntilSoldOut(api, saleId, "rest")).toBe(stock - 1 - 3);
      const rows = await eventually(
        "every order a row",
        () => rowsOf(app, saleId),
        (rs) => rs.length === 3 + stock - 4,
        60_000,
      );
      expect(heldUnits(rows), "no oversell").toBe(stock);
    },
  );

  it(
    "the back-check asks again about an order on a lost shard; after the rebuild it commits and the order is honoured",
    { timeout: 120_000 },
    async () => {
      const saleId = `chk${rid()}`;
      const stock = 10;
      expect((await api.putSale(saleId, { stock, shards: 2, perUserLimit: 2 })).status).toBe(201);
      await api.buyOne(saleId, "chk");
      await eventually(
        "the first row",
        () => rowsOf(app, saleId),
        (rs) => rs.length === 1,
      );
      // A half message whose producer never decided: its order reserved just before the loss.
      const order = {
        orderId: newOrderId(saleId, 1),
        saleId,
        skuId: `sku-${saleId}`,
        userId: `chk-${rid(3)}`,
        quantity: 2,
        reservedAt: Date.now(),
      };
      const view = { messageId: rid(), body: encodeOrders([order]) } as unknown as MessageView;
      await lose(app.redis as Redis, cfg.redis.keyPrefix, saleId, [0, 1], true);
      expect(await app.checker.check(view), "ask again").toBe(TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED);
      expect(await readRecord(app.redis, app.keys, order.orderId), "no tombstone").toBeNull();
      await rebuild(api, saleId);
      expect(await app.checker.check(view)).toBe(TransactionResolution.COMMIT);
      // Committed: the writer finds no record and parks it; the next pass honours it under its own id.
      const parkedBefore = app.writer.stats.parked;
      await app.writer.consume(view);
      expect(app.writer.stats.parked).toBe(parkedBefore + 1);
      const report = (await api.reconcile(saleId)).body;
      expect(report.parkedSettled, JSON.stringify(report)).toBe(1);
      expect((await app.repo.getOrder(order.userId, order.orderId))?.status).toBe("CONFIRMED");
      expect((await readRecord(app.redis, app.keys, order.orderId))?.state).toMatch(/reserved|confirmed/);
      const sale = (await app.sales.load(saleId))!;
      expect(await accounted(app, sale)).toBe(stock);
    },
  );
});

describe("releases on live shards while a rebuild reads them (Redis Cluster, one node's keys lost)", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig("cluster", QUIET);
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  it(
    "buyer cancels during the read are counted once: stock conserved, every unit sells once",
    { timeout: 240_000 },
    async () => {
      const saleId = `held${rid()}`;
      const stock = 60;
      const shards = 6;
      expect((await api.putSale(saleId, { stock, shards })).status).toBe(201);
      const bought = await pool(
        Array.from({ length: 30 }, (_, i) => i),
        6,
        () => api.buyOne(saleId, "first"),
      );
      await eventually(
        "30 rows",
        () => rowsOf(app, saleId),
        (rs) => rs.length === 30,
        60_000,
      );

      // The primary holding the fewest (but some) of the sale's shards loses their keys.
      const cluster = app.redis as Cluster;
      const ownerOf = (key: string) => cluster.slots[keySlot(key)]![0]!;
      const byNode = new Map<string, number[]>();
      for (let i = 0; i < shards; i++) {
        const owner = ownerOf(app.keys.shard(saleId, i).stock);
        byNode.set(owner, [...(byNode.get(owner) ?? []), i]);
      }
      const [victim, lost] = [...byNode]
        .filter(([, s]) => s.length < shards)
        .sort((a, b) => a[1].length - b[1].length)[0]!;
      const node = cluster.nodes("master").find((n) => `${n.options.host}:${n.options.port}` === victim)!;
      await lose(node, cfg.redis.keyPrefix, saleId, lost, ownerOf(app.keys.saleMeta(saleId)) === victim);

      // Buyers whose orders sit on live shards cancel while the rebuild reads those shards.
      const onLive = bought.filter((b) => !lost.includes(ledgerOf(app.keys, b.orderId)!.shard)).slice(0, 10);
      expect(onLive.length).toBeGreaterThan(0);
      let cancels = 0;
      app.sweeper.recovery.duringRead = async (id) => {
        if (id !== saleId || cancels > 0) return;
        for (const b of onLive) {
          const r = await api.cancel(b.orderId, b.user);
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          cancels++;
        }
      };
      await rebuild(api, saleId);
      app.sweeper.recovery.duringRead = undefined;
      expect(cancels).toBe(onLive.length);
      // One more pass returns any cancelled units still on their reservations; then the books balance.
      expect((await api.reconcile(saleId)).status).toBe(200);
      const sale = (await app.sales.load(saleId))!;
      expect(
        await accounted(app, sale),
        `stock = counters + live reservations (${lost.length} shards lost, ${cancels} cancels)`,
      ).toBe(stock);

      expect(await buyUntilSoldOut(api, saleId, "then")).toBe(stock - 30 + cancels);
      const rows = await eventually(
        "every order a row",
        () => rowsOf(app, saleId),
        (rs) => heldUnits(rs) >= stock,
        60_000,
      );
      expect(heldUnits(rows), "no oversell, every unit sold once").toBe(stock);
      expect(new Set(rows.map((r) => r.orderId)).size).toBe(rows.length);
    },
  );
});

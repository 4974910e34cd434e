import type { Redis } from "ioredis";
import type { RowDataPacket } from "mysql2/promise";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { SaleOrderRef } from "../../src/persistence/order-repository.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";

/**
 * Scenario 1 of issue 17: after the 202 the MySQL row is the order's truth. When Redis no longer holds the
 * order's ledger record (it came back empty and the sale waits for its rebuild, or the sale's keys expired
 * after its end plus the retention), payments, cancels and status reads are answered from the row found by
 * the order id alone, never 404. An order nobody can place yet (neither record nor row while the sale is
 * recovering) is 503 with Retry-After; one that exists nowhere is 404. Scenario 9's half: a row the
 * lifecycle writes keeps the purchase token, so its replay after a rebuild is the same 202.
 */
describe("order operations when Redis no longer knows the order", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    // No sweep loop: the test drives the sale's recovery with reconcile, so "recovering" lasts as long as it
    // needs on a loaded machine. A short retention lets the second test see a sale's keys expire for good.
    cfg = await durableConfig("standalone", {
      sweeper: { intervalMs: 200, persistAfterMs: 600_000, recoveryQuietMs: 1000 },
      sales: { retentionSeconds: 2 },
      admission: { rateLimits: { enabled: false } },
    });
    ({ app, api } = await startApp(cfg, { roles: { sweeper: false } }));
  });
  afterAll(() => stopApp(app, cfg));

  /** Deletes every Redis key of the sale (settings, shards, ledger, tokens), as a Redis that forgot it. */
  async function forget(saleId: string, on = app): Promise<void> {
    const keys: string[] = [];
    for await (const batch of (on.redis as Redis).scanStream({
      match: `${on.config.redis.keyPrefix}*{${saleId}*`,
      count: 500,
    }))
      keys.push(...(batch as string[]));
    expect(keys.length).toBeGreaterThan(2);
    await on.redis.del(...keys);
  }

  async function rowsOf(saleId: string): Promise<Map<string, SaleOrderRef>> {
    const rows = new Map<string, SaleOrderRef>();
    for await (const r of app.repo.scanSale(saleId)) rows.set(r.orderId, r);
    return rows;
  }

  /** Rows of a per-database table for these orders, over every shard database. */
  async function perDatabase(sql: string, orderIds: string[]): Promise<RowDataPacket[]> {
    const all = await Promise.all(
      app.shards.databases().map(async ({ pool: p }) => (await p.query<RowDataPacket[]>(sql, [orderIds]))[0]),
    );
    return all.flat();
  }

  const event = (orderId: string, status: "SUCCEEDED" | "FAILED" = "SUCCEEDED") => ({
    eventId: `ev-${rid()}`,
    orderId,
    status,
  });

  it(
    "answers payments, cancels and status reads from MySQL while the sale is rebuilt; units come back exactly once",
    { timeout: 180_000 },
    async () => {
      const saleId = `forgot${rid()}`;
      const stock = 50;
      expect((await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 })).status).toBe(201);
      const orders = await pool(
        Array.from({ length: 40 }, (_, i) => i),
        8,
        () => api.buyOne(saleId, "fg"),
      );
      await eventually(
        "40 rows",
        () => app.repo.countBySale(saleId),
        (c) => c.confirmed === 40,
        60_000,
      );
      const paidBefore = [orders[0]!, orders[1]!];
      for (const o of paidBefore) expect((await api.pay(event(o.orderId))).body.status).toBe("PAID");

      await forget(saleId);

      // 12 signed payments (8 succeed, 4 fail), 6 cancels and 6 status reads, all answered from the rows.
      const payEvents = [
        ...orders.slice(2, 10).map((o) => event(o.orderId)),
        ...orders.slice(10, 14).map((o) => event(o.orderId, "FAILED")),
      ];
      const paid = await Promise.all(payEvents.map((e) => api.pay(e)));
      expect(paid.map((r) => [r.status, r.body.status])).toEqual([
        ...Array(8).fill([200, "PAID"]),
        ...Array(4).fill([200, "CANCELLED"]),
      ]);
      const cancels = await Promise.all(orders.slice(14, 20).map((o) => api.cancel(o.orderId, o.user)));
      expect(cancels.map((r) => [r.status, r.body.status])).toEqual(Array(6).fill([200, "CANCELLED"]));
      const reads = await Promise.all(orders.slice(20, 26).map((o) => api.orderStatus(o.orderId, o.user)));
      reads.forEach((r, i) => {
        const o = orders[20 + i]!;
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        expect(r.body).toMatchObject({
          orderId: o.orderId,
          saleId,
          skuId: `sku-${saleId}`,
          userId: o.user,
          quantity: 1,
          status: "CONFIRMED",
        });
      });
      expect((await api.orderStatus(orders[2]!.orderId, orders[2]!.user)).body.status).toBe("PAID");
      expect((await api.orderStatus(orders[15]!.orderId, orders[15]!.user)).body.status).toBe("CANCELLED");

      // The state machine holds as usual: a redelivery replays, a paid order cannot be cancelled, a payment
      // for a cancelled order and a second payment for a paid one each record one refund; owners only.
      const again = await api.pay(payEvents[0]!);
      expect([again.status, again.body.status, again.headers.get("idempotent-replayed")]).toEqual([
        200,
        "PAID",
        "true",
      ]);
      expect((await api.cancel(orders[2]!.orderId, orders[2]!.user)).body.error.code).toBe("ORDER_NOT_CANCELLABLE");
      const late = event(orders[14]!.orderId);
      expect((await api.pay(late)).body.error.code).toBe("ORDER_CANCELLED");
      const double = event(orders[0]!.orderId);
      expect((await api.pay(double)).body.status).toBe("PAID");
      expect((await api.cancel(orders[20]!.orderId, "someone-else")).status).toBe(404);
      expect((await api.orderStatus(orders[20]!.orderId, "someone-else")).status).toBe(404);

      // An id of this sale that is in neither Redis nor MySQL may belong to an order the rebuild will honour: 503.
      const madeUp = `${saleId}.1.AAAAAAAAAAAA`;
      const unknown = await api.pay(event(madeUp));
      expect([unknown.status, unknown.body.error.code]).toEqual([503, "UNAVAILABLE"]);
      expect(Number(unknown.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await api.orderStatus(madeUp, "fg-x")).status).toBe(503);
      // An id of a sale nobody knows exists nowhere.
      expect((await api.pay(event(`nosuch${rid()}.0.AAAAAAAAAAAA`))).status).toBe(404);

      // Recovery: the sale is rebuilt from the rows; then the made-up id is known not to exist.
      await eventually(
        "sale rebuilt",
        () => api.reconcile(saleId),
        (r) => r.status === 200 && r.body.shardsRebuilt > 0,
        60_000,
      );
      await eventually(
        "sale live again",
        () => api.sale(saleId),
        (r) => r.status === 200 && r.body.status === "LIVE",
      );
      const gone = await api.pay(event(madeUp));
      expect([gone.status, gone.body.error?.code]).toEqual([404, "ORDER_NOT_FOUND"]);
      expect((await api.orderStatus(orders[15]!.orderId, orders[15]!.user)).body.status).toBe("CANCELLED");

      // The auditor: rows, payment events, refunds, outbox events.
      const rows = await rowsOf(saleId);
      const ids = (from: number, to: number) => orders.slice(from, to).map((o) => o.orderId);
      const statusOf = (id: string) => rows.get(id)?.status;
      expect(ids(0, 10).map(statusOf)).toEqual(Array(10).fill("PAID"));
      expect(ids(10, 20).map(statusOf)).toEqual(Array(10).fill("CANCELLED"));
      expect(ids(20, 40).map(statusOf)).toEqual(Array(20).fill("CONFIRMED"));
      const events = await perDatabase(
        "SELECT event_id, order_id, outcome FROM payment_events WHERE order_id IN (?)",
        ids(0, 40),
      );
      expect(events).toHaveLength(2 + 12 + 2);
      expect(new Set(events.map((e) => String(e.event_id))).size).toBe(events.length);
      const refunds = ((await api.refunds(saleId)).body.refunds as { orderId: string; reason: string }[])
        .map((r) => [r.orderId, r.reason])
        .sort();
      expect(refunds).toEqual(
        [
          [orders[0]!.orderId, "DUPLICATE_PAYMENT"],
          [orders[14]!.orderId, "PAID_AFTER_CANCEL"],
        ].sort(),
      );
      const outbox = await perDatabase("SELECT order_id, type FROM order_events WHERE order_id IN (?)", ids(0, 40));
      const typed = (type: string) =>
        outbox
          .filter((e) => e.type === type)
          .map((e) => String(e.order_id))
          .sort();
      expect(typed("ORDER_CONFIRMED")).toEqual(ids(0, 40).sort());
      expect(typed("ORDER_PAID")).toEqual(ids(0, 10).sort());
      expect(typed("ORDER_CANCELLED")).toEqual(ids(10, 20).sort());
      expect(typed("REFUND_REQUIRED")).toEqual([orders[0]!.orderId, orders[14]!.orderId].sort());

      // Units: the 10 cancelled units are back exactly once (the rebuild counted them, the sweeper returns
      // none again), and new buyers get exactly those and the 10 never sold: no oversell.
      const pass = await api.reconcile(saleId);
      expect(pass.body.unitsReturned).toBe(0);
      expect((await api.stats(saleId)).body).toMatchObject({
        stock,
        redisRemaining: 20,
        paid: 10,
        cancelled: 10,
        confirmed: 20,
        refunds: 2,
        drift: 0,
      });
      const later = await pool(
        Array.from({ length: 26 }, (_, i) => i),
        8,
        (i) =>
          api
            .storefront(`later${i}-${rid(3)}`)
            .placeOrder(saleId, { quantity: 1 })
            .then(
              (r) => r.order.orderId,
              (e: { code?: string }) => e.code ?? String(e),
            ),
      );
      expect(later.filter((x) => x === "SOLD_OUT")).toHaveLength(6);
      const after = await eventually(
        "every later order a row",
        () => rowsOf(saleId),
        (rs) => rs.size === 60,
        60_000,
      );
      expect(
        [...after.values()].filter((r) => r.status !== "CANCELLED").reduce((s, r) => s + r.quantity, 0),
        "no oversell",
      ).toBe(stock);
      await api.reconcile(saleId);
      expect((await api.stats(saleId)).body).toMatchObject({ stock, redisRemaining: 0, drift: 0 });
    },
  );

  it(
    "answers from MySQL for good once the sale's keys expired; an id no row has is 404",
    { timeout: 120_000 },
    async () => {
      const saleId = `expired${rid()}`;
      expect((await api.putSale(saleId, { stock: 10, perUserLimit: 1, shards: 2, durationMs: 8000 })).status).toBe(201);
      const orders = await pool([0, 1, 2, 3], 4, () => api.buyOne(saleId, "ex"));
      await eventually(
        "4 rows",
        () => app.repo.countBySale(saleId),
        (c) => c.confirmed === 4,
      );
      const sale = (await app.sales.stored(saleId))!.sale;
      // The sale's end plus the 2 s retention: Redis expires every key of the sale by itself.
      await sleep(Math.max(0, sale.endsAt + 2000 - Date.now()));
      const counters = [app.keys.saleMeta(saleId), app.keys.shard(saleId, 0).stock, app.keys.shard(saleId, 1).stock];
      await eventually(
        "the sale's settings and stock counters expired",
        () => app.redis.exists(...counters),
        (n) => n === 0,
      );
      // The keys the scripts made after warm-up (ledger, buyers) get the same expiry from the sweep loop.
      await forget(saleId);

      const paid = await api.pay(event(orders[0]!.orderId));
      expect([paid.status, paid.body.status]).toEqual([200, "PAID"]);
      const failed = await api.pay(event(orders[1]!.orderId, "FAILED"));
      expect([failed.status, failed.body.status]).toEqual([200, "CANCELLED"]);
      const cancelled = await api.cancel(orders[2]!.orderId, orders[2]!.user);
      expect([cancelled.status, cancelled.body.status]).toEqual([200, "CANCELLED"]);
      const read = await api.orderStatus(orders[3]!.orderId, orders[3]!.user);
      expect([read.status, read.body.status]).toEqual([200, "CONFIRMED"]);
      expect((await api.orderStatus(orders[0]!.orderId, orders[0]!.user)).body.status).toBe("PAID");
      // Nothing can bring a row for an id the sale never had any more.
      const nowhere = await api.pay(event(`${saleId}.0.AAAAAAAAAAAA`));
      expect([nowhere.status, nowhere.body.error?.code]).toEqual([404, "ORDER_NOT_FOUND"]);
      const rows = await rowsOf(saleId);
      expect(orders.map((o) => rows.get(o.orderId)?.status)).toEqual(["PAID", "CANCELLED", "CANCELLED", "CONFIRMED"]);
      // Nothing was written back into the expired sale's Redis state.
      expect(await app.redis.exists(...counters)).toBe(0);
    },
  );

  it(
    "a row the lifecycle writes (a payment before the writer's row) keeps the purchase token: its replay after a rebuild is the same 202",
    { timeout: 120_000 },
    async () => {
      // A gateway without a writer (its own topic: no other process consumes it): the order message waits in
      // the broker while the payment and the cancel write the rows.
      const own = await durableConfig("standalone", {
        sweeper: { intervalMs: 200, persistAfterMs: 600_000, recoveryQuietMs: 1000 },
        admission: { rateLimits: { enabled: false } },
      });
      const { app: gw, api: early } = await startApp(own, { roles: { writer: false, sweeper: false } });
      try {
        const saleId = `tok${rid()}`;
        expect((await early.putSale(saleId, { stock: 5, perUserLimit: 2, shards: 1 })).status).toBe(201);
        const user = `tok-${rid(3)}`;
        const token = await early.token(saleId, user);
        const placed = await early.order(saleId, user, token);
        expect(placed.status).toBe(202);
        const orderId = placed.body.orderId as string;
        const other = await early.order(saleId, user, await early.token(saleId, user));
        expect(other.status).toBe(202);
        expect((await early.pay(event(orderId))).body).toEqual({ orderId, status: "PAID" });
        expect((await early.cancel(other.body.orderId as string, user)).body.status).toBe("CANCELLED");

        await forget(saleId, gw);
        await eventually(
          "sale rebuilt",
          () => early.reconcile(saleId),
          (r) => r.status === 200 && r.body.shardsRebuilt > 0,
          60_000,
        );
        await eventually(
          "sale live again",
          () => early.sale(saleId),
          (r) => r.status === 200 && r.body.status === "LIVE",
        );
        const replay = await early.order(saleId, user, token);
        expect(
          [replay.status, replay.body.orderId, replay.headers.get("idempotent-replayed")],
          JSON.stringify(replay.body),
        ).toEqual([202, orderId, "true"]);
        expect((await early.stats(saleId)).body).toMatchObject({
          stock: 5,
          redisRemaining: 4,
          paid: 1,
          cancelled: 1,
          drift: 0,
        });
      } finally {
        await stopApp(gw, own);
      }
    },
  );
});

import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import type { SaleOrderRef } from "../../src/persistence/order-repository.js";
import { readRecord } from "../../src/reservation/ledger.js";
import { durableConfig, eventually, mysqlProxy, startApp, stopApp, throughProxy } from "../helpers/durable.js";
import { rid, type Api } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

/**
 * The race behind guarantee 9 when Redis loses a sale while MySQL is away from the writer: an order the
 * writer read from the ledger, and is still retrying to insert, loses its record. Its row must not land
 * after the rebuild as if nothing happened (the rebuild put its unit on sale again: an oversell), and the
 * rebuild must not miss it because the writer could not park it in MySQL yet (a lost 202). The writer looks
 * again after each failure, notes the lost order in Redis and parks it; the rebuild honours the note
 * before the sale sells again, and once MySQL is back the order becomes its row.
 */
describe("an order whose record is lost while the writer waits for MySQL", () => {
  let cfg: Config;
  let gateway: GatewayProcess;
  let writer: GatewayProcess | undefined;
  let api: Api;
  let mysql: TcpProxy;

  beforeAll(async () => {
    cfg = await durableConfig("standalone", {
      sweeper: { intervalMs: 200, persistAfterMs: 600_000, recoveryQuietMs: 1500 },
    });
    // The gateway and its sweeper reach MySQL directly; the writer, in a process of its own, through a proxy.
    ({ app: gateway, api } = await startApp(cfg, { roles: { writer: false } }));
    mysql = await mysqlProxy(cfg);
    writer = await GatewayProcess.start(throughProxy(cfg, mysql), {
      roles: { http: false, writer: true, sweeper: false },
    });
  });
  afterAll(async () => {
    mysql.setMode("pass");
    await writer?.close();
    await stopApp(gateway, cfg);
    await mysql.stop();
  });

  it("is noted and honoured by the rebuild, then written: no oversell, no lost 202", { timeout: 90_000 }, async () => {
    const saleId = `lost${rid()}`;
    const stock = 3;
    expect((await api.putSale(saleId, { stock, perUserLimit: 1, shards: 1 })).status).toBe(201);

    // The writer's MySQL is cut; the first buyer is accepted and the writer starts retrying its row.
    mysql.setMode("reset");
    const retries = writer!.writer.stats.retries;
    const first = await api.buyOne(saleId, "first");
    await eventually(
      "the writer retrying",
      async () => writer!.writer.stats.retries,
      (n) => n > retries + 1,
    );
    expect(await readRecord(gateway.redis, gateway.keys, first.orderId)).not.toBeNull();

    // Redis loses every key of the sale (a node that lost its data with no replica to promote).
    const lostKeys: string[] = [];
    for await (const batch of (gateway.redis as Redis).scanStream({ match: `*{${saleId}*`, count: 500 }))
      lostKeys.push(...(batch as string[]));
    expect(lostKeys.length).toBeGreaterThan(2);
    await gateway.redis.del(...lostKeys);

    // The sweeper notices, waits out the quiet period and rebuilds from MySQL, where the order is not yet:
    // only the writer's note in Redis says it was accepted. It is honoured before the sale sells again.
    await eventually(
      "sale live again",
      () => api.sale(saleId),
      (r) => r.status === 200 && r.body.status === "LIVE",
      30_000,
    );
    const honoured = await readRecord(gateway.redis, gateway.keys, first.orderId);
    expect(honoured, "the lost order's record, honoured by the rebuild").toMatchObject({
      state: "reserved",
      userId: first.user,
      quantity: 1,
    });
    expect(await gateway.repo.parkedOf(saleId), "nothing parked in MySQL: the writer cannot reach it").toEqual([]);
    expect(await gateway.repo.getOrder(first.user, first.orderId), "no row yet").toBeNull();

    // New buyers get what is left, and no more.
    const later = [];
    for (let i = 0; i < stock; i++)
      later.push(
        await api
          .storefront(`later${i}-${rid(3)}`)
          .placeOrder(saleId, { quantity: 1 })
          .then(
            (r) => r.order.orderId,
            (e: { code?: string }) => e.code,
          ),
      );
    expect(later.filter((x) => x === "SOLD_OUT")).toHaveLength(1);

    // MySQL comes back: the lost order becomes its row, and the sale holds exactly its stock.
    mysql.setMode("pass");
    await eventually(
      "the lost order's row",
      () => gateway.repo.getOrder(first.user, first.orderId),
      (r) => r?.status === "CONFIRMED",
    );
    const accepted = [first.orderId, ...later.filter((x) => x !== "SOLD_OUT")];
    const rows = await eventually(
      "every 202 a row",
      async () => {
        const rs: SaleOrderRef[] = [];
        for await (const r of gateway.repo.scanSale(saleId)) rs.push(r);
        return rs;
      },
      (rs) => accepted.every((id) => rs.some((r) => r.orderId === id)),
    );
    expect(
      rows.reduce((s, r) => s + r.quantity, 0),
      "no oversell",
    ).toBe(stock);
    expect((await api.reconcile(saleId)).status).toBe(200);
    expect((await api.stats(saleId)).body).toMatchObject({ stock, redisRemaining: 0, drift: 0 });
    expect(await gateway.redis.exists(gateway.keys.lostOrders(saleId)), "the note is dropped once honoured").toBe(0);
  });
});

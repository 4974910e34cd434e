import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { Config } from "../../src/config/schema.js";
import { TransactionResolution } from "../../src/messaging/rocketmq.js";
import { encodeOrders } from "../../src/messaging/order-message.js";
import { routeOrder, tableName } from "../../src/persistence/order-routing.js";
import type { OrderRepository } from "../../src/persistence/order-repository.js";
import { connectServer } from "../persistence/mysql-test-db.js";
import { durableConfig, eventually, spawnGateway, startApp, stopApp, testProducer } from "../helpers/durable.js";
import { Api, MODES, pool, rid, ledgerRecords } from "../helpers/env.js";

describe.each(MODES)("durable orders through RocketMQ into sharded MySQL, Redis %s", (mode) => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  let repo: OrderRepository;

  beforeAll(async () => {
    cfg = await durableConfig(mode);
    ({ app, api, repo } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  const rows = (saleId: string) => repo.countBySale(saleId);

  const ledger = (saleId: string, shards: number) => ledgerRecords(app, saleId, shards);

  it("10x demand: exactly `stock` rows, one per accepted order, each in its routed shard and table", async () => {
    const saleId = `dur${rid()}`;
    const stock = 40;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 8 });
    const users = Array.from({ length: 400 }, (_, i) => `buyer${i}-${rid(2)}`);
    const tokens = await pool(users, 64, (u) => api.token(saleId, u));
    // A 503 (a pull lost to another buyer, or a replica slow to acknowledge on the cluster) is retried with
    // the same key, as the contract tells buyers to.
    const res = await pool(users, 64, async (u, i) => {
      for (let n = 0; ; n++) {
        const r = await api.order(saleId, u, tokens[i]!);
        if (r.status !== 503 || n >= 30) return r;
        await sleep(100);
      }
    });
    const accepted = res.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(stock);
    expect(res.filter((r) => r.status !== 202).every((r) => r.status === 409 && r.body.error.code === "SOLD_OUT")).toBe(
      true,
    );

    await eventually(
      "all rows in MySQL",
      () => rows(saleId),
      (c) => c.total === stock,
      20_000,
    );
    const conn = await connectServer(cfg.mysql);
    try {
      let found = 0;
      for (let db = 0; db < cfg.mysql.shards.length; db++) {
        for (let t = 0; t < cfg.mysql.tablesPerShard; t++) {
          const [list] = (await conn.query(
            `SELECT order_id, user_id, quantity, status FROM \`${cfg.mysql.shards[db]!.database}\`.\`${tableName(t)}\` WHERE sale_id = ?`,
            [saleId],
          )) as unknown as [{ order_id: string; user_id: string; quantity: number; status: string }[]];
          for (const row of list) {
            // Every row sits exactly where the routing function puts its buyer.
            expect(routeOrder(row.user_id, cfg.mysql.shards.length, cfg.mysql.tablesPerShard)).toEqual({
              db,
              table: t,
            });
            expect(row.status).toBe("CONFIRMED");
            found++;
          }
        }
      }
      expect(found).toBe(stock);
    } finally {
      await conn.end();
    }
    const acceptedIds = new Set(accepted.map((r) => r.body.orderId as string));
    const stored = new Set<string>();
    for await (const o of repo.scanSale(saleId)) stored.add(o.orderId);
    expect(stored).toEqual(acceptedIds);

    // Redis agrees: every reservation confirmed, nothing pending, no drift.
    await eventually(
      "confirmed in Redis",
      () => api.stats(saleId),
      (s) => s.body.pending === 0,
    );
    expect((await api.stats(saleId)).body).toMatchObject({
      stock,
      redisRemaining: 0,
      reserved: stock,
      confirmed: stock,
      pending: 0,
      drift: 0,
    });

    // Order status: the owner sees CONFIRMED, anyone else a 404.
    const one = accepted[0]!.body;
    const mine = await api.call("GET", `/v1/orders/${one.orderId}`, { headers: api.buyer(one.userId) });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      orderId: one.orderId,
      saleId,
      userId: one.userId,
      quantity: 1,
      status: "CONFIRMED",
    });
    const theirs = await api.call("GET", `/v1/orders/${one.orderId}`, { headers: api.buyer("someone-else") });
    expect(theirs.status).toBe(404);
    expect(theirs.body.error.code).toBe("ORDER_NOT_FOUND");
  });

  it("a message delivered twice makes one row", async () => {
    const saleId = `dup${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 });
    const r = await api.order(saleId, "dana", await api.token(saleId, "dana"));
    expect(r.status).toBe(202);
    await eventually(
      "row",
      () => rows(saleId),
      (c) => c.total === 1,
    );
    const dupsBefore = app.writer.stats.duplicates;
    // Send the very same order again through the broker, twice, as a redelivery would.
    const producer = await testProducer(cfg, TransactionResolution.COMMIT);
    try {
      for (let i = 0; i < 2; i++) {
        const tx = producer.beginTransaction();
        const body = encodeOrders([
          {
            orderId: r.body.orderId,
            saleId,
            skuId: `sku-${saleId}`,
            userId: "dana",
            quantity: 1,
            reservedAt: Date.now(),
          },
        ]);
        await producer.send({ topic: cfg.rocketmq.orderTopic, keys: [r.body.orderId], body }, tx);
        await tx.commit();
      }
    } finally {
      await producer.shutdown();
    }
    await eventually(
      "redeliveries consumed",
      async () => app.writer.stats.duplicates - dupsBefore,
      (n) => n >= 2,
    );
    expect((await rows(saleId)).total).toBe(1);
    expect((await api.stats(saleId)).body.drift).toBe(0);
  });

  it("pressing again after a 202 answers the stored order from the token, with no new transaction and nothing written", async () => {
    const saleId = `again${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 2, shards: 2 });
    const token = await api.token(saleId, "gail");
    const first = await api.order(saleId, "gail", token);
    expect(first.status).toBe(202);
    const shard = app.keys.shard(saleId, app.reservations.homeShard(app.sales.cached(saleId)!, "gail"));
    const ledgerBefore = await app.redis.hlen(shard.res);
    const stockBefore = await app.redis.get(shard.stock);
    for (let i = 0; i < 5; i++) {
      const again = await api.order(saleId, "gail", token);
      expect(again.status).toBe(202);
      expect(again.body.orderId).toBe(first.body.orderId);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
    }
    // The same key with another quantity is still refused, and moves nothing.
    expect((await api.order(saleId, "gail", token, 2)).body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // Through the reserve script each press would have tombstoned an order id of its own (and sent a half
    // message): the ledger is as the first answer left it.
    expect(await app.redis.hlen(shard.res)).toBe(ledgerBefore);
    expect(await app.redis.get(shard.stock)).toBe(stockBefore);
    await eventually(
      "the one row",
      () => rows(saleId),
      (c) => c.total === 1,
      20_000,
    );
  });

  it("the sweeper gives an ended sale's shard keys the sale's retention", async () => {
    const saleId = `ended${rid()}`;
    await api.putSale(saleId, { stock: 4, perUserLimit: 1, shards: 2, startInMs: -5000, durationMs: 7000 });
    // The end as the gateway's clock set it (a test-side estimate is off by however long the PUT took).
    const { endsAt } = (await app.sales.load(saleId))!;
    await api.buyOne(saleId, "erin");
    const k = [0, 1].map((i) => app.keys.shard(saleId, i));
    const dueWithSale = async (key: string) =>
      Math.abs((await app.redis.pexpiretime(key)) - (endsAt + cfg.sales.retentionSeconds * 1000)) < 1000;
    // The stock counters expire with the sale from warm-up on; the ledger and buyers the reserve script
    // created have no expiry until a pass after the end (the reserve path sets none).
    for (const s of k) expect(await dueWithSale(s.stock), s.stock).toBe(true);
    const created: string[] = [];
    for (const s of k) for (const key of [s.res, s.buyers]) if ((await app.redis.exists(key)) === 1) created.push(key);
    expect(created.length).toBeGreaterThanOrEqual(2);
    for (const key of created) expect(await app.redis.pttl(key), key).toBe(-1);
    await sleep(Math.max(0, endsAt - Date.now()) + 100);
    await app.sweepLoop.sweepAll();
    for (const key of [...k.map((s) => s.stock), ...created]) expect(await dueWithSale(key), key).toBe(true);
  });

  it("a poison message is acknowledged and counted, and does not hold up the orders behind it", async () => {
    const saleId = `poison${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 });
    const poisonBefore = app.writer.stats.poison;
    const producer = await testProducer(cfg, TransactionResolution.COMMIT);
    try {
      for (const body of ["not json", '{"orders": [{"orderId": "x"}]}', '{"orders": []}']) {
        const tx = producer.beginTransaction();
        await producer.send({ topic: cfg.rocketmq.orderTopic, keys: ["poison"], body: Buffer.from(body) }, tx);
        await tx.commit();
      }
    } finally {
      await producer.shutdown();
    }
    const r = await api.order(saleId, "ivan", await api.token(saleId, "ivan"));
    expect(r.status).toBe(202);
    await eventually(
      "the order behind the poison lands",
      () => rows(saleId),
      (c) => c.total === 1,
    );
    await eventually(
      "poison counted",
      async () => app.writer.stats.poison - poisonBefore,
      (n) => n >= 3,
    );
  });

  it("an undecided group message: the back-check commits the reserved order, tombstones the other, one row", async () => {
    const saleId = `grp${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 });
    const sale = (await app.sales.load(saleId))!;
    const svc = app.reservations;
    const a = {
      orderId: svc.newOrderId(sale, "gia"),
      saleId,
      skuId: sale.skuId,
      userId: "gia",
      quantity: 1,
      reservedAt: Date.now(),
    };
    const b = {
      orderId: svc.newOrderId(sale, "hal"),
      saleId,
      skuId: sale.skuId,
      userId: "hal",
      quantity: 1,
      reservedAt: Date.now(),
    };
    // A producer that sends the half message of a group, reserves only the first order, and vanishes.
    const producer = await testProducer(cfg, undefined);
    const tx = producer.beginTransaction();
    await producer.send(
      { topic: cfg.rocketmq.orderTopic, keys: [a.orderId, b.orderId], body: encodeOrders([a, b]) },
      tx,
    );
    const token = await api.token(saleId, "gia");
    expect(
      (await svc.reserve({ sale, userId: "gia", token, quantity: 1, orderId: a.orderId, now: a.reservedAt })).kind,
    ).toBe("reserved");
    await producer.shutdown();
    await eventually(
      "row of the reserved order",
      () => rows(saleId),
      (c) => c.total === 1,
      40_000,
    );
    const recs = await ledger(saleId, 2);
    expect(recs.find((r) => r.orderId === b.orderId)?.state).toBe("tombstone");
    // hal's order id is dead for good: a late reserve with it is refused and takes nothing.
    const late = await svc.reserve({
      sale,
      userId: "hal",
      token: await api.token(saleId, "hal"),
      quantity: 1,
      orderId: b.orderId,
    });
    expect(late.kind).toBe("order_id_taken");
    const stored: string[] = [];
    for await (const o of repo.scanSale(saleId)) stored.push(o.orderId);
    expect(stored).toEqual([a.orderId]);
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 4, confirmed: 1, drift: 0 });
  });

  it.each([
    ["after the reservation", "after-reserve" as const],
    ["before the reservation", "after-half" as const],
  ])(
    "gateway SIGKILLed between half message and commit, %s: the back-check settles it, nothing lost or invented",
    async (_n, crashAt) => {
      const saleId = `crash${rid()}`;
      await api.putSale(saleId, { stock: 3, perUserLimit: 1, shards: 2 });
      const crashing = await spawnGateway(cfg, { crashAt });
      const token = await api.token(saleId, "carl");
      const answer = await crashing.api.order(saleId, "carl", token).catch((e: Error) => e);
      expect(answer).toBeInstanceOf(Error); // the process died before answering
      expect(await crashing.exited).toBe(-1);
      const checksBefore = { ...app.checker.checks };
      if (crashAt === "after-reserve") {
        // The reservation happened: the broker asks our checker, which commits, and the row lands.
        await eventually(
          "row after back-check commit",
          () => rows(saleId),
          (c) => c.total === 1,
          40_000,
        );
        expect(app.checker.checks.commit).toBeGreaterThan(checksBefore.commit);
        // The writer marks the record confirmed just after committing the row: wait for that step too.
        const recs = await eventually(
          "record confirmed after its row",
          () => ledger(saleId, 2),
          (l) => l.some((r) => r.state === "confirmed"),
        );
        expect(recs.filter((r) => r.state === "confirmed")).toHaveLength(1);
        expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 2, confirmed: 1, drift: 0 });
        // The buyer's retry with the same key is the replay of that order, not a second one.
        const retry = await api.order(saleId, "carl", token);
        expect(retry.status).toBe(202);
        expect(retry.headers.get("idempotent-replayed")).toBe("true");
        expect(retry.body.orderId).toBe(recs.find((r) => r.state === "confirmed")!.orderId);
      } else {
        // No reservation: the checker tombstones the order id and rolls back; no row, no stock taken.
        await eventually(
          "tombstone from back-check rollback",
          () => ledger(saleId, 2),
          (l) => l.some((r) => r.state === "tombstone"),
          40_000,
        );
        expect(app.checker.checks.rollback).toBeGreaterThan(checksBefore.rollback);
        expect((await ledger(saleId, 2)).filter((r) => r.state !== "tombstone")).toHaveLength(0);
        expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 3, reserved: 0 });
        // The token was never consumed: the buyer's retry buys.
        const retry = await api.order(saleId, "carl", token);
        expect(retry.status).toBe(202);
        expect(retry.headers.get("idempotent-replayed")).toBeNull();
        await eventually(
          "row of the retry",
          () => rows(saleId),
          (c) => c.total === 1,
        );
      }
      await sleep(1000);
      expect((await rows(saleId)).total).toBe(1);
    },
  );
});

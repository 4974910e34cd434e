import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { MessageView } from "rocketmq-client-nodejs";
import { encodeOrders } from "../../src/messaging/order-message.js";
import { quietLogger, rmq } from "../../src/messaging/rocketmq.js";
import type { SaleOrderRef } from "../../src/persistence/order-repository.js";
import { saleLedger } from "../../src/reservation/ledger.js";
import type { ReserveRequest } from "../../src/reservation/reservation-service.js";
import { startRocketmqInstance, type RocketmqInstance } from "../../stack/rocketmq.js";
import { dropTestDatabases } from "../persistence/mysql-test-db.js";
import { durableConfigOn, eventually, spawnGateway, startApp } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";

/**
 * RocketMQ faults against a private RocketMQ (name server + proxy with its broker, own home, ports and
 * store), so killing it cannot disturb the shared broker other test files use. One instance for the file:
 * short transaction timings, so undecided half messages are checked within seconds, and given up after two
 * checks.
 */
const BROKER_CONF = { transactionTimeOut: 1000, transactionCheckInterval: 2000, transactionCheckMax: 2 };
/** transactionCheckMax while the broker is to give up: two checks, then the half message is discarded. */
const CHECK_MAX = BROKER_CONF.transactionCheckMax;

// The JVMs starting beside the gateway delay its event loop on a 2-core machine; shedding is not under test.
const NO_SHEDDING = { shedding: { enabled: false } };

let broker: RocketmqInstance | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
/** Each test's config (own topics on the private broker, databases, key prefix), prepared together. */
let configs: { killed: Config; givesUp: Config };

beforeAll(async () => {
  const started = Date.now();
  broker = await startRocketmqInstance({ name: `faults-${process.pid}`, brokerConf: BROKER_CONF });
  process.stderr.write(`[rocketmq-faults] private RocketMQ up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  const [killed, givesUp] = await Promise.all([
    // Rows may come only from the gateway's commits and the broker's back-checks: the sweeper would write
    // an unconfirmed reservation only after ten minutes.
    durableConfigOn(broker, { sweeper: { intervalMs: 1000, persistAfterMs: 600_000 }, admission: NO_SHEDDING }),
    // The sweep loop stays out of the way; that test runs the pass itself once the broker has given up.
    durableConfigOn(broker, { sweeper: { intervalMs: 600_000, persistAfterMs: 1000 }, admission: NO_SHEDDING }),
  ]);
  configs = { killed, givesUp };
}, 300_000);

afterAll(async () => {
  await Promise.all(cleanups.map((c) => c().catch(() => {})));
  await broker?.stop();
}, 60_000);

/** A gateway (HTTP, writer, sweeper, back-check) on the private broker; closed and its databases dropped after the file. */
async function gatewayOn(cfg: Config): Promise<{ cfg: Config; app: GatewayProcess; api: Api }> {
  const { app, api } = await startApp(cfg);
  cleanups.push(async () => {
    await app.close();
    await dropTestDatabases(cfg.mysql);
  });
  return { cfg, app, api };
}

async function rowsOf(app: GatewayProcess, saleId: string): Promise<SaleOrderRef[]> {
  const rows: SaleOrderRef[] = [];
  for await (const r of app.repo.scanSale(saleId)) rows.push(r);
  return rows;
}

const isRetryable = (r: { status: number; body: any }) =>
  r.status === 503 || r.status === 429 || r.body?.error?.code === "IDEMPOTENCY_IN_PROGRESS";

describe("RocketMQ faults on a private broker", () => {
  it("the broker gives up checking undecided half messages: the sweeper persists their reservations from the ledger, once", async () => {
    const { cfg, app, api } = await gatewayOn(configs.givesUp);
    // Checks the broker asked, by order id, of every producer of the topic: none of them ever decides.
    const asked = new Map<string, number>();
    const askAgain = async (view: MessageView) => {
      for (const key of view.keys) asked.set(key, (asked.get(key) ?? 0) + 1);
      return undefined as never;
    };
    // A gateway that cannot answer its checks (as when its Redis calls fail) says "ask again", every time.
    app.checker.check = askAgain;
    // The file starts the broker so; another test may have raised it.
    if (broker!.brokerConf().transactionCheckMax !== CHECK_MAX)
      await broker!.updateBrokerConfig({ transactionCheckMax: CHECK_MAX });
    const saleId = `rgive${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 })).status).toBe(201);
    const sale = (await app.sales.load(saleId))!;
    const receivedBefore = app.writer.stats.received;

    // 1. A gateway reserves through HTTP and dies before its commit.
    const crashing = await spawnGateway(cfg, { crashAt: "after-reserve" });
    cleanups.push(async () => crashing.child.kill("SIGKILL"));
    const anaToken = await api.token(saleId, "ana");
    expect(await crashing.api.order(saleId, "ana", anaToken).catch((e: Error) => e)).toBeInstanceOf(Error);
    expect(await crashing.exited).toBe(-1);
    const ana = (await saleLedger(app.redis, app.keys, sale)).find((r) => r.userId === "ana")!;
    expect(ana.state).toBe("reserved");

    // 2. A producer whose checks never answer sends a group of two orders and reserves only the first.
    const producer = new rmq.Producer({
      endpoints: cfg.rocketmq.endpoints,
      namespace: "",
      topics: [cfg.rocketmq.orderTopic],
      logger: quietLogger("test"),
      checker: { check: askAgain },
    });
    await producer.startup();
    cleanups.push(() => producer.shutdown());
    const svc = app.reservations;
    const ben = {
      orderId: svc.newOrderId(sale, "ben"),
      saleId,
      skuId: sale.skuId,
      userId: "ben",
      quantity: 1,
      reservedAt: Date.now(),
    };
    const cy = {
      orderId: svc.newOrderId(sale, "cy"),
      saleId,
      skuId: sale.skuId,
      userId: "cy",
      quantity: 1,
      reservedAt: Date.now(),
    };
    const tx = producer.beginTransaction();
    await producer.send(
      { topic: cfg.rocketmq.orderTopic, keys: [ben.orderId, cy.orderId], body: encodeOrders([ben, cy]) },
      tx,
    );
    const benToken = await api.token(saleId, "ben");
    expect(
      (
        await svc.reserve({
          sale,
          userId: "ben",
          token: benToken,
          quantity: 1,
          orderId: ben.orderId,
          now: ben.reservedAt,
        })
      ).kind,
    ).toBe("reserved");

    // The broker asks, nobody decides, and after transactionCheckMax checks it discards both half messages:
    // it moves them to its TRANS_CHECK_MAX_TIME_TOPIC, where their keys can be looked up.
    const discarded = (key: string) => broker!.admin(["queryMsgByKey", "-t", "TRANS_CHECK_MAX_TIME_TOPIC", "-k", key]);
    await Promise.all(
      // A found key prints a "#Message ID #QID #Offset" header and one line per message.
      [ana.orderId, ben.orderId].map((key) =>
        eventually(
          `half message of ${key} discarded`,
          () => discarded(key),
          (out) => /#Message ID[^\n]*\n\s*[0-9A-F]{16,}\s/.test(out),
          90_000,
        ),
      ),
    );
    // (A check may also have gone to the dead gateway's producer: it counts at the broker, not here.)
    expect((asked.get(ana.orderId) ?? 0) + (asked.get(ben.orderId) ?? 0)).toBeGreaterThan(0);
    expect(await rowsOf(app, saleId)).toHaveLength(0);

    // One sweeper pass writes each reservation from the ledger; the order nobody reserved gets nothing.
    const pass = await api.reconcile(saleId);
    expect(pass.status).toBe(200);
    expect(pass.body).toMatchObject({ ordersPersisted: 2 });
    const again = await api.reconcile(saleId);
    expect(again.body).toMatchObject({ ordersPersisted: 0, rowsRestored: 0 });
    const rows = await rowsOf(app, saleId);
    expect(rows.map((r) => r.orderId).sort()).toEqual([ana.orderId, ben.orderId].sort());
    const ledger = await saleLedger(app.redis, app.keys, sale);
    expect(
      ledger
        .filter((r) => r.state !== "tombstone")
        .map((r) => [r.orderId, r.state])
        .sort(),
    ).toEqual(
      [
        [ana.orderId, "confirmed"],
        [ben.orderId, "confirmed"],
      ].sort(),
    );
    expect(ledger.find((r) => r.orderId === cy.orderId)?.state ?? "none").not.toMatch(/reserved|confirmed|paid/);
    expect((await api.stats(saleId)).body).toMatchObject({
      stock: 5,
      redisRemaining: 3,
      reserved: 2,
      pending: 0,
      confirmed: 2,
      drift: 0,
    });

    // ana retries with her key: the order she reserved, not a second one.
    const retry = await api.order(saleId, "ana", anaToken);
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(retry.body.orderId).toBe(ana.orderId);
    // Nothing was delivered to the writer: the discarded messages are gone for good.
    await sleep(2000);
    expect(app.writer.stats.received).toBe(receivedBefore);
    expect(await rowsOf(app, saleId)).toHaveLength(2);
  }, 300_000);

  it("proxy and broker killed with kill -9 between a half message and its commit, mid-flood: every reservation ends as exactly one row, retries replay", async () => {
    const { app, api } = await gatewayOn(configs.killed);
    const saleId = `rkill${rid()}`;
    const stock = 60;
    expect((await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 })).status).toBe(201);
    const users = Array.from({ length: 240 }, (_, i) => `b${i}-${rid(2)}`);
    const tokens = await pool(users, 32, (u) => api.token(saleId, u));

    // The JVM dies inside the reservation of the 20th order: that order's group has its half message at the
    // broker and its reservations in Redis, and its commit can only fail. Other groups are at every other
    // step of the hand-off at that moment.
    const reserve = app.reservations.reserve.bind(app.reservations);
    let reservations = 0;
    let killed = false;
    app.reservations.reserve = async (req: ReserveRequest) => {
      if (++reservations === 20) {
        broker!.kill("broker");
        killed = true;
        await sleep(300); // the process is gone before this group's commit is attempted
      }
      return reserve(req);
    };
    const first = await pool(users, 24, (u, i) => api.order(saleId, u, tokens[i]!));
    app.reservations.reserve = reserve;
    expect(killed).toBe(true);
    for (const r of first) expect([202, 409, 503], JSON.stringify(r.body)).toContain(r.status);
    // The killed group's buyers were told their order is reserved but not yet handed off.
    const handOffUnknown = users.filter(
      (_, i) => first[i]!.status === 503 && /reserved, hand-off not yet confirmed/.test(first[i]!.body.error.message),
    );
    expect(handOffUnknown.length).toBeGreaterThan(0);
    const checksBefore = app.checker.checks.commit;

    const restartedAt = Date.now();
    // After the restart the broker must keep asking until the gateway's producer is back (grpc-js backs off
    // reconnecting, up to tens of seconds), or the sweeper, not the back-check, would write the rows.
    await broker!.start({ transactionCheckMax: 15 });
    process.stderr.write(`[rocketmq-faults] broker restarted in ${((Date.now() - restartedAt) / 1000).toFixed(1)} s\n`);

    // Every buyer who got an error retries with the same key until the answer is clean.
    const final = [...first];
    const answered = new Map<string, string>(); // user → the order id of their 202s, which never changes
    const note = (u: string, r: { status: number; body: any }) => {
      if (r.status !== 202) return;
      const prev = answered.get(u);
      if (prev !== undefined) expect(r.body.orderId, `${u} got two different orders`).toBe(prev);
      answered.set(u, r.body.orderId as string);
    };
    users.forEach((u, i) => note(u, first[i]!));
    await eventually(
      "a clean answer for every retrying buyer",
      async () => {
        const open = users.flatMap((u, i) => (isRetryable(final[i]!) ? [i] : []));
        await pool(open, 16, async (i) => {
          final[i] = await api.order(saleId, users[i]!, tokens[i]!);
          note(users[i]!, final[i]!);
        });
        return open.length;
      },
      (open) => open === 0,
      120_000,
    );
    for (const u of handOffUnknown) {
      const r = final[users.indexOf(u)]!;
      expect(r.status, `${u}: ${JSON.stringify(r.body)}`).toBe(202);
      expect(r.headers.get("idempotent-replayed")).toBe("true");
    }
    for (const r of final) {
      expect([202, 409], JSON.stringify(r.body)).toContain(r.status);
      if (r.status === 409) expect(r.body.error.code).toBe("SOLD_OUT");
    }
    // A second try of a 202 is its replay, with the same order.
    await pool(
      users.filter((u) => answered.has(u)),
      16,
      async (u) => {
        const r = await api.order(saleId, u, tokens[users.indexOf(u)]!);
        expect(r.status).toBe(202);
        expect(r.headers.get("idempotent-replayed")).toBe("true");
        expect(r.body.orderId).toBe(answered.get(u));
      },
    );

    // Demand remained, so the whole stock sold, each unit to one buyer with a 202.
    const accepted = new Set(answered.values());
    expect(accepted.size).toBe(stock);
    const sale = (await app.sales.load(saleId))!;
    const rows = await eventually(
      "a row for every accepted order",
      () => rowsOf(app, saleId),
      (rs) => rs.length >= stock,
      90_000,
    );
    // The back-check settled the killed group after the restart (the gateway's commit never arrived).
    expect(app.checker.checks.commit).toBeGreaterThan(checksBefore);

    // Rows are exactly the accepted orders: none lost, none invented, none twice, one per buyer.
    await sleep(1000);
    const after = await rowsOf(app, saleId);
    expect(after.length).toBe(stock);
    expect(new Set(after.map((r) => r.orderId))).toEqual(accepted);
    expect(new Set(after.map((r) => r.userId)).size).toBe(stock);
    for (const r of after) expect(answered.get(r.userId)).toBe(r.orderId);
    expect(rows.length).toBe(stock);
    // The ledger holds the same orders, no other reservation, and no unit twice.
    const live = (await saleLedger(app.redis, app.keys, sale)).filter((r) => r.state !== "tombstone");
    expect(new Set(live.map((r) => r.orderId))).toEqual(accepted);
    expect(live.reduce((n, r) => n + r.quantity, 0)).toBe(stock);

    const pass = await api.reconcile(saleId);
    expect(pass.status).toBe(200);
    expect(pass.body).toMatchObject({ ordersPersisted: 0, rowsRestored: 0, recordsRestored: 0 });
    expect((await api.stats(saleId)).body).toMatchObject({
      stock,
      redisRemaining: 0,
      reserved: stock,
      pending: 0,
      confirmed: stock,
      drift: 0,
    });
  }, 300_000);

  it("a payment timer the broker took before kill -9 fires after the restart (the timer wheel's flush interval loses none)", async () => {
    // broker.conf flushes the timer wheel every 10 s. Here not at all from just before the timers to the kill
    // (the flush loop reads the interval before each wait: the one running ends within 10 s), so the broker
    // must rebuild the wheel from its timer log. Four timers, sent 0.5-3 s before the kill.
    await broker!.updateBrokerConfig({ timerFlushIntervalMs: 600_000 });
    await sleep(10_500);
    const tag = rid(4);
    const topic = `fs-test-timers-kill-${tag}`;
    const group = `fs-test-timers-kill-${tag}`;
    await broker!.ensureTopic(topic, "DELAY", 60_000);
    const common = { endpoints: broker!.endpoints, namespace: "", requestTimeout: 3000 };
    const producer = new rmq.Producer({ ...common, topics: [topic], logger: quietLogger("timer-kill") });
    await producer.startup();
    const due = Date.now() + 12_000;
    const sent: string[] = [];
    for (let i = 0; i < 4; i++) {
      const body = `timer-${i}-${tag}`;
      await producer.send({ topic, tag: "t", deliveryTimestamp: new Date(due + i * 500), body: Buffer.from(body) });
      sent.push(body);
      await sleep(800);
    }
    // The producer stays up through the kill, as a gateway's does: a client shut down before it would leave
    // its telemetry stream's connection error with no listener (an uncaught exception in the test run).
    broker!.kill("broker");
    await broker!.start({ timerFlushIntervalMs: 10_000 });
    const got = new Map<string, number>();
    const listen = async () => {
      const c = new rmq.PushConsumer({
        ...common,
        consumerGroup: group,
        subscriptions: new Map([[topic, "*"]]),
        messageListener: {
          consume: async (view: MessageView) => {
            if (!got.has(view.body.toString())) got.set(view.body.toString(), Date.now());
            return rmq.ConsumeResult.SUCCESS;
          },
        },
        logger: quietLogger("timer-kill"),
      });
      try {
        await c.startup();
      } catch (err) {
        await c.shutdown().catch(() => {});
        throw err;
      }
      return c;
    };
    // The restarted broker registers its routes with the name server a few seconds after its port opens.
    const consumer = await eventually(
      "a consumer started against the restarted broker",
      () => listen().catch(() => null),
      (c) => c !== null,
      60_000,
    );
    try {
      await eventually(
        "every timer delivered after the restart",
        async () => got.size,
        (n) => n === sent.length,
        90_000,
      );
      expect([...got.keys()].sort()).toEqual(sent);
      // None came before its time (the broker's precision is 1 s).
      sent.forEach((b, i) => expect(got.get(b)!).toBeGreaterThanOrEqual(due + i * 500 - 1000));
    } finally {
      await consumer!.shutdown().catch(() => {});
      await producer.shutdown().catch(() => {});
    }
  }, 180_000);
});

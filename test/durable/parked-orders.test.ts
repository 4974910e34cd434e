import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { encodeOrders } from "../../src/messaging/order-message.js";
import { TransactionResolution } from "../../src/messaging/rocketmq.js";
import { ledgerOf, parseLedgerRecord } from "../../src/reservation/ledger.js";
import { durableConfig, eventually, stopApp, testProducer } from "../helpers/durable.js";
import { Api, apiFor, rid } from "../helpers/env.js";

/**
 * A committed order the Redis ledger does not know is evidence of a lost reservation: the writer parks it
 * (a table, a metric, a log line) instead of acknowledging it away, and the sweeper settles it from MySQL,
 * the ledger and the purchase token.
 */
describe("orders parked by the writer, settled by the sweeper", () => {
  let cfg: Config;
  let gateway: GatewayProcess;
  let writer: GatewayProcess | undefined;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig("standalone", {
      sweeper: { intervalMs: 600_000, persistAfterMs: 60_000, leaseMs: 5000 },
    });
    // The HTTP side only: messages wait in the broker until a test starts the writer.
    gateway = await GatewayProcess.start(cfg, { port: 0, roles: { writer: false, sweeper: false } });
    api = apiFor(gateway, cfg);
  });
  afterAll(async () => {
    await writer?.close();
    await stopApp(gateway, cfg);
  });

  const startWriter = async () =>
    (writer ??= await GatewayProcess.start(cfg, { roles: { http: false, writer: true, sweeper: false } }));
  const parked = async (saleId: string) => (await gateway.repo.parkedOf(saleId)) as { orderId: string }[];

  it("a reservation whose ledger record was lost is parked, then restored and written from its token", async () => {
    const saleId = `prk${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 1 });
    const user = `p-${rid(3)}`;
    const order = await api.order(saleId, user, await api.token(saleId, user));
    expect(order.status).toBe(202);
    const orderId = order.body.orderId as string;
    const shard = ledgerOf(gateway.keys, orderId)!;
    // Redis loses the record (as a primary that failed before replicating would); the token survives here.
    expect(await gateway.redis.hdel(shard.res, orderId)).toBe(1);
    const w = await startWriter();
    await eventually(
      "parked",
      () => parked(saleId),
      (p) => p.some((o) => o.orderId === orderId),
    );
    expect(w.writer.stats.parked).toBeGreaterThanOrEqual(1);
    expect(await gateway.repo.getOrder(user, orderId)).toBeNull();
    const report = (await api.reconcile(saleId)).body;
    expect(report).toMatchObject({ parkedSettled: 1, parkedOpen: 0 });
    await eventually(
      "row written",
      () => gateway.repo.getOrder(user, orderId),
      (r) => r?.status === "CONFIRMED",
    );
    expect(parseLedgerRecord(orderId, (await gateway.redis.hget(shard.res, orderId))!)?.state).toBe("confirmed");
    expect(await parked(saleId)).toEqual([]);
    expect((await api.stats(saleId)).body).toMatchObject({ stock: 5, redisRemaining: 4, reserved: 1, drift: 0 });
  });

  it("an order whose token says it never reserved is settled as not reserved: no row, a tombstone, the token still buys", async () => {
    const saleId = `prk${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 1 });
    const user = `n-${rid(3)}`;
    const token = await api.token(saleId, user);
    const orderId = `${saleId}.0.${rid(6).slice(0, 12)}`;
    const unknownOrder = `${saleId}.0.${rid(6).slice(0, 12)}`;
    await startWriter();
    const producer = await testProducer(cfg, TransactionResolution.COMMIT);
    try {
      const tx = producer.beginTransaction();
      const base = { saleId, skuId: `sku-${saleId}`, quantity: 1, reservedAt: Date.now() };
      await producer.send(
        {
          topic: cfg.rocketmq.orderTopic,
          keys: [orderId, unknownOrder],
          body: encodeOrders([
            { ...base, orderId, userId: user, token },
            { ...base, orderId: unknownOrder, userId: `x-${rid(3)}` },
          ]),
        },
        tx,
      );
      await tx.commit();
    } finally {
      await producer.shutdown();
    }
    await eventually(
      "both parked",
      () => parked(saleId),
      (p) => p.length === 2,
    );
    const report = (await api.reconcile(saleId)).body;
    // The order without a token cannot be decided: it stays parked for an operator, and the sale is not settled.
    expect(report).toMatchObject({ parkedSettled: 1, parkedOpen: 1, settled: false });
    expect((await parked(saleId)).map((o) => o.orderId)).toEqual([unknownOrder]);
    expect(await gateway.repo.getOrder(user, orderId)).toBeNull();
    const shard = ledgerOf(gateway.keys, orderId)!;
    expect(parseLedgerRecord(orderId, (await gateway.redis.hget(shard.res, orderId))!)?.state).toBe("tombstone");
    const bought = await api.order(saleId, user, token);
    expect(bought.status).toBe(202);
    expect(bought.body.orderId).not.toBe(orderId);
  });

  it("a row the writer had to drop (malformed) is not marked confirmed: its reservation stays open for the sweeper", async () => {
    const w = await startWriter();
    const saleId = `drp${rid()}`;
    await api.putSale(saleId, { stock: 2, perUserLimit: 1, shards: 1 });
    const sale = (await gateway.sales.load(saleId))!;
    const user = `m-${rid(3)}`;
    const token = await api.token(saleId, user);
    const out = await gateway.reservations.reserve({ sale, userId: user, token, quantity: 1 });
    expect(out.kind).toBe("reserved");
    const orderId = (out as { orderId: string }).orderId;
    const poisonBefore = w.writer.stats.poison;
    const producer = await testProducer(cfg, TransactionResolution.COMMIT);
    try {
      const tx = producer.beginTransaction();
      // The ledger knows the order (same buyer, same quantity), but the row cannot be stored: a 65-character SKU.
      await producer.send(
        {
          topic: cfg.rocketmq.orderTopic,
          keys: [orderId],
          body: encodeOrders([
            { orderId, saleId, skuId: "s".repeat(65), userId: user, quantity: 1, reservedAt: Date.now() },
          ]),
        },
        tx,
      );
      await tx.commit();
    } finally {
      await producer.shutdown();
    }
    await eventually(
      "dropped as poison",
      async () => w.writer.stats.poison,
      (n) => n > poisonBefore,
    );
    expect(await gateway.repo.getOrder(user, orderId)).toBeNull();
    const shard = ledgerOf(gateway.keys, orderId)!;
    expect(parseLedgerRecord(orderId, (await gateway.redis.hget(shard.res, orderId))!)?.state).toBe("reserved");
    expect(await gateway.redis.zscore(shard.open, orderId)).not.toBeNull();
  });
});

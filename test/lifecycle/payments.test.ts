import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import type { RowDataPacket } from "mysql2/promise";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { Api, apiFor, pool, rid } from "../helpers/env.js";

/**
 * Payment callbacks against real Redis, RocketMQ and MariaDB: signed, applied once per event however
 * often and however concurrently it is delivered, before or after the order writer, and every refund the
 * contract owes recorded exactly once.
 */
describe("payment callbacks", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig();
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  const buy = (saleId: string) => api.buyOne(saleId, "payer");

  async function newSale(stock: number, perUserLimit = 2): Promise<string> {
    const saleId = `pay${rid()}`;
    expect((await api.putSale(saleId, { stock, perUserLimit, shards: 1 })).status).toBe(201);
    return saleId;
  }

  /** Payment event rows of an order, straight from its shard database. */
  async function eventRows(user: string, orderId: string): Promise<RowDataPacket[]> {
    const { pool } = app.shards.forUser(user);
    const [rows] = await pool.query<RowDataPacket[]>(
      "SELECT event_id, status, outcome FROM payment_events WHERE order_id = ?",
      [orderId],
    );
    return rows;
  }

  const statusOf = async (orderId: string, user: string) =>
    (await api.orderStatus(orderId, user)).body.status as string;

  it("the same eventId delivered 20 times at once is applied once; the other deliveries replay its answer", async () => {
    const saleId = await newSale(5);
    const { orderId, user } = await buy(saleId);
    await eventually(
      "row written",
      () => statusOf(orderId, user),
      (s) => s === "CONFIRMED",
    );
    const event = { eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" as const };
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.pay(event)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.every((a) => a.body.status === "PAID")).toBe(true);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(19);
    expect(await eventRows(user, orderId)).toHaveLength(1);
    expect(await statusOf(orderId, user)).toBe("PAID");
    // A later redelivery is a replay too, and the same id with another body is refused.
    const again = await api.pay(event);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await api.pay({ ...event, status: "FAILED" })).body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await statusOf(orderId, user)).toBe("PAID");
    expect((await api.refunds(saleId)).body.refunds).toEqual([]);
  });

  it("one eventId is applied once across every shard database, even delivered for orders of both at once", async () => {
    // Buyers land in a database by a hash of their id: enough stock that two in one and one in the other
    // are always found (12 ran out once in a few hundred runs).
    const saleId = await newSale(60, 1);
    const byDb = new Map<number, { orderId: string; user: string }[]>();
    while ((byDb.get(0)?.length ?? 0) < 2 || (byDb.get(1)?.length ?? 0) < 1) {
      const o = await buy(saleId);
      const db = app.shards.forUser(o.user).db;
      byDb.set(db, [...(byDb.get(db) ?? []), o]);
    }
    const [a, c] = byDb.get(0)!;
    const [b] = byDb.get(1)!;
    for (const o of [a!, b!, c!])
      await eventually(
        "row written",
        () => statusOf(o.orderId, o.user),
        (s) => s === "CONFIRMED",
      );
    const eventId = `ev-${rid()}`;
    const deliveries = [...Array(8).fill(a!), ...Array(8).fill(b!), ...Array(4).fill(c!)].sort(
      () => Math.random() - 0.5,
    );
    const answers = await Promise.all(
      deliveries.map((o) => api.pay({ eventId, orderId: o.orderId, status: "SUCCEEDED" })),
    );
    // Exactly one order took the event: all its deliveries 200 PAID (one first answer, the rest replays);
    // every delivery naming another order is 422, whichever database that order lives in.
    const winners = new Set(deliveries.filter((_, i) => answers[i]!.status === 200).map((o) => o.orderId));
    expect(winners.size, JSON.stringify(answers.map((r) => [r.status, r.body]))).toBe(1);
    const winner = [...winners][0]!;
    deliveries.forEach((o, i) => {
      const r = answers[i]!;
      if (o.orderId === winner) expect([r.status, r.body.status]).toEqual([200, "PAID"]);
      else expect([r.status, r.body.error?.code]).toEqual([422, "IDEMPOTENCY_KEY_REUSED"]);
    });
    expect(answers.filter((r) => r.status === 200 && r.headers.get("idempotent-replayed") !== "true")).toHaveLength(1);
    const statuses = await Promise.all([a!, b!, c!].map((o) => statusOf(o.orderId, o.user)));
    expect(statuses.filter((s) => s === "PAID")).toHaveLength(1);
    expect(statuses.filter((s) => s === "CONFIRMED")).toHaveLength(2);
    const events = await Promise.all(
      app.shards
        .databases()
        .map(
          async ({ pool: p }) =>
            (await p.query<RowDataPacket[]>("SELECT order_id FROM payment_events WHERE event_id = ?", [eventId]))[0],
        ),
    );
    expect(events.flat().map((r) => String(r.order_id))).toEqual([winner]);
    // Later: the same id for a loser (either database) or with another status is still refused.
    for (const o of [a!, b!, c!].filter((x) => x.orderId !== winner))
      expect((await api.pay({ eventId, orderId: o.orderId, status: "SUCCEEDED" })).status).toBe(422);
    expect((await api.pay({ eventId, orderId: winner, status: "FAILED" })).body.error.code).toBe(
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect((await api.refunds(saleId)).body.refunds).toEqual([]);
  });

  it("a bad, missing or stale signature, or a body changed after signing, is 401 and records nothing", async () => {
    const saleId = await newSale(5);
    const { orderId, user } = await buy(saleId);
    const raw = JSON.stringify({ eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" });
    const post = (headers: Record<string, string>, body = raw) =>
      api.call("POST", "/v1/payments/callback", {
        headers: { "content-type": "application/json", ...headers },
        raw: body,
      });
    const altered = raw.replace("SUCCEEDED", "FAILED");
    const tolerance = cfg.payments.signatureToleranceSeconds * 1000;
    const plain = api.signPayment(raw, null);
    const stale = await post({ "x-signature": api.signPayment(raw, Date.now() - tolerance - 60_000) });
    expect(stale.body.error.message).toMatch(/stale/);
    const cases = [
      await post({}),
      await post({ "x-signature": "sha256=" + "0".repeat(64) }),
      await post({ "x-signature": plain.replace("sha256=", "sha1=") }),
      await post({ "x-signature": plain.toUpperCase() }),
      await post({ "x-signature": plain }, altered),
      await post({ "x-signature": plain + "00" }),
      await post({ "x-signature": api.signPayment(raw) }, altered),
      // A timestamp outside the tolerance either way, or one the HMAC does not cover.
      stale,
      await post({ "x-signature": api.signPayment(raw, Date.now() + tolerance + 60_000) }),
      await post({ "x-signature": `t=${Math.floor(Date.now() / 1000)},${plain}` }),
      await post({ "x-signature": api.signPayment(raw).replace(/^t=(\d+)/, (_, t: string) => `t=${Number(t) - 1}`) }),
    ];
    for (const r of cases) expect([r.status, r.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    expect(await eventRows(user, orderId)).toHaveLength(0);
    expect(["RESERVED", "CONFIRMED"]).toContain(await statusOf(orderId, user));
    // Both forms of a good signature are taken: timestamped within the tolerance, and the contract's plain one.
    expect((await post({ "x-signature": api.signPayment(raw, Date.now() - tolerance / 2) })).body.status).toBe("PAID");
    const plainRaw = JSON.stringify({ eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" });
    expect((await post({ "x-signature": api.signPayment(plainRaw, null) }, plainRaw)).body.status).toBe("PAID");
  });

  it("a payment that arrives before the order writer wrote the row still ends PAID, with one row", async () => {
    // A gateway without a writer: the order message waits in the broker while the payment arrives.
    const gwOnly = await GatewayProcess.start(
      { ...cfg, rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, enabled: false } } },
      { port: 0, roles: { writer: false, sweeper: false } },
    );
    try {
      await app.close();
      const early = apiFor(gwOnly, cfg);
      const saleId = `pay${rid()}`;
      expect((await early.putSale(saleId, { stock: 3, perUserLimit: 1, shards: 1 })).status).toBe(201);
      const user = `early-${rid(3)}`;
      const order = await early.order(saleId, user, await early.token(saleId, user));
      expect(order.status).toBe(202);
      const orderId = order.body.orderId as string;
      expect((await early.orderStatus(orderId, user)).body.status).toBe("RESERVED");
      const paid = await early.pay({ eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" });
      expect(paid.body).toEqual({ orderId, status: "PAID" });
      // The writer comes back and consumes the order message: a no-op on the existing row.
      ({ app, api } = await startApp(cfg));
      await eventually(
        "ledger marked paid, nothing pending",
        () => api.stats(saleId),
        (s) => s.body.pending === 0 && s.body.paid === 1,
      );
      const stats = (await api.stats(saleId)).body;
      expect(stats).toMatchObject({ stock: 3, reserved: 1, paid: 1, confirmed: 0, cancelled: 0, drift: 0 });
      expect(stats.mysql.total).toBe(1);
      expect(await statusOf(orderId, user)).toBe("PAID");
    } finally {
      await gwOnly.close();
    }
  });

  it("FAILED cancels the order and returns its units exactly once; the units sell again", async () => {
    const saleId = await newSale(1, 1);
    const { orderId, user } = await buy(saleId);
    const late = `late-${rid(3)}`;
    const lateToken = await api.token(saleId, late);
    expect((await api.order(saleId, late, lateToken)).body.error.code).toBe("SOLD_OUT");
    const failed = { eventId: `ev-${rid()}`, orderId, status: "FAILED" as const };
    const answers = await Promise.all([
      api.pay(failed),
      api.pay(failed),
      api.pay({ ...failed, eventId: `ev-${rid()}` }),
    ]);
    expect(answers.map((a) => a.body.status)).toEqual(["CANCELLED", "CANCELLED", "CANCELLED"]);
    expect(await statusOf(orderId, user)).toBe("CANCELLED");
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 1, reserved: 0, cancelled: 1, drift: 0 });
    // The buyer still trying buys the returned unit (a new token: the first one stored SOLD_OUT).
    const again = await api.order(saleId, late, await api.token(saleId, late));
    expect(again.status).toBe(202);
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 0, reserved: 1 });
  });

  it("a payment for a cancelled order is 409 ORDER_CANCELLED with exactly one PAID_AFTER_CANCEL refund", async () => {
    const saleId = await newSale(2);
    const { orderId, user } = await buy(saleId);
    expect((await api.cancel(orderId, user)).body).toEqual({ orderId, status: "CANCELLED" });
    const event = { eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" as const };
    const answers = await Promise.all(Array.from({ length: 5 }, () => api.pay(event)));
    for (const a of answers) expect([a.status, a.body.error.code]).toEqual([409, "ORDER_CANCELLED"]);
    expect(answers.filter((a) => a.headers.get("idempotent-replayed") === "true")).toHaveLength(4);
    const refunds = (await api.refunds(saleId)).body.refunds;
    expect(refunds).toEqual([
      { orderId, eventId: event.eventId, reason: "PAID_AFTER_CANCEL", recordedAt: expect.any(String) },
    ]);
    expect(await statusOf(orderId, user)).toBe("CANCELLED");
    expect((await api.stats(saleId)).body).toMatchObject({ refunds: 1, reserved: 0, redisRemaining: 2 });
  });

  it("a second, different successful payment for a PAID order stays PAID and records one DUPLICATE_PAYMENT refund", async () => {
    const saleId = await newSale(2);
    const { orderId, user } = await buy(saleId);
    expect((await api.pay({ eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" })).body.status).toBe("PAID");
    const second = { eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" as const };
    const [a, b] = await Promise.all([api.pay(second), api.pay(second)]);
    expect([a.body.status, b.body.status]).toEqual(["PAID", "PAID"]);
    // FAILED for a paid order changes nothing.
    expect((await api.pay({ eventId: `ev-${rid()}`, orderId, status: "FAILED" })).body.status).toBe("PAID");
    const refunds = (await api.refunds(saleId)).body.refunds as { reason: string; eventId: string }[];
    expect(refunds.map((r) => [r.reason, r.eventId])).toEqual([["DUPLICATE_PAYMENT", second.eventId]]);
    expect(await statusOf(orderId, user)).toBe("PAID");
    expect((await eventRows(user, orderId)).map((r) => String(r.outcome)).sort()).toEqual(["PAID", "PAID", "PAID"]);
  });

  it("an unknown order is 404 and records nothing; malformed callbacks are 400", async () => {
    const saleId = await newSale(2);
    const ghost = `${saleId}.0.AAAAAAAAAAAA`;
    expect((await api.pay({ eventId: `ev-${rid()}`, orderId: ghost, status: "SUCCEEDED" })).body.error.code).toBe(
      "ORDER_NOT_FOUND",
    );
    const bad = [
      { eventId: "", orderId: ghost, status: "SUCCEEDED" },
      { eventId: "x".repeat(129), orderId: ghost, status: "SUCCEEDED" },
      { eventId: "ok", orderId: "not an order", status: "SUCCEEDED" },
      { eventId: "ok", orderId: ghost, status: "PENDING" },
      { eventId: "ok", orderId: ghost, status: "SUCCEEDED", amount: 5 },
      { eventId: 7, orderId: ghost, status: "SUCCEEDED" },
    ];
    for (const body of bad) {
      const raw = JSON.stringify(body);
      const r = await api.call("POST", "/v1/payments/callback", {
        headers: { "content-type": "application/json", "x-signature": api.signPayment(raw) },
        raw,
      });
      expect([r.status, r.body.error.code], raw).toEqual([400, "INVALID_REQUEST"]);
    }
  });

  it("many orders paid concurrently, each once: every order PAID, no refund, drift 0", async () => {
    const saleId = await newSale(30, 1);
    const orders = await pool(Array.from({ length: 30 }), 10, () => buy(saleId));
    const answers = await pool(orders, 30, (o) =>
      api.pay({ eventId: `ev-${rid()}`, orderId: o.orderId, status: "SUCCEEDED" }),
    );
    expect(
      answers.every((a) => a.status === 200 && a.body.status === "PAID"),
      JSON.stringify(answers.filter((a) => a.status !== 200).map((a) => a.body)),
    ).toBe(true);
    await eventually(
      "all paid in both stores",
      () => api.stats(saleId),
      (s) => s.body.paid === 30 && s.body.redis.paid === 30 && s.body.pending === 0,
    );
    expect((await api.stats(saleId)).body).toMatchObject({
      stock: 30,
      reserved: 30,
      paid: 30,
      unpaid: 0,
      refunds: 0,
      drift: 0,
    });
  });

  it("the operators' order read (GET /v1/admin/orders/{orderId}) shows its payment events and the refund owed", async () => {
    const saleId = await newSale(5);
    const { orderId, user } = await buy(saleId);
    await eventually(
      "row written",
      () => statusOf(orderId, user),
      (s) => s === "CONFIRMED",
    );
    const read = () => api.call("GET", `/v1/admin/orders/${orderId}`, { headers: api.admin() });
    expect((await read()).body).toMatchObject({ orderId, status: "CONFIRMED", payments: [], refunds: [] });
    const first = { eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" as const };
    const second = { eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" as const };
    expect((await api.pay(first)).body.status).toBe("PAID");
    expect((await api.pay(second)).body.status).toBe("PAID");
    const r = await read();
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ orderId, saleId, userId: user, quantity: 1, status: "PAID" });
    expect(r.body.payments).toHaveLength(2);
    expect(r.body.payments).toEqual(
      expect.arrayContaining([
        { eventId: first.eventId, status: "SUCCEEDED", outcome: "PAID", receivedAt: expect.any(String) },
        { eventId: second.eventId, status: "SUCCEEDED", outcome: "PAID", receivedAt: expect.any(String) },
      ]),
    );
    expect(r.body.refunds).toEqual([
      { eventId: second.eventId, reason: "DUPLICATE_PAYMENT", recordedAt: expect.any(String) },
    ]);
    expect(Date.parse(r.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(r.body.createdAt));
  });
});

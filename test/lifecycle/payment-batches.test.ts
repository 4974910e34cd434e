import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RowDataPacket } from "mysql2/promise";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { OrderAction } from "../../src/orders/order-state.js";
import {
  OrderTransitions,
  type OrderFacts,
  type PaymentRecord,
  type TransitionResult,
} from "../../src/orders/order-transitions.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { Api, pool, rid } from "../helpers/env.js";

type Step = { eventId: string; status: "SUCCEEDED" | "FAILED"; body?: string };

/**
 * What each order of a set is sent, in order. One script per kind of race a batch must keep apart:
 * a redelivery, a second payment (refund), a failure then a payment (refund after cancel), an event id
 * reused with another body, a FAILED for a paid order.
 */
const SCRIPTS: Step[][] = [
  [{ eventId: "a", status: "SUCCEEDED" }],
  [
    { eventId: "a", status: "SUCCEEDED" },
    { eventId: "a", status: "SUCCEEDED" },
  ],
  [
    { eventId: "a", status: "SUCCEEDED" },
    { eventId: "b", status: "SUCCEEDED" },
    { eventId: "b", status: "SUCCEEDED" },
  ],
  [
    { eventId: "a", status: "FAILED" },
    { eventId: "b", status: "SUCCEEDED" },
    { eventId: "a", status: "FAILED" },
  ],
  [
    { eventId: "a", status: "SUCCEEDED" },
    { eventId: "a", status: "FAILED" },
    { eventId: "a", status: "SUCCEEDED", body: "another order's" },
  ],
  [
    { eventId: "a", status: "SUCCEEDED" },
    { eventId: "b", status: "FAILED" },
    { eventId: "c", status: "SUCCEEDED" },
  ],
];

/**
 * Payment group commit (transition-batch.ts) against real MariaDB: the same scripts applied one at a time
 * and in batches give the same answers and leave the same rows; hundreds of callbacks in flight together
 * over HTTP, with every race of the contract among them, leave one change per order and its refunds.
 */
describe("payment batches", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig();
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  /** Orders not in Redis (their rows are written from these facts), spread over every database and table. */
  function facts(tag: string, n: number): OrderFacts[] {
    const saleId = `bt${tag}`;
    return Array.from({ length: n }, (_, i) => ({
      orderId: `${saleId}.0.${rid(6)}`,
      saleId,
      skuId: "sku",
      userId: `u${i}-${rid(3)}`,
      quantity: 1,
      reservedAt: Date.now() - 1000,
    }));
  }

  const payment = (o: OrderFacts, s: Step, tag: string): { action: OrderAction; payment: PaymentRecord } => {
    const eventId = `${tag}-${o.orderId}-${s.eventId}`;
    return {
      action: s.status === "SUCCEEDED" ? { kind: "pay", eventId } : { kind: "fail", eventId },
      payment: { eventId, status: s.status, bodySha256: `${s.body ?? o.orderId}/${s.status}` },
    };
  };

  /** The rows an order left: its status and version, refunds, outbox event types, payment outcomes. */
  async function audit(o: OrderFacts, tag: string) {
    const { pool: p, table } = app.shards.forUser(o.userId);
    const q = async (sql: string, args: unknown[]) => (await p.query<RowDataPacket[]>(sql, args))[0];
    const [row] = await q(`SELECT status, version FROM \`${table}\` WHERE order_id = ?`, [o.orderId]);
    const strip = (id: unknown) => String(id).slice(`${tag}-${o.orderId}-`.length);
    return {
      row: [row?.status, row?.version],
      refunds: (await q("SELECT event_id, reason FROM refunds WHERE order_id = ? ORDER BY event_id", [o.orderId])).map(
        (r) => [strip(r.event_id), r.reason],
      ),
      outbox: (await q("SELECT type FROM order_events WHERE order_id = ? ORDER BY seq", [o.orderId])).map(
        (r) => r.type,
      ),
      events: (
        await q("SELECT event_id, outcome FROM payment_events WHERE order_id = ? ORDER BY event_id", [o.orderId])
      ).map((r) => [strip(r.event_id), r.outcome]),
    };
  }

  const shown = (r: TransitionResult) => (r.kind === "event_reused" ? r : { ...r });

  it("batches give the answers and rows one at a time gives, every script in flight at once", async () => {
    const perScript = 30;
    const alone = new OrderTransitions(app.shards, { batch: false });
    const batched = new OrderTransitions(app.shards);
    const tagA = rid(3);
    const tagB = rid(3);
    const ordersA = facts(tagA, SCRIPTS.length * perScript);
    const ordersB = facts(tagB, SCRIPTS.length * perScript);
    const scriptOf = (i: number) => SCRIPTS[i % SCRIPTS.length]!;
    // One at a time: each order's steps in order, orders side by side.
    const answersA = await pool(ordersA, 16, async (o, i) => {
      const out: TransitionResult[] = [];
      for (const s of scriptOf(i)) {
        const { action, payment: p } = payment(o, s, tagA);
        out.push(await alone.apply(o, action, p));
      }
      return out;
    });
    // Batched: every step of every order handed over at once; an order's steps still apply in order.
    const answersB = await Promise.all(
      ordersB.map((o, i) =>
        Promise.all(
          scriptOf(i).map((s) => {
            const { action, payment: p } = payment(o, s, tagB);
            return batched.apply(o, action, p);
          }),
        ),
      ),
    );
    expect(answersB.map((a) => a.map(shown))).toEqual(answersA.map((a) => a.map(shown)));
    const stats = batched.batchStats();
    expect(stats.items).toBe(answersB.flat().length);
    // Far fewer transactions than payments, and the second step of an order always waited for a later batch.
    expect(stats.batches).toBeLessThan(stats.items / 4);
    expect(stats.deferred).toBeGreaterThan(0);
    // First steps are new everywhere and go in two round trips (applyFresh, rows written from the facts
    // included); a batch holding a redelivery is rolled back and goes step by step, leaving the same rows.
    expect(stats.stepped).toBeGreaterThan(0);
    expect(stats.stepped).toBeLessThan(stats.batches);
    for (let i = 0; i < ordersA.length; i++)
      expect(await audit(ordersB[i]!, tagB), `script ${i % SCRIPTS.length}`).toEqual(await audit(ordersA[i]!, tagA));
    // Spot checks against the contract, not just against each other.
    expect(await audit(ordersB[2]!, tagB)).toMatchObject({
      row: ["PAID", 3],
      refunds: [["b", "DUPLICATE_PAYMENT"]],
      outbox: ["ORDER_CONFIRMED", "ORDER_PAID", "REFUND_REQUIRED"],
    });
    expect(await audit(ordersB[3]!, tagB)).toMatchObject({
      row: ["CANCELLED", 3],
      refunds: [["b", "PAID_AFTER_CANCEL"]],
      events: [
        ["a", "CANCELLED"],
        ["b", "ORDER_CANCELLED"],
      ],
    });
    expect(answersB[4]!.map((r) => r.kind)).toEqual(["applied", "event_reused", "event_reused"]);
  });

  it("hundreds of callbacks and cancels in flight together: one change per order, its refunds, the ledger mirrored", async () => {
    const n = 200;
    const saleId = `pb${rid()}`;
    expect((await api.putSale(saleId, { stock: n, perUserLimit: 1, shards: 2 })).status).toBe(201);
    const orders = await pool(Array.from({ length: n }), 16, () => api.buyOne(saleId, "pb"));
    await eventually(
      "rows written",
      () => api.stats(saleId),
      (s) => s.body.mysql.total === n,
    );
    const before = app.lifecycle.transitions.batchStats();
    // Kinds by i % 5: a redelivered event, two payments (refund), one id with two bodies, a cancel racing a
    // payment, a plain payment. Every call is in flight at once, in a shuffled order.
    type Call = { i: number; what: string; run: () => ReturnType<Api["pay"]> };
    const calls: Call[] = [];
    orders.forEach((o, i) => {
      const pay =
        (eventId: string, status: "SUCCEEDED" | "FAILED" = "SUCCEEDED") =>
        () =>
          api.pay({ eventId, orderId: o.orderId, status });
      const e = `pb-${o.orderId}`;
      const kind = i % 5;
      if (kind === 0) for (let k = 0; k < 3; k++) calls.push({ i, what: "pay", run: pay(e) });
      if (kind === 1) calls.push({ i, what: "pay", run: pay(e) }, { i, what: "pay2", run: pay(`${e}-2`) });
      if (kind === 2) calls.push({ i, what: "pay", run: pay(e) }, { i, what: "fail", run: pay(e, "FAILED") });
      if (kind === 3)
        calls.push({ i, what: "pay", run: pay(e) }, { i, what: "cancel", run: () => api.cancel(o.orderId, o.user) });
      if (kind === 4) calls.push({ i, what: "pay", run: pay(e) });
    });
    calls.sort(() => Math.random() - 0.5);
    const answers = await Promise.all(calls.map((c) => c.run()));
    const of = (i: number, what: string) =>
      calls.flatMap((c, k) => (c.i === i && c.what === what ? [answers[k]!] : []));
    const ok = (r: { status: number; body: { status?: string; error?: { code: string } } }) =>
      r.status === 200 ? r.body.status : r.body.error?.code;
    let paid = 0;
    for (const [i, o] of orders.entries()) {
      const a = await audit({ ...o, saleId, skuId: "", quantity: 1, reservedAt: 0, userId: o.user }, `pb`);
      const where = `order ${i} (kind ${i % 5}): ${JSON.stringify(a)}`;
      const kind = i % 5;
      const pays = of(i, "pay");
      if (kind === 0 || kind === 4) {
        expect(pays.map(ok), where).toEqual(pays.map(() => "PAID"));
        expect(
          pays.filter((r) => r.headers.get("idempotent-replayed") !== "true"),
          where,
        ).toHaveLength(1);
        expect(a, where).toMatchObject({ row: ["PAID", 2], refunds: [], outbox: ["ORDER_CONFIRMED", "ORDER_PAID"] });
      }
      if (kind === 1) {
        expect([...pays, ...of(i, "pay2")].map(ok), where).toEqual(["PAID", "PAID"]);
        expect(a.row, where).toEqual(["PAID", 3]);
        expect(
          a.refunds.map((r) => r[1]),
          where,
        ).toEqual(["DUPLICATE_PAYMENT"]);
        expect(a.outbox, where).toEqual(["ORDER_CONFIRMED", "ORDER_PAID", "REFUND_REQUIRED"]);
      }
      if (kind === 2) {
        // One body wins the id; the other is refused as a reused key and leaves nothing.
        const [p, f] = [ok(pays[0]!), ok(of(i, "fail")[0]!)];
        expect(
          [p, f].filter((x) => x === "IDEMPOTENCY_KEY_REUSED"),
          where,
        ).toHaveLength(1);
        const won = p === "PAID" ? "PAID" : "CANCELLED";
        expect(a, where).toMatchObject({ row: [won, 2], refunds: [], events: [["", won]] });
      }
      if (kind === 3) {
        const [p, c] = [ok(pays[0]!), ok(of(i, "cancel")[0]!)];
        if (p === "PAID") {
          expect(c, where).toBe("ORDER_NOT_CANCELLABLE");
          expect(a, where).toMatchObject({ row: ["PAID", 2], refunds: [], outbox: ["ORDER_CONFIRMED", "ORDER_PAID"] });
        } else {
          expect([p, c], where).toEqual(["ORDER_CANCELLED", "CANCELLED"]);
          expect(a, where).toMatchObject({
            row: ["CANCELLED", 3],
            refunds: [["", "PAID_AFTER_CANCEL"]],
            outbox: ["ORDER_CONFIRMED", "ORDER_CANCELLED", "REFUND_REQUIRED"],
            events: [["", "ORDER_CANCELLED"]],
          });
        }
      }
      if (a.row[0] === "PAID") paid++;
    }
    const after = app.lifecycle.transitions.batchStats();
    expect(after.batches - before.batches).toBeLessThan((after.items - before.items) / 3);
    // The ledger mirrors every row: paid orders marked, cancelled ones' units back, nothing adrift.
    await eventually(
      "ledger mirrored",
      () => api.stats(saleId),
      (s) => s.body.redis.paid === paid && s.body.pending === 0,
    );
    expect((await api.stats(saleId)).body).toMatchObject({ paid, cancelled: n - paid, drift: 0 });
  });
});

/**
 * A payment batch is bounded by mysql.queryTimeoutMs, not by the MySQL breaker's timeoutMs for one read: on a
 * saturated machine a batch of 256 takes over a second, and a 503 then (the batch commits all the same) sent
 * every payment of it back to be replayed, one at a time, after the provider's backoff.
 */
describe("payment batches and the MySQL breaker", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig("standalone", { admission: { breakers: { mysql: { timeoutMs: 300 } } } });
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  /** Holds an order's row in another transaction for `ms` while `act` runs; what `act` answered, and how long. */
  async function whileRowHeld<T>(o: { orderId: string; user: string }, ms: number, act: () => Promise<T>) {
    const { pool: p, table } = app.shards.forUser(o.user);
    const held = await p.getConnection();
    try {
      await held.query("START TRANSACTION");
      await held.query(`SELECT order_id FROM \`${table}\` WHERE order_id = ? FOR UPDATE`, [o.orderId]);
      const release = setTimeout(() => void held.query("COMMIT"), ms);
      const t0 = Date.now();
      const answer = await act();
      clearTimeout(release);
      return { answer, ms: Date.now() - t0 };
    } finally {
      await held.query("COMMIT").catch(() => {});
      held.release();
    }
  }

  it("a payment batch or a cancel that waits longer than the breaker's timeout for one read is answered once it commits, not 503", async () => {
    const saleId = `pt${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 1 })).status).toBe(201);
    const [paid, cancelled] = [await api.buyOne(saleId, "pt"), await api.buyOne(saleId, "pt")];
    await eventually(
      "rows written",
      () => api.stats(saleId),
      (s) => s.body.mysql.total === 2,
    );
    // Another transaction holds the order's row for 1.2 s: the batch's locking read waits for it.
    const pay = await whileRowHeld(paid, 1200, () =>
      api.pay({ eventId: `pt-${paid.orderId}`, orderId: paid.orderId, status: "SUCCEEDED" }),
    );
    expect([pay.answer.status, pay.answer.body.status]).toEqual([200, "PAID"]);
    expect(pay.answer.headers.get("idempotent-replayed")).toBeNull();
    expect(pay.ms).toBeGreaterThanOrEqual(1000);
    // A buyer's cancel is one such transaction too.
    const cancel = await whileRowHeld(cancelled, 1200, () => api.cancel(cancelled.orderId, cancelled.user));
    expect([cancel.answer.status, cancel.answer.body.status]).toEqual([200, "CANCELLED"]);
    expect(cancel.ms).toBeGreaterThanOrEqual(1000);
    // A read on the request path keeps the breaker's own 300 ms: the order's status answers at once here.
    const read = await api.call("GET", `/v1/orders/${paid.orderId}`, { headers: api.buyer(paid.user) });
    expect([read.status, read.body.status]).toEqual([200, "PAID"]);
    expect((await api.stats(saleId)).body).toMatchObject({ paid: 1, cancelled: 1 });
  });
});

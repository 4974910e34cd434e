import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { Api, apiFor, pool, rid } from "../helpers/env.js";

/** Stock accounting in Redis: every unit is on a shard, in transit or held by a live reservation. */
function conserved(stats: { stock: number; redisRemaining: number; inTransfer: number; reserved: number }): boolean {
  return stats.redisRemaining + stats.inTransfer + stats.reserved === stats.stock;
}

describe("buyer cancel, payment timeout and pause", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig("standalone", { sweeper: { intervalMs: 500, persistAfterMs: 60_000, leaseMs: 5000 } });
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  const buy = (saleId: string) => api.buyOne(saleId, "b");

  /**
   * Stock conserved as the stats see it. They read the shards and their ledgers one after another, so a
   * snapshot taken while a timeout returns units can miss them for that instant: up to five reads 20 ms
   * apart, one of which must balance. Units really lost or made up stay unbalanced in every read.
   */
  const expectConserved = async (saleId: string) => {
    const seen: unknown[] = [];
    for (let i = 0; i < 5; i++) {
      const s = (await api.stats(saleId)).body;
      if (conserved(s)) return;
      seen.push(s);
      await sleep(20);
    }
    expect.fail(`stock not conserved in ${seen.length} reads: ${JSON.stringify(seen)}`);
  };

  it("the owner cancels an unpaid order: idempotent, units back once, another buyer's attempt is 404, a paid order is 409", async () => {
    const saleId = `can${rid()}`;
    await api.putSale(saleId, { stock: 2, perUserLimit: 1, shards: 1 });
    const a = await buy(saleId);
    const b = await buy(saleId);
    expect((await api.cancel(a.orderId, b.user)).body.error.code).toBe("ORDER_NOT_FOUND");
    const cancels = await Promise.all(Array.from({ length: 5 }, () => api.cancel(a.orderId, a.user)));
    for (const c of cancels) expect([c.status, c.body]).toEqual([200, { orderId: a.orderId, status: "CANCELLED" }]);
    expect((await api.orderStatus(a.orderId, a.user)).body.status).toBe("CANCELLED");
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 1, reserved: 1, drift: 0 });
    // Paid orders stay paid.
    expect((await api.pay({ eventId: `ev-${rid()}`, orderId: b.orderId, status: "SUCCEEDED" })).body.status).toBe(
      "PAID",
    );
    const refused = await api.cancel(b.orderId, b.user);
    expect([refused.status, refused.body.error.code]).toEqual([409, "ORDER_NOT_CANCELLABLE"]);
    expect((await api.orderStatus(b.orderId, b.user)).body.status).toBe("PAID");
    // Malformed ids and bodies change nothing.
    expect((await api.call("POST", `/v1/orders/nope/cancel`, { headers: api.buyer(a.user) })).status).toBe(400);
    expect(
      (await api.call("POST", `/v1/orders/${b.orderId}/cancel`, { headers: api.buyer(b.user), body: { reason: "x" } }))
        .status,
    ).toBe(400);
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 1, reserved: 1, paid: 1, cancelled: 1 });
  });

  it("sold out with short payment timeouts and nobody paying: the units sell again, twice over, and stock is conserved", async () => {
    const saleId = `tmo${rid()}`;
    const stock = 6;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 2, paymentTimeoutSeconds: 2 });
    const waves: string[][] = [];
    const buyers = Array.from({ length: 30 }, (_, i) => `w-${i}-${rid(2)}`);
    let next = 0;
    for (let wave = 0; wave < 3; wave++) {
      // Waiting buyers keep trying (a fresh token per attempt) until the returned units are theirs.
      const won: string[] = [];
      const deadline = Date.now() + 25_000;
      while (won.length < stock && Date.now() < deadline) {
        const user = buyers[next % buyers.length]!;
        next++;
        const r = await api.order(saleId, user, await api.token(saleId, user).catch(() => "x".repeat(32)));
        if (r.status === 202) won.push(r.body.orderId as string);
        else await sleep(50);
        await expectConserved(saleId);
      }
      expect(won, `wave ${wave}`).toHaveLength(stock);
      waves.push(won);
    }
    // Every order of the first two waves timed out (CANCELLED in MySQL, units back once).
    await eventually(
      "the last wave times out too",
      () => api.stats(saleId),
      (s) => s.body.cancelled === 3 * stock && s.body.redisRemaining === stock,
      20_000,
    );
    const s = (await api.stats(saleId)).body;
    expect(s).toMatchObject({ stock, reserved: 0, paid: 0, unpaid: 0, cancelled: 3 * stock, drift: 0 });
    expect(s.mysql.total).toBe(3 * stock);
    expect(app.timers.stats.sent + app.timers.stats.sendFailures).toBeGreaterThan(0);
  });

  it("payment racing its timeout: every order ends PAID, or CANCELLED plus a refund, never both; units returned once", async () => {
    const saleId = `race${rid()}`;
    const stock = 24;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 1, paymentTimeoutSeconds: 2 });
    // One shard: every buyer reaches the same stock (a pull between shards can lose to a concurrent buyer
    // and answer SOLD_OUT while units remain elsewhere: issue 9); this test is about payment against timeout.
    const orders = await pool(Array.from({ length: stock }), 8, () => buy(saleId));
    // Pay around the moment each order times out: some before, some after.
    await sleep(1500);
    const answers = await pool(orders, 24, async (o, i) => {
      await sleep((i % 8) * 150);
      // Redelivered on 503 (a loaded machine can outrun the MySQL breaker's timeout), as a provider does.
      return api.payRedelivered({ eventId: `ev-${rid()}`, orderId: o.orderId, status: "SUCCEEDED" });
    });
    await eventually(
      "every order final",
      () => api.stats(saleId),
      (s) => s.body.paid + s.body.cancelled === stock && s.body.pending === 0,
      20_000,
    );
    const refunds = (await api.refunds(saleId)).body.refunds as { orderId: string; reason: string }[];
    let paid = 0;
    for (const [i, o] of orders.entries()) {
      const status = (await api.orderStatus(o.orderId, o.user)).body.status;
      const refunded = refunds.filter((r) => r.orderId === o.orderId);
      if (status === "PAID") {
        paid++;
        expect(answers[i]!.body.status).toBe("PAID");
        expect(refunded).toEqual([]);
      } else {
        expect(status).toBe("CANCELLED");
        expect(answers[i]!.body.error.code).toBe("ORDER_CANCELLED");
        expect(refunded.map((r) => r.reason)).toEqual(["PAID_AFTER_CANCEL"]);
      }
    }
    const s = (await api.stats(saleId)).body;
    expect(s).toMatchObject({
      paid,
      cancelled: stock - paid,
      reserved: paid,
      redisRemaining: stock - paid,
      refunds: stock - paid,
      drift: 0,
    });
    // The returned units sell again, and never more than the stock.
    const late = await pool(Array.from({ length: 3 * stock }), 16, async () => {
      const user = `late-${rid(3)}`;
      // Once sold out, token issuance itself answers SOLD_OUT (docs/api.md, deliberate differences).
      const tok = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer(user) });
      return tok.status === 201 ? api.order(saleId, user, tok.body.token) : tok;
    });
    expect(late.filter((r) => r.status === 202)).toHaveLength(stock - paid);
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 0, reserved: stock });
  });

  it("pause stops tokens and orders on every gateway within a second; payments and cancels go on; resume restores", async () => {
    const other = await GatewayProcess.start(cfg, { port: 0, roles: { writer: false, sweeper: false } });
    try {
      const api2 = apiFor(other, cfg);
      const saleId = `pau${rid()}`;
      await api.putSale(saleId, { stock: 10, perUserLimit: 1, shards: 2 });
      const a = await buy(saleId);
      const b = await buy(saleId);
      const paused = await api.pause(saleId);
      expect([paused.status, paused.body.paused]).toEqual([200, true]);
      await sleep(1000);
      for (const client of [api, api2]) {
        expect((await client.sale(saleId)).body.status).toBe("PAUSED");
        const user = `p-${rid(3)}`;
        const tok = await client.call("POST", `/v1/sales/${saleId}/tokens`, { headers: client.buyer(user) });
        expect([tok.status, tok.body.error.code]).toEqual([409, "SALE_NOT_LIVE"]);
      }
      // A token taken before the pause cannot buy during it.
      const c = `c-${rid(3)}`;
      await api.resume(saleId);
      const cToken = await api.token(saleId, c);
      await api.pause(saleId);
      await sleep(1000);
      const blocked = await api2.order(saleId, c, cToken);
      expect([blocked.status, blocked.body.error.code]).toEqual([409, "SALE_NOT_LIVE"]);
      // The order's life goes on while paused.
      expect((await api2.pay({ eventId: `ev-${rid()}`, orderId: a.orderId, status: "SUCCEEDED" })).body.status).toBe(
        "PAID",
      );
      expect((await api2.cancel(b.orderId, b.user)).body.status).toBe("CANCELLED");
      const resumed = await api.resume(saleId);
      expect([resumed.status, resumed.body.paused]).toEqual([200, false]);
      await sleep(1000);
      expect((await api2.order(saleId, c, cToken)).status).toBe(202);
      expect((await api.sale(saleId)).body.status).toBe("LIVE");
      expect(
        (await api.call("POST", `/v1/admin/sales/nosuch${rid()}/pause`, { headers: api.admin() })).body.error.code,
      ).toBe("SALE_NOT_FOUND");
      expect(
        (await api.call("POST", `/v1/admin/sales/${saleId}/pause`, { headers: api.buyer("x") })).body.error.code,
      ).toBe("FORBIDDEN");
    } finally {
      await other.close();
    }
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlashSaleError, type PlacedOrder } from "@flashsale/client";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { Api, MODES, finalRefusal, pool, rid, startGateway, testConfig, ledgerRecords } from "../helpers/env.js";

describe.each(MODES)("buy path over HTTP on Redis %s", (mode) => {
  let gw: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig(mode)));
  });
  afterAll(() => gw.close());

  /** Every reservation record of a sale, straight from Redis. */
  const ledger = (saleId: string, shards: number) => ledgerRecords(gw, saleId, shards);

  /**
   * An order attempt through the storefront client, as a storefront makes it: a 503 (a buyer whose pulls
   * between shards kept losing while units remained; never a final SOLD_OUT, token unused) is retried with the
   * same key. Resolves with the order or the final error.
   */
  const place = (
    a: Api,
    saleId: string,
    user: string,
    purchaseToken: string | undefined,
    quantity?: number,
  ): Promise<PlacedOrder | FlashSaleError> =>
    a
      .storefront(user, { maxAttempts: 20, maxDelayMs: 100 })
      .placeOrder(saleId, { purchaseToken, quantity })
      .catch((e: unknown) => {
        if (e instanceof FlashSaleError) return e;
        throw e;
      });

  it("10x more buyers than stock on 8 shards: exactly `stock` sold, limits hold, replays repeat the first answer", async () => {
    const saleId = `flash${rid()}`;
    const stock = 60;
    const limit = 2;
    expect((await api.putSale(saleId, { stock, perUserLimit: limit, shards: 8 })).status).toBe(201);
    const buyers = Array.from({ length: 300 }, (_, i) => `b${i}-${rid(3)}`);
    // Each buyer tries twice with two tokens, 1 or 2 units each: 900 units of demand for 60.
    const attempts = buyers.flatMap((u, i) => [
      { user: u, qty: 1 + (i % 2) },
      { user: u, qty: 2 - (i % 2) },
    ]);
    const tokens = await pool(attempts, 64, async (a) => (await api.storefront(a.user).takeToken(saleId)).token);
    const first = await pool(attempts, 64, (a, i) => place(api, saleId, a.user, tokens[i]!, a.qty));
    const accepted = first.filter((r): r is PlacedOrder => !(r instanceof FlashSaleError));
    for (const r of first) {
      if (r instanceof FlashSaleError)
        expect([r.status, r.code, r.retryable]).toEqual([
          409,
          expect.stringMatching(/^(SOLD_OUT|LIMIT_EXCEEDED)$/),
          false,
        ]);
      else expect(r.replayed).toBe(false);
    }
    const soldQty = accepted.reduce((s, r) => s + r.order.quantity, 0);
    expect(soldQty).toBe(stock);
    const perBuyer = new Map<string, number>();
    for (const { order } of accepted) perBuyer.set(order.userId, (perBuyer.get(order.userId) ?? 0) + order.quantity);
    expect(Math.max(...perBuyer.values())).toBeLessThanOrEqual(limit);
    expect(new Set(accepted.map((r) => r.order.orderId)).size).toBe(accepted.length);

    // Replays, concurrently: the same outcome, marked replayed, nothing deducted again.
    const replays = await pool(attempts, 64, (a, i) => place(api, saleId, a.user, tokens[i]!, a.qty));
    replays.forEach((r, i) => {
      const f = first[i]!;
      if (!(f instanceof FlashSaleError)) {
        expect(r).toMatchObject({ order: f.order, replayed: true, idempotencyKey: tokens[i] });
      } else {
        expect(r).toBeInstanceOf(FlashSaleError);
        const e = r as FlashSaleError;
        // Documented: after sell-out the local flag answers a 409's replay as SOLD_OUT without asking Redis.
        expect(e.code).toBe(e.replayed ? f.code : "SOLD_OUT");
      }
    });
    const records = (await ledger(saleId, 8)).filter((r) => r.state === "reserved");
    expect(records).toHaveLength(accepted.length);
    expect(records.reduce((s, r) => s + r.quantity, 0)).toBe(stock);
    const stats = await api.stats(saleId);
    expect(stats.body).toMatchObject({
      stock,
      redisRemaining: 0,
      reserved: stock,
      pending: stock,
      drift: 0,
      inTransfer: 0,
    });
    const view = await api.storefront("anyone").getSale(saleId);
    expect(view).toMatchObject({ saleId, stock, status: "SOLD_OUT", remaining: 0, shards: 8, perUserLimit: limit });
  });

  it("buyers all homed on one shard still buy the whole stock of 8 shards", async () => {
    const saleId = `uneven${rid()}`;
    const stock = 40;
    expect((await api.putSale(saleId, { stock, perUserLimit: 1, shards: 8 })).status).toBe(201);
    const users: string[] = [];
    for (let i = 0; users.length < 70; i++) if (homeShard(`u${i}`, 8) === 3) users.push(`u${i}`);
    // No purchase token given: the client takes one for each buyer first.
    const res = await pool(users, 32, (u) => place(api, saleId, u, undefined));
    expect(res.filter((r) => !(r instanceof FlashSaleError))).toHaveLength(stock);
    expect(res.filter((r) => r instanceof FlashSaleError).map((e) => (e as FlashSaleError).code)).toEqual(
      Array(users.length - stock).fill("SOLD_OUT"),
    );
    expect((await api.stats(saleId)).body).toMatchObject({
      redisRemaining: 0,
      reserved: stock,
      inTransfer: 0,
      drift: 0,
    });
  });

  it("token misuse: another buyer's, another sale's, expired, unknown, malformed, or reused with another body", async () => {
    const saleId = `tok${rid()}`;
    const other = `tok${rid()}`;
    await api.putSale(saleId, { stock: 10, perUserLimit: 5, shards: 4 });
    await api.putSale(other, { stock: 10, perUserLimit: 5, shards: 4 });
    const alice = api.storefront("alice");
    const { token: mine } = await alice.takeToken(saleId);
    const { token: forOther } = await alice.takeToken(other);
    // Final answers: never retried, typed.
    const expect403 = async (a: Api, user: string, purchaseToken: string) =>
      expect(await finalRefusal(a, user, (buyer) => buyer.placeOrder(saleId, { purchaseToken }))).toMatchObject({
        code: "INVALID_TOKEN",
        status: 403,
      });
    await expect403(api, "mallory", mine);
    await expect403(api, "alice", forOther);
    await expect403(api, "alice", "A".repeat(32));
    expect(
      await finalRefusal(api, "alice", (buyer) => buyer.placeOrder(saleId, { purchaseToken: "not-a-token" })),
    ).toMatchObject({ code: "INVALID_REQUEST", status: 400 });
    // A gateway whose tokens live one second, on the same Redis.
    const short = await startGateway({ ...gw.config, tokens: { ...gw.config.tokens, ttlSeconds: 1 } });
    try {
      const { token: expiring } = await short.api.storefront("alice").takeToken(saleId);
      await sleep(1300);
      await expect403(short.api, "alice", expiring);
    } finally {
      await short.gw.close();
    }
    expect((await api.stats(saleId)).body.redisRemaining).toBe(10);

    const { token: fresh } = await alice.takeToken(saleId);
    expect((await alice.placeOrder(saleId, { purchaseToken: fresh, quantity: 2 })).order.quantity).toBe(2);
    expect(
      await finalRefusal(api, "alice", (buyer) => buyer.placeOrder(saleId, { purchaseToken: fresh, quantity: 3 })),
    ).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", status: 422 });
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 8, reserved: 2 });
  });

  it("a sale that has not started refuses orders, and a started sale cannot be changed", async () => {
    const saleId = `later${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, startInMs: 60_000 })).status).toBe(201);
    expect((await api.putSale(saleId, { stock: 7, startInMs: 60_000 })).status).toBe(200);
    const bob = api.storefront("bob");
    expect(await finalRefusal(api, "bob", (buyer) => buyer.placeOrder(saleId))).toMatchObject({
      code: "SALE_NOT_LIVE",
      status: 409,
    });
    expect(await bob.getSale(saleId)).toMatchObject({ status: "UPCOMING", stock: 7, remaining: 7 });
    const far = `far${rid()}`;
    await api.putSale(far, { stock: 5, startInMs: 3_600_000 });
    expect(await finalRefusal(api, "bob", (buyer) => buyer.takeToken(far))).toMatchObject({
      code: "SALE_NOT_LIVE",
      status: 409,
    });

    const live = `live${rid()}`;
    await api.putSale(live, { stock: 5 });
    const locked = await api.putSale(live, { stock: 500 });
    expect(locked.status).toBe(409);
    expect(locked.body.error.code).toBe("SALE_LOCKED");
    expect((await api.stats(live)).body.redisRemaining).toBe(5);
  });

  it("operator endpoints need the admin token; errors carry the contract's shape and X-Request-Id", async () => {
    const saleId = `adm${rid()}`;
    const asBuyer = await api.call("PUT", `/v1/admin/sales/${saleId}`, {
      headers: api.buyer("eve"),
      body: { skuId: "x", stock: 5 },
    });
    expect(asBuyer.status).toBe(403);
    expect(asBuyer.body.error.code).toBe("FORBIDDEN");
    const anon = await api.call("GET", `/v1/admin/sales/${saleId}/stats`, { headers: { "x-request-id": "req-123" } });
    expect(anon.status).toBe(401);
    expect(anon.body).toEqual({ error: { code: "UNAUTHENTICATED", message: expect.any(String) } });
    expect(anon.headers.get("x-request-id")).toBe("req-123");
    const missing = await api.call("GET", `/v1/sales/${saleId}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("SALE_NOT_FOUND");
    expect(missing.headers.get("x-request-id")).toMatch(/.+/);
    // The storefront client's request id comes back on its typed error.
    const typed = await finalRefusal(api, "eve", (buyer) => buyer.getSale(saleId, { requestId: "sf-req-1" }));
    expect(typed).toMatchObject({ code: "SALE_NOT_FOUND", status: 404, requestId: "sf-req-1" });
    const badBody = await api.call("PUT", `/v1/admin/sales/${saleId}`, {
      headers: api.admin(),
      body: { skuId: "x", stock: -1 },
    });
    expect(badBody.status).toBe(400);
    expect((await api.call("GET", `/v1/sales/${saleId}`)).status).toBe(404);
    expect((await api.call("GET", "/healthz")).status).toBe(200);
    expect((await api.call("GET", "/readyz")).body.checks).toEqual({ serving: "up" });
    expect((await api.call("GET", "/health/dependencies")).body.checks.redis).toBe("up");
  });
});

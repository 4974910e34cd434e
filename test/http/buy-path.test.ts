import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { Api, MODES, pool, rid, startGateway, testConfig, ledgerRecords } from "../helpers/env.js";

describe.each(MODES)("buy path over HTTP on Redis %s", (mode) => {
  let gw: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig(mode)));
  });
  afterAll(() => gw.close());

  /** Every reservation record of a sale, straight from Redis. */
  const ledger = (saleId: string, shards: number) => ledgerRecords(gw, saleId, shards);

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
    const tokens = await pool(attempts, 64, (a) => api.token(saleId, a.user));
    const first = await pool(attempts, 64, (a, i) => api.order(saleId, a.user, tokens[i]!, a.qty));
    // A buyer whose pulls between shards kept losing while units remained gets 503 (never a final SOLD_OUT,
    // token unused) and retries with the same key, as a storefront does.
    for (let round = 0; round < 20 && first.some((r) => r.status === 503); round++) {
      await sleep(50);
      await pool([...first.keys()].filter((i) => first[i]!.status === 503), 16, async (i) => {
        first[i] = await api.order(saleId, attempts[i]!.user, tokens[i]!, attempts[i]!.qty);
      });
    }
    const accepted = first.filter((r) => r.status === 202);
    for (const r of first) {
      expect([202, 409]).toContain(r.status);
      if (r.status === 409) expect(["SOLD_OUT", "LIMIT_EXCEEDED"]).toContain(r.body.error.code);
    }
    const soldQty = accepted.reduce((s, r) => s + r.body.quantity, 0);
    expect(soldQty).toBe(stock);
    const perBuyer = new Map<string, number>();
    for (const r of accepted) perBuyer.set(r.body.userId, (perBuyer.get(r.body.userId) ?? 0) + r.body.quantity);
    expect(Math.max(...perBuyer.values())).toBeLessThanOrEqual(limit);
    expect(new Set(accepted.map((r) => r.body.orderId)).size).toBe(accepted.length);

    // Replays, concurrently: same status and body, marked replayed, nothing deducted again.
    const replays = await pool(attempts, 64, (a, i) => api.order(saleId, a.user, tokens[i]!, a.qty));
    replays.forEach((r, i) => {
      const f = first[i]!;
      expect(r.status).toBe(f.status);
      if (f.status === 202 || r.headers.get("idempotent-replayed") === "true") {
        expect(r.body).toEqual(f.body);
        expect(r.headers.get("idempotent-replayed")).toBe("true");
      } else {
        // Documented: after sell-out the local flag answers a 409's replay as SOLD_OUT without asking Redis.
        expect(r.body.error.code).toBe("SOLD_OUT");
      }
    });
    const records = (await ledger(saleId, 8)).filter((r) => r.state === "reserved");
    expect(records).toHaveLength(accepted.length);
    expect(records.reduce((s, r) => s + r.quantity, 0)).toBe(stock);
    const stats = await api.stats(saleId);
    expect(stats.body).toMatchObject({ stock, redisRemaining: 0, reserved: stock, pending: stock, drift: 0, inTransfer: 0 });
    const view = await api.call("GET", `/v1/sales/${saleId}`);
    expect(view.body).toMatchObject({ saleId, stock, status: "SOLD_OUT" });
  });

  it("buyers all homed on one shard still buy the whole stock of 8 shards", async () => {
    const saleId = `uneven${rid()}`;
    const stock = 40;
    expect((await api.putSale(saleId, { stock, perUserLimit: 1, shards: 8 })).status).toBe(201);
    const users: string[] = [];
    for (let i = 0; users.length < 70; i++) if (homeShard(`u${i}`, 8) === 3) users.push(`u${i}`);
    const tokens = await pool(users, 32, (u) => api.token(saleId, u));
    const res = await pool(users, 32, (u, i) => api.order(saleId, u, tokens[i]!));
    expect(res.filter((r) => r.status === 202)).toHaveLength(stock);
    expect(res.filter((r) => r.status === 409).every((r) => r.body.error.code === "SOLD_OUT")).toBe(true);
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 0, reserved: stock, inTransfer: 0, drift: 0 });
  });

  it("token misuse: another buyer's, another sale's, expired, unknown, malformed, or reused with another body", async () => {
    const saleId = `tok${rid()}`;
    const other = `tok${rid()}`;
    await api.putSale(saleId, { stock: 10, perUserLimit: 5, shards: 4 });
    await api.putSale(other, { stock: 10, perUserLimit: 5, shards: 4 });
    const mine = await api.token(saleId, "alice");
    const forOther = await api.token(other, "alice");
    const expect403 = async (p: Promise<{ status: number; body: any }>) => {
      const r = await p;
      expect(r.status).toBe(403);
      expect(r.body.error.code).toBe("INVALID_TOKEN");
    };
    await expect403(api.order(saleId, "mallory", mine));
    await expect403(api.order(saleId, "alice", forOther));
    await expect403(api.order(saleId, "alice", "A".repeat(32)));
    const bad = await api.order(saleId, "alice", "not-a-token");
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("INVALID_REQUEST");
    // A gateway whose tokens live one second, on the same Redis.
    const short = await startGateway({ ...gw.config, tokens: { ...gw.config.tokens, ttlSeconds: 1 } });
    try {
      const expiring = await short.api.token(saleId, "alice");
      await sleep(1300);
      await expect403(short.api.order(saleId, "alice", expiring));
    } finally {
      await short.gw.close();
    }
    expect((await api.stats(saleId)).body.redisRemaining).toBe(10);

    const fresh = await api.token(saleId, "alice");
    expect((await api.order(saleId, "alice", fresh, 2)).status).toBe(202);
    const reused = await api.order(saleId, "alice", fresh, 3);
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 8, reserved: 2 });
  });

  it("a sale that has not started refuses orders, and a started sale cannot be changed", async () => {
    const saleId = `later${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, startInMs: 60_000 })).status).toBe(201);
    expect((await api.putSale(saleId, { stock: 7, startInMs: 60_000 })).status).toBe(200);
    const t = await api.token(saleId, "bob");
    const r = await api.order(saleId, "bob", t);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("SALE_NOT_LIVE");
    const far = `far${rid()}`;
    await api.putSale(far, { stock: 5, startInMs: 3_600_000 });
    const early = await api.call("POST", `/v1/sales/${far}/tokens`, { headers: api.buyer("bob") });
    expect(early.body.error.code).toBe("SALE_NOT_LIVE");

    const live = `live${rid()}`;
    await api.putSale(live, { stock: 5 });
    const locked = await api.putSale(live, { stock: 500 });
    expect(locked.status).toBe(409);
    expect(locked.body.error.code).toBe("SALE_LOCKED");
    expect((await api.stats(live)).body.redisRemaining).toBe(5);
  });

  it("operator endpoints need the admin token; errors carry the contract's shape and X-Request-Id", async () => {
    const saleId = `adm${rid()}`;
    const asBuyer = await api.call("PUT", `/v1/admin/sales/${saleId}`, { headers: api.buyer("eve"), body: { skuId: "x", stock: 5 } });
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
    const badBody = await api.call("PUT", `/v1/admin/sales/${saleId}`, { headers: api.admin(), body: { skuId: "x", stock: -1 } });
    expect(badBody.status).toBe(400);
    expect((await api.call("GET", `/v1/sales/${saleId}`)).status).toBe(404);
    expect((await api.call("GET", "/healthz")).status).toBe(200);
    expect((await api.call("GET", "/readyz")).body.checks.redis).toBe("up");
  });
});

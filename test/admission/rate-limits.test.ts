import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";

type Limits = Partial<Config["admission"]["rateLimits"]> & Record<string, unknown>;

/**
 * One test per limiter. Each runs a gateway with that limit set small and a long window (so nothing lapses
 * mid-test), beside an unlimited "setup" gateway on the same Redis keys that creates sales and proves a
 * refused token was not consumed.
 */
describe("rate limits", () => {
  let setup: { gw: GatewayProcess; api: Api };
  const started: GatewayProcess[] = [];

  beforeAll(async () => {
    setup = await startGateway(testConfig("standalone"));
  });
  afterEach(async () => {
    while (started.length) await started.pop()!.close();
  });
  afterAll(() => setup?.gw.close());

  async function limited(rateLimits: Limits, admission: Record<string, unknown> = {}) {
    const cfg = testConfig("standalone", {
      redis: { keyPrefix: setup.gw.config.redis.keyPrefix },
      admission: { ...admission, rateLimits: rateLimits as never },
    } as never);
    const g = await startGateway(cfg);
    started.push(g.gw);
    return g;
  }

  function expect429(r: { status: number; body: any; headers: Headers }, limiter: string) {
    expect(r.status).toBe(429);
    expect(r.body.error.code).toBe("RATE_LIMITED");
    expect(r.body.error.message).toContain(`${limiter} limit`);
    expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  }

  const long = (points: number) => ({ points, durationSeconds: 300, blockSeconds: 0 });

  it("per client IP: X-Forwarded-For counts only through a trusted proxy, and a 429 leaves the token unused", async () => {
    const saleId = `rlip${rid()}`;
    await setup.api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 });
    const token = await setup.api.token(saleId, "ivy");
    const { api } = await limited({ exemptIps: [], ip: long(4) }, { trustedProxies: ["127.0.0.1"] });
    const from = (xff: string) => ({ "x-forwarded-for": xff });
    for (let i = 0; i < 4; i++)
      expect((await api.call("GET", `/v1/sales/${saleId}`, { headers: from("203.0.113.9") })).status).toBe(200);
    expect429(await api.call("GET", `/v1/sales/${saleId}`, { headers: from("203.0.113.9") }), "ip");
    // What the client prepends is not believed: our proxy's hop (the rightmost) is the client.
    expect429(await api.call("GET", `/v1/sales/${saleId}`, { headers: from("198.51.100.1, 203.0.113.9") }), "ip");
    // Every buyer endpoint is limited, before authentication; the order attempt consumes nothing.
    const order = await api.call("POST", `/v1/sales/${saleId}/orders`, {
      headers: { ...api.buyer("ivy"), ...from("203.0.113.9"), "idempotency-key": token },
      body: {},
    });
    expect429(order, "ip");
    expect429(await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: { ...from("203.0.113.9") } }), "ip");
    // Another client is unaffected.
    expect((await api.call("GET", `/v1/sales/${saleId}`, { headers: from("203.0.113.10") })).status).toBe(200);
    expect((await setup.api.stats(saleId)).body).toMatchObject({ redisRemaining: 5, reserved: 0 });
    expect((await setup.api.order(saleId, "ivy", token)).status).toBe(202);
  });

  it("per client IP: X-Forwarded-For from a peer that is not a trusted proxy is ignored", async () => {
    const saleId = `rlxf${rid()}`;
    await setup.api.putSale(saleId, { stock: 5, shards: 1 });
    const { api } = await limited({ exemptIps: [], ip: long(3) });
    for (const xff of ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) {
      expect((await api.call("GET", `/v1/sales/${saleId}`, { headers: { "x-forwarded-for": xff } })).status).toBe(200);
    }
    expect429(await api.call("GET", `/v1/sales/${saleId}`, { headers: { "x-forwarded-for": "203.0.113.4" } }), "ip");
    // Loopback is exempt by default (local tools), which this gateway turned off; the default one is not limited.
    for (let i = 0; i < 10; i++) expect((await setup.api.call("GET", `/v1/sales/${saleId}`)).status).toBe(200);
  });

  it("per buyer: tokens and orders that reach Redis count, another buyer is unaffected, the refused token still buys", async () => {
    const saleId = `rlbu${rid()}`;
    await setup.api.putSale(saleId, { stock: 5, perUserLimit: 2, shards: 2 });
    const { api } = await limited({ buyer: long(3) });
    const t1 = await api.token(saleId, "bea");
    expect((await api.order(saleId, "bea", t1)).status).toBe(202);
    const t2 = await api.token(saleId, "bea");
    expect429(await api.order(saleId, "bea", t2), "buyer");
    expect429(await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer("bea") }), "buyer");
    expect((await api.order(saleId, "bob", await api.token(saleId, "bob"))).status).toBe(202);
    expect((await setup.api.stats(saleId)).body).toMatchObject({ reserved: 2 });
    // The sold-out flag's 409s are not counted: that answer costs no more than a 429.
    const flood = `rlbf${rid()}`;
    await setup.api.putSale(flood, { stock: 1, shards: 1 });
    const g = await limited({ buyer: long(3) });
    const ft = await g.api.token(flood, "fay");
    expect((await g.api.order(flood, "fay", ft)).status).toBe(202);
    const late = await g.api.token(flood, "gus");
    expect((await g.api.order(flood, "gus", late)).body.error.code).toBe("SOLD_OUT");
    for (let i = 0; i < 5; i++) expect((await g.api.order(flood, "gus", late)).body.error.code).toBe("SOLD_OUT");
    const later = await setup.api.order(saleId, "bea", t2);
    expect(later.status).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
  });

  it("per sale: counts only attempts that reach Redis; the sold-out flag's answers are not limited", async () => {
    const saleId = `rlsa${rid()}`;
    await setup.api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 });
    const { api } = await limited({ sale: long(2) });
    const users = ["s1", "s2", "s3"];
    const tokens = await Promise.all(users.map((u) => api.token(saleId, u)));
    expect((await api.order(saleId, "s1", tokens[0]!)).status).toBe(202);
    expect((await api.order(saleId, "s2", tokens[1]!)).status).toBe(202);
    expect429(await api.order(saleId, "s3", tokens[2]!), "sale");
    expect((await setup.api.stats(saleId)).body).toMatchObject({ redisRemaining: 3, reserved: 2 });
    expect((await setup.api.order(saleId, "s3", tokens[2]!)).status).toBe(202);

    // A one-unit sale on another gateway: one 202, one SOLD_OUT from Redis (which sets the flag), then the
    // flood is answered by the flag, never 429, though the sale limit is 2.
    const soldOut = `rlso${rid()}`;
    await setup.api.putSale(soldOut, { stock: 1, shards: 1 });
    const g2 = await limited({ sale: long(2) });
    const flood = Array.from({ length: 8 }, (_, i) => `f${i}`);
    const ftokens = await Promise.all(flood.map((u) => g2.api.token(soldOut, u)));
    const answers = [];
    for (let i = 0; i < flood.length; i++) answers.push((await g2.api.order(soldOut, flood[i]!, ftokens[i]!)).status);
    expect(answers).toEqual([202, ...Array(7).fill(409)]);
  });

  it("token issuance per buyer and sale is limited in each process, and writes nothing to Redis", async () => {
    const saleId = `rltk${rid()}`;
    await setup.api.putSale(saleId, { stock: 5, shards: 2 });
    const a = await limited({ tokenIssue: long(2) });
    const b = await limited({ tokenIssue: long(2) });
    const t1 = await a.api.token(saleId, "tom");
    await a.api.token(saleId, "tom");
    expect429(await a.api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: a.api.buyer("tom") }), "token_issue");
    // Another process counts its own (a signed token costs nothing; the sale's per-buyer limit holds anyway).
    await b.api.token(saleId, "tom");
    await a.api.token(saleId, "tia");
    const other = `rltk${rid()}`;
    await setup.api.putSale(other, { stock: 5, shards: 2 });
    await a.api.token(other, "tom");
    // Neither a limiter key nor a token record (the prefix is this file's own; other processes share the Redis).
    const prefix = setup.gw.config.redis.keyPrefix;
    expect(await setup.gw.redis.keys(`${prefix}rl:*`)).toEqual([]);
    const records = async () => [
      ...(await setup.gw.redis.keys(`${prefix}{${saleId}:*}:tok:*`)),
      ...(await setup.gw.redis.keys(`${prefix}{${other}:*}:tok:*`)),
    ];
    expect(await records()).toEqual([]);
    // The token buys, and only then is it recorded.
    expect((await setup.api.order(saleId, "tom", t1)).status).toBe(202);
    expect(await records()).toHaveLength(1);
  });
});

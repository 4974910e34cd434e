import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { Api, ledgerRecords, rid, startGateway, testConfig } from "../helpers/env.js";
import { idpJwt, idpKey, JwksServer, type IdpKey } from "../helpers/jwks-server.js";

const ISS = "https://idp.example.com/";
const AUD = "flash-sale-gateway";

/**
 * A gateway configured as behind an identity provider (RS256 and ES256 from a JWKS URL, issuer and audience
 * required), over real HTTP both ways: buyers holding the IdP's tokens take purchase tokens and buy; tokens
 * it must refuse get 401 and move no stock.
 */
describe("buyer auth through a gateway: RS256/ES256 from a JWKS", () => {
  let jwks: JwksServer;
  let rsa: IdpKey;
  let ec: IdpKey;
  let gw: GatewayProcess;
  let api: Api;
  const saleId = `jw${rid()}`;
  const stock = 5;
  const shards = 2;
  const exp = () => Math.floor(Date.now() / 1000) + 600;

  /** A buyer call with the given JWT (the test's Api would sign HS256 with the config's secret). */
  const asBuyer = (jwt: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) =>
    api.call(method, path, { headers: { authorization: `Bearer ${jwt}`, ...headers }, body });
  const takeToken = (jwt: string) => asBuyer(jwt, "POST", `/v1/sales/${saleId}/tokens`);
  const order = (jwt: string, token: string) =>
    asBuyer(jwt, "POST", `/v1/sales/${saleId}/orders`, { "idempotency-key": token }, { quantity: 1 });
  const remaining = async () => (await api.sale(saleId)).body.remaining as number;

  beforeAll(async () => {
    [rsa, ec] = await Promise.all([idpKey("RS256", "rsa-k1"), idpKey("ES256", "ec-k1")]);
    jwks = await JwksServer.start([rsa, ec]);
    const cfg = testConfig("standalone", {
      auth: {
        jwt: { algorithms: ["RS256", "ES256"], jwksUrl: jwks.url, issuer: ISS, audience: AUD, jwksCooldownSeconds: 60 },
      },
    });
    ({ gw, api } = await startGateway(cfg));
    expect((await api.putSale(saleId, { stock, perUserLimit: 1, shards })).status).toBe(201);
  });
  afterAll(async () => {
    await gw?.close();
    await jwks?.close();
  });

  it("an RS256 buyer and an ES256 buyer take tokens and buy, the keys fetched once", async () => {
    for (const [key, sub] of [
      [rsa, "rs-buyer"],
      [ec, "es-buyer"],
    ] as const) {
      const jwt = await idpJwt(key, { sub, iss: ISS, aud: AUD, exp: exp() });
      const t = await takeToken(jwt);
      expect(t.status).toBe(201);
      const o = await order(jwt, t.body.token);
      expect(o.status).toBe(202);
      // The order belongs to the token's sub: it reads back under the same JWT.
      const status = await asBuyer(jwt, "GET", `/v1/orders/${o.body.orderId}`);
      expect(status.status).toBe(200);
      expect(status.body.userId).toBe(sub);
    }
    expect(await remaining()).toBe(stock - 2);
    // The start-up warm-up fetched the set; nothing since (both kids were in it, every later call a cache hit).
    expect(jwks.hits).toBe(1);
  });

  it("refused tokens get 401 UNAUTHENTICATED and move no stock", async () => {
    const buyer = "victim-1";
    const good = await idpJwt(rsa, { sub: buyer, iss: ISS, aud: AUD, exp: exp() });
    const t = await takeToken(good);
    expect(t.status).toBe(201);
    const ledgerBefore = (await ledgerRecords(gw, saleId, shards)).length;
    const refused: [string, string][] = [
      ["wrong audience", await idpJwt(rsa, { sub: buyer, iss: ISS, aud: "another-api", exp: exp() })],
      ["wrong issuer", await idpJwt(ec, { sub: buyer, iss: "https://evil.example.com/", aud: AUD, exp: exp() })],
      ["expired", await idpJwt(rsa, { sub: buyer, iss: ISS, aud: AUD, exp: Math.floor(Date.now() / 1000) - 120 })],
      ["HS256 with the configured secret", api.jwt(buyer)],
      ["unknown kid", await idpJwt(rsa, { sub: buyer, iss: ISS, aud: AUD, exp: exp() }, "not-published")],
    ];
    for (const [name, jwt] of refused) {
      const r = await order(jwt, t.body.token);
      expect({ name, status: r.status, code: r.body.error?.code }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
    }
    // Straight from Redis (the sale view's remaining is cached for a moment): no reservation was made.
    expect((await ledgerRecords(gw, saleId, shards)).length).toBe(ledgerBefore);
    // The purchase token is untouched: the buyer's real JWT still buys with it.
    expect((await order(good, t.body.token)).status).toBe(202);
    expect((await ledgerRecords(gw, saleId, shards)).length).toBe(ledgerBefore + 1);
  });
});

describe("buyer auth through a gateway: the identity provider unreachable", () => {
  it("answers 503 UNAVAILABLE with Retry-After (not 401), reserves nothing and keeps serving", async () => {
    const key = await idpKey("ES256", "ec-down");
    const gone = await JwksServer.start([key]);
    await gone.close();
    const { gw, api } = await startGateway(
      testConfig("standalone", {
        auth: { jwt: { algorithms: ["ES256"], jwksUrl: gone.url, jwksCooldownSeconds: 60 } },
      }),
    );
    try {
      const saleId = `jd${rid()}`;
      expect((await api.putSale(saleId, { stock: 3, shards: 1 })).status).toBe(201);
      const jwt = await idpJwt(key, { sub: "buyer-1", exp: Math.floor(Date.now() / 1000) + 600 });
      for (let i = 0; i < 3; i++) {
        const r = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: { authorization: `Bearer ${jwt}` } });
        expect(r.status).toBe(503);
        expect(r.headers.get("retry-after")).toBe("1");
        expect(r.body.error.code).toBe("UNAVAILABLE");
      }
      expect((await ledgerRecords(gw, saleId, 1)).length).toBe(0);
      expect((await api.call("GET", "/healthz")).status).toBe(200);
    } finally {
      await gw.close();
    }
  });
});

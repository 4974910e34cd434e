import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { openApiPath } from "../../src/http/openapi.js";
import { ROUTES } from "../../src/http/route-table.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";

const OTHER_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"];
const SALE = () => `hs${rid(4)}`;
const ORDER = () => `${SALE()}.0.${rid(6)}`;

/** A request URL for a route's uWS pattern, with made-up but well-formed parameters. */
function urlOf(pattern: string): string {
  return pattern.replace(":saleId", SALE()).replace(":orderId", ORDER());
}

/**
 * The HTTP behaviours a platform team's tooling (CDNs, generated clients, API linters) relies on, against a
 * real gateway: 405 with Allow on a wrong method, WWW-Authenticate on every 401, Cache-Control on every
 * answer of the route table.
 */
/**
 * The JWT with its signature's first character changed. Not its last: the last of 43 base64url characters
 * carries 4 bits and 2 that decoding drops, so changing it can leave the signature valid (seen in CI).
 */
function badlySigned(jwt: string): string {
  const [header, payload, sig] = jwt.split(".") as [string, string, string];
  return `${header}.${payload}.${sig.startsWith("A") ? "B" : "A"}${sig.slice(1)}`;
}

describe("HTTP semantics", () => {
  let gw: GatewayProcess;
  let api: Api;
  let cors: { gw: GatewayProcess; api: Api };

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig("standalone")));
    cors = await startGateway(
      testConfig("standalone", { server: { cors: { origins: ["https://shop.example.com"], maxAgeSeconds: 60 } } }),
    );
  });
  afterAll(async () => {
    await gw?.close();
    await cors?.gw.close();
  });

  it("answers a wrong method on every path of the route table 405 METHOD_NOT_ALLOWED with Allow", async () => {
    const byPath = new Map<string, string[]>();
    for (const r of ROUTES) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r.method.toUpperCase()]);
    for (const [pattern, allowed] of byPath) {
      for (const method of OTHER_METHODS.filter((m) => !allowed.includes(m))) {
        const r = await api.call(method, urlOf(pattern), { headers: api.admin() });
        const what = `${method} ${openApiPath(pattern)}`;
        expect([r.status, r.body?.error?.code], what).toEqual([405, "METHOD_NOT_ALLOWED"]);
        expect(r.body.error.message, what).toEqual(expect.any(String));
        expect(r.headers.get("allow"), what).toBe(allowed.join(", "));
        expect(r.headers.get("x-request-id"), what).toBeTruthy();
      }
    }
    // A path the table does not have is still 404, whatever the method; a known one with its method is routed.
    for (const method of ["GET", "DELETE"])
      expect((await api.call(method, "/v1/nowhere")).body.error.code, method).toBe("NOT_FOUND");
    expect((await api.call("GET", `/v1/sales/${SALE()}/orders/extra`)).body.error.code).toBe("NOT_FOUND");
    expect((await api.call("GET", "/healthz")).status).toBe(200);
  });

  it("lists OPTIONS in Allow when CORS preflights are answered, and still answers the preflight", async () => {
    const r = await cors.api.call("DELETE", `/v1/sales/${SALE()}/orders`);
    expect([r.status, r.headers.get("allow")]).toEqual([405, "POST, OPTIONS"]);
    // The preflight route (every method's routes are tried before the 405s) still answers OPTIONS.
    const pre = await cors.api.call("OPTIONS", `/v1/sales/${SALE()}/orders`, {
      headers: { "access-control-request-method": "POST" },
    });
    expect([pre.status, pre.headers.get("allow")]).toEqual([204, null]);
    const off = await api.call("OPTIONS", `/v1/sales/${SALE()}/orders`);
    expect([off.status, off.headers.get("allow")]).toEqual([405, "POST"]);
  });

  it("carries WWW-Authenticate on every 401: Bearer realm, with invalid_token when a token came and failed", async () => {
    const realm = 'Bearer realm="flashsale"';
    const invalid = 'Bearer realm="flashsale", error="invalid_token"';
    const order = ORDER();
    const bearerRoutes: [string, string][] = [
      ["POST", `/v1/sales/${SALE()}/tokens`],
      ["GET", `/v1/orders/${order}`],
      ["POST", `/v1/orders/${order}/cancel`],
      ["GET", "/v1/admin/sales"],
      ["GET", `/v1/admin/sales/${SALE()}/stats`],
    ];
    const cases: [Record<string, string>, string][] = [
      [{}, realm],
      [{ authorization: "Basic eDp5" }, realm],
      [{ authorization: "Bearer not.a.jwt" }, invalid],
      [{ authorization: "Bearer two tokens" }, invalid],
      [{ authorization: `Bearer ${api.jwt("u-1", -60)}` }, invalid],
      [{ authorization: `Bearer ${badlySigned(api.jwt("u-1"))}` }, invalid],
    ];
    for (const [method, path] of bearerRoutes) {
      for (const [headers, challenge] of cases) {
        const r = await api.call(method, path, { headers });
        const what = `${method} ${path} ${JSON.stringify(headers)}`;
        // The admin routes take any well-formed bearer to the token compare (403), so only 401s are checked there.
        if (path.startsWith("/v1/admin") && r.status === 403) continue;
        expect([r.status, r.body.error.code], what).toEqual([401, "UNAUTHENTICATED"]);
        expect(r.headers.get("www-authenticate"), what).toBe(challenge);
      }
    }
    // The order route reads the credentials before anything else.
    const unsigned = await api.call("POST", `/v1/sales/${SALE()}/orders`, {
      headers: { "idempotency-key": rid(16) },
      body: {},
    });
    expect([unsigned.status, unsigned.headers.get("www-authenticate")]).toEqual([401, realm]);
    // A valid credential's refusals carry none.
    const forbidden = await api.call("GET", "/v1/admin/sales", { headers: api.buyer("u-1") });
    expect([forbidden.status, forbidden.headers.get("www-authenticate")]).toEqual([403, null]);
  });

  it("carries the X-Signature challenge on the payment callback's 401s", async () => {
    const raw = JSON.stringify({ eventId: `ev-${rid(3)}`, orderId: ORDER(), status: "SUCCEEDED" });
    const stale = api.signPayment(raw, Date.now() - 3_600_000);
    for (const signature of [null, `sha256=${"0".repeat(64)}`, "md5=abc", stale]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (signature !== null) headers["x-signature"] = signature;
      const r = await api.call("POST", "/v1/payments/callback", { headers, raw });
      expect([r.status, r.body.error.code], String(signature)).toEqual([401, "UNAUTHENTICATED"]);
      expect(r.headers.get("www-authenticate"), String(signature)).toBe(
        'HMAC-SHA256 realm="flashsale", header="X-Signature"',
      );
    }
  });

  it("lets a shared cache hold the public sale view for a second, and nothing else", async () => {
    const saleId = SALE();
    const buyer = `u-${rid(3)}`;
    expect((await api.putSale(saleId, { stock: 1, perUserLimit: 1 })).status).toBe(201);
    const live = await api.call("GET", `/v1/sales/${saleId}`);
    expect([live.status, live.body.status]).toEqual([200, "LIVE"]);
    expect(live.headers.get("cache-control")).toBe("public, max-age=1");
    // Answers that depend on the caller's credentials, or on the moment, must never be shared.
    const token = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer(buyer) });
    expect([token.status, token.headers.get("cache-control")]).toEqual([201, "no-store"]);
    const order = await api.order(saleId, buyer, token.body.token, 1);
    expect([order.status, order.headers.get("cache-control")]).toEqual([202, "no-store"]);
    const status = await api.orderStatus(order.body.orderId, buyer);
    expect([status.status, status.headers.get("cache-control")]).toEqual([200, "no-store"]);
    const stats = await api.stats(saleId);
    expect([stats.status, stats.headers.get("cache-control")]).toEqual([200, "no-store"]);
    // `remaining` may lag 250 ms: asked again until the view says SOLD_OUT.
    let soldOut = await api.call("GET", `/v1/sales/${saleId}`);
    for (let i = 0; i < 30 && soldOut.body.status !== "SOLD_OUT"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      soldOut = await api.call("GET", `/v1/sales/${saleId}`);
    }
    expect([soldOut.status, soldOut.body.status, soldOut.headers.get("cache-control")]).toEqual([
      200,
      "SOLD_OUT",
      "public, max-age=1",
    ]);
    const refused = await api.order(saleId, `u-${rid(3)}`, rid(16), 1);
    expect(refused.status).toBeOneOf([403, 409]);
    expect(refused.headers.get("cache-control")).toBe("no-store");
    // The sale view's own refusals are not held: a sale put a moment later must show at once.
    const missing = await api.call("GET", `/v1/sales/${SALE()}`);
    expect([missing.status, missing.headers.get("cache-control")]).toEqual([404, "no-store"]);
    expect((await api.call("GET", "/healthz")).headers.get("cache-control")).toBe("no-store");
    // An ended sale is still the same for everyone.
    const ended = SALE();
    await api.putSale(ended, { stock: 1, startInMs: -2000, durationMs: 1000 });
    const view = await api.call("GET", `/v1/sales/${ended}`);
    expect([view.body.status, view.headers.get("cache-control")]).toEqual(["ENDED", "public, max-age=1"]);
  });
});

import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signBuyerJwt } from "../../src/admission/auth.js";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { adminTokens } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";

interface Row {
  name: string;
  method?: string;
  /** Default: the victim sale's orders endpoint. */
  path?: string;
  headers?: Record<string, string | null>;
  /** Raw body: a string, or bytes. */
  body?: string | Uint8Array;
  status: number;
  code: string;
}

const b64 = (o: unknown) => Buffer.from(typeof o === "string" ? o : JSON.stringify(o)).toString("base64url");

/**
 * At least fifty bad or abusive requests against a live sale. Each must be refused with the right status
 * and code, and leave everything as it was: the stock on every shard, the victim's purchase token (no Redis
 * key until it buys) and the ledger. At the end the victim's token still buys.
 */
describe("bad and abusive requests change nothing", () => {
  let gw: GatewayProcess;
  let api: Api;
  const saleId = `bad${rid()}`;
  const otherSale = `oth${rid()}`;
  const stock = 10;
  const shards = 4;
  const victim = "victim-1";
  let token = "";
  let otherToken = "";
  let jwt = "";
  /** Another buyer's order, in the other sale: the victim may neither see nor cancel it. */
  let ownersOrder = "";

  beforeAll(async () => {
    // This test is about validation: the buyer limiter (tested on its own) must not answer first.
    ({ gw, api } = await startGateway(
      testConfig("standalone", { admission: { rateLimits: { buyer: { points: 1_000_000 } } } }),
    ));
    expect((await api.putSale(saleId, { stock, perUserLimit: 2, shards })).status).toBe(201);
    expect((await api.putSale(otherSale, { stock, perUserLimit: 2, shards })).status).toBe(201);
    token = await api.token(saleId, victim);
    otherToken = await api.token(otherSale, victim);
    jwt = api.jwt(victim);
    const placed = await api.order(otherSale, "owner-1", await api.token(otherSale, "owner-1"));
    expect(placed.status).toBe(202);
    ownersOrder = placed.body.orderId as string;
  });
  afterAll(() => gw?.close());

  const secret = () => api.cfg.auth.userJwtSecret;
  /** Tokens made by hand: the gateway's own key (derived from the JWT secret), or a key it does not list. */
  const expired = () => new PurchaseTokens(secret()).mint(saleId, victim, Date.now() - 1000);
  const foreignKid = () =>
    new PurchaseTokens([{ id: "x9", secret: secret() }]).mint(saleId, victim, Date.now() + 60_000);
  const flipped = (t: string) => `${t.slice(0, 20)}${t[20] === "A" ? "B" : "A"}${t.slice(21)}`;
  const laterExpiry = (t: string) => {
    const raw = Buffer.from(t, "base64url");
    raw.writeUIntBE(Date.now() + 86_400_000, 2 + raw[1]!, 6);
    return raw.toString("base64url");
  };
  const exp = () => Math.floor(Date.now() / 1000) + 600;
  const bearer = (t: string) => `Bearer ${t}`;
  /** A JWT signed with the right secret over a hand-written claims text (duplicate keys survive). */
  const rawJwt = (claimsText: string, header: unknown = { alg: "HS256", typ: "JWT" }) => {
    const h = b64(header);
    const p = b64(claimsText);
    return `${h}.${p}.${createHmac("sha256", secret()).update(`${h}.${p}`).digest("base64url")}`;
  };

  const rows = (): Row[] => {
    const buyer = { authorization: bearer(jwt), "idempotency-key": token, "content-type": "application/json" };
    const json = (body: string, status = 400, code = "INVALID_REQUEST"): Omit<Row, "name"> => ({
      headers: buyer,
      body,
      status,
      code,
    });
    const bad = (body: string) => json(body);
    const withKey = (key: string | null, status = 400, code = "INVALID_REQUEST"): Omit<Row, "name"> => ({
      headers: { ...buyer, "idempotency-key": key },
      body: "{}",
      status,
      code,
    });
    const asAuth = (authorization: string | null, status = 401, code = "UNAUTHENTICATED"): Omit<Row, "name"> => ({
      headers: { ...buyer, authorization },
      body: "{}",
      status,
      code,
    });
    const atSale = (id: string, status = 400, code = "INVALID_REQUEST"): Omit<Row, "name"> => ({
      path: `/v1/sales/${id}/orders`,
      headers: buyer,
      body: "{}",
      status,
      code,
    });
    // Bytes, so that fetch adds no content type of its own.
    const typed = (contentType: string | null, body = '{"quantity":1}'): Omit<Row, "name"> => ({
      headers: { ...buyer, "content-type": contentType },
      body: Buffer.from(body),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    });
    const pay = "/v1/payments/callback";
    const payment = (over: Record<string, unknown> = {}) =>
      JSON.stringify({ eventId: "ev-bad-1", orderId: ownersOrder, status: "SUCCEEDED", ...over });
    const signed = (body: string): Omit<Row, "name"> => ({
      path: pay,
      headers: { "content-type": "application/json", "x-signature": api.signPayment(body) },
      body,
      status: 400,
      code: "INVALID_REQUEST",
    });
    const list: [string, Omit<Row, "name">][] = [
      // JSON syntax and structure
      ["truncated JSON", bad('{"quantity":')],
      ["trailing garbage", bad('{"quantity":1}x')],
      ["two JSON values", bad('{"quantity":1}{"quantity":1}')],
      ["duplicate key", bad('{"quantity":1,"quantity":2}')],
      ["__proto__ key", bad('{"__proto__":{"quantity":5}}')],
      ["__proto__ beside quantity", bad('{"quantity":1,"__proto__":{"isAdmin":true}}')],
      ["constructor key", bad('{"constructor":{"prototype":{"quantity":5}}}')],
      ["deep nesting", bad(`{"quantity":1,"x":${"[".repeat(40)}${"]".repeat(40)}}`)],
      ["array body", bad('[{"quantity":1}]')],
      ["string body", bad('"quantity"')],
      ["null body", bad("null")],
      ["number body", bad("1")],
      ["single quotes", bad("{'quantity':1}")],
      ["comment", bad('{"quantity":1 /* one */}')],
      ["NaN literal", bad('{"quantity":NaN}')],
      ["leading zero", bad('{"quantity":01}')],
      ["hex number", bad('{"quantity":0x1}')],
      ["unterminated string", bad('{"quantity":1,"x":"abc}')],
      ["raw control byte in a key", bad('{"quan\u0001tity":1}')],
      ["trailing comma", bad('{"quantity":1,}')],
      // quantity
      ["quantity 0", bad('{"quantity":0}')],
      ["quantity -1", bad('{"quantity":-1}')],
      ["quantity 1.5", bad('{"quantity":1.5}')],
      ["quantity as string", bad('{"quantity":"1"}')],
      ["quantity 1e400", bad('{"quantity":1e400}')],
      ["quantity 2^53+1", bad('{"quantity":9007199254740993}')],
      ["quantity over the maximum", bad('{"quantity":10001}')],
      ["quantity true", bad('{"quantity":true}')],
      ["quantity null", bad('{"quantity":null}')],
      ["quantity array", bad('{"quantity":[1]}')],
      ["quantity object", bad('{"quantity":{"n":1}}')],
      // fields a buyer must not set
      ["userId in the body", bad('{"quantity":1,"userId":"someone-else"}')],
      ["price in the body", bad('{"quantity":1,"price":0}')],
      ["status in the body", bad('{"status":"PAID"}')],
      ["orderId in the body", bad('{"orderId":"x.0.aaaaaaaaaaaa"}')],
      [
        "invalid UTF-8",
        {
          headers: buyer,
          body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]),
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      // content type and size
      ["text/plain body", typed("text/plain")],
      ["no content type", typed(null)],
      ["form-encoded body", typed("application/x-www-form-urlencoded", "quantity=1")],
      ["JSON in latin1", typed("application/json; charset=latin1")],
      ["application/jsonx", typed("application/jsonx")],
      [
        "body over 4 KiB",
        { headers: buyer, body: `{"quantity":1,"pad":"${"x".repeat(5000)}"}`, status: 413, code: "PAYLOAD_TOO_LARGE" },
      ],
      // Idempotency-Key
      ["no Idempotency-Key", withKey(null)],
      ["short Idempotency-Key", withKey(token.slice(0, 31))],
      ["long Idempotency-Key", withKey(`${token}${"A".repeat(65 - token.length)}`)],
      ["Idempotency-Key in standard base64", withKey(`${token.slice(0, 30)}+/`)],
      ["Idempotency-Key with a dot", withKey(`${token.slice(0, 31)}.`)],
      ["forged token of the right shape", withKey("A".repeat(32), 403, "INVALID_TOKEN")],
      ["token cut by one character", withKey(token.slice(1), 403, "INVALID_TOKEN")],
      ["token with a character appended", withKey(`${token}A`, 403, "INVALID_TOKEN")],
      ["token with one character changed", withKey(flipped(token), 403, "INVALID_TOKEN")],
      ["token with a later expiry written in", withKey(laterExpiry(token), 403, "INVALID_TOKEN")],
      ["token signed under an unlisted key id", withKey(foreignKid(), 403, "INVALID_TOKEN")],
      ["expired token (never used)", withKey(expired(), 403, "INVALID_TOKEN")],
      ["the victim's token for another sale", withKey(otherToken, 403, "INVALID_TOKEN")],
      [
        "the victim's token by another buyer",
        {
          headers: { ...buyer, authorization: bearer(api.jwt("mallory")) },
          body: "{}",
          status: 403,
          code: "INVALID_TOKEN",
        },
      ],
      // sale ids
      ["sale id with a hash tag", atSale("%7Bx%7D")],
      ["sale id with a closing brace", atSale(`${saleId}%7D`)],
      ["sale id with a control byte", atSale(`${saleId}%01`)],
      ["sale id with a colon", atSale(`${saleId}:0`)],
      ["sale id with an encoded slash", atSale(`${saleId}%2F..`)],
      ["overlong sale id", atSale("s".repeat(65))],
      ["unknown sale", atSale(`nosuch${rid()}`, 404, "SALE_NOT_FOUND")],
      // credentials
      ["no Authorization", asAuth(null)],
      ["Basic credentials", asAuth("Basic dmljdGltOnB3")],
      ["alg none", asAuth(bearer(`${b64({ alg: "none", typ: "JWT" })}.${b64({ sub: victim, exp: exp() })}.`))],
      [
        "expired JWT",
        asAuth(bearer(signBuyerJwt(secret(), { sub: victim, exp: Math.floor(Date.now() / 1000) - 3600 }))),
      ],
      [
        "JWT signed with another secret",
        asAuth(bearer(signBuyerJwt("not-the-secret-0123456789", { sub: victim, exp: exp() }))),
      ],
      ["oversized Authorization", asAuth(bearer("a".repeat(3000)))],
      ["admin token on a buyer endpoint", asAuth(bearer(adminTokens(api.cfg.auth)[0]!))],
      ["JWT with two sub claims", asAuth(bearer(rawJwt(`{"sub":"mallory","exp":${exp()},"sub":"${victim}"}`)))],
      ["JWT sub with a hash tag", asAuth(bearer(signBuyerJwt(secret(), { sub: "{victim}", exp: exp() })))],
      [
        "JWT issued in the future",
        asAuth(bearer(signBuyerJwt(secret(), { sub: victim, exp: exp(), iat: Math.floor(Date.now() / 1000) + 3600 }))),
      ],
      [
        "JWT with alg HS256 twice in its header",
        asAuth(bearer(rawJwt(`{"sub":"${victim}","exp":${exp()}}`, '{"alg":"none","alg":"HS256"}'))),
      ],
      // other endpoints that could move stock or tokens
      [
        "buyer on the operator's PUT",
        {
          method: "PUT",
          path: `/v1/admin/sales/${saleId}`,
          headers: { authorization: bearer(jwt), "content-type": "application/json" },
          body: JSON.stringify({ skuId: "x", stock: 1_000, perUserLimit: 1, startsAt: 1, endsAt: 2 }),
          status: 403,
          code: "FORBIDDEN",
        },
      ],
      [
        "operator PUT with __proto__",
        {
          method: "PUT",
          path: `/v1/admin/sales/${saleId}`,
          headers: { ...api.admin(), "content-type": "application/json" },
          body: '{"__proto__":{"stock":1000}}',
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "operator PUT with an unknown field",
        {
          method: "PUT",
          path: `/v1/admin/sales/${saleId}`,
          headers: { ...api.admin(), "content-type": "application/json" },
          body: '{"skuId":"x","stock":1000,"perUserLimit":1,"startsAt":1,"endsAt":2,"price":0}',
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "token request with a userId",
        {
          path: `/v1/sales/${saleId}/tokens`,
          headers: { authorization: bearer(jwt), "content-type": "application/json" },
          body: '{"userId":"someone-else"}',
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "token request for a hash-tag sale id",
        {
          path: "/v1/sales/%7Bx%7D/tokens",
          headers: { authorization: bearer(jwt) },
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "sale view of a hash-tag sale id",
        { method: "GET", path: "/v1/sales/%7B0%7D", status: 400, code: "INVALID_REQUEST" },
      ],
      [
        "stats of a sale id with a control byte",
        {
          method: "GET",
          path: `/v1/admin/sales/${saleId}%00/stats`,
          headers: api.admin(),
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "no such route",
        { path: `/v1/sales/${saleId}/orders/extra`, headers: buyer, body: "{}", status: 404, code: "NOT_FOUND" },
      ],
      // The payment provider's callback: the signature first, then the body, then the order.
      [
        "payment without X-Signature",
        {
          path: pay,
          headers: { "content-type": "application/json" },
          body: payment(),
          status: 401,
          code: "UNAUTHENTICATED",
        },
      ],
      [
        "payment with a wrong signature",
        {
          path: pay,
          headers: { "content-type": "application/json", "x-signature": `sha256=${"ab".repeat(32)}` },
          body: payment(),
          status: 401,
          code: "UNAUTHENTICATED",
        },
      ],
      [
        "payment signed with the JWT secret",
        {
          path: pay,
          headers: {
            "content-type": "application/json",
            "x-signature": `sha256=${createHmac("sha256", secret()).update(payment()).digest("hex")}`,
          },
          body: payment(),
          status: 401,
          code: "UNAUTHENTICATED",
        },
      ],
      [
        "payment body changed after signing",
        {
          path: pay,
          headers: { "content-type": "application/json", "x-signature": api.signPayment(payment()) },
          body: payment({ status: "FAILED" }),
          status: 401,
          code: "UNAUTHENTICATED",
        },
      ],
      ["payment signed, malformed JSON", signed('{"eventId":"e1",')],
      ["payment signed, an unknown field", signed(payment({ amount: 100 }))],
      ["payment signed, a duplicate key", signed('{"eventId":"e1","eventId":"e2","orderId":"x","status":"SUCCEEDED"}')],
      ["payment signed, status of the wrong type", signed(payment({ status: 1 }))],
      ["payment signed, unknown status", signed(payment({ status: "REFUNDED" }))],
      ["payment signed, malformed order id", signed(payment({ orderId: "../etc" }))],
      ["payment signed, empty body", signed("")],
      [
        "payment signed, for no such order",
        { ...signed(payment({ orderId: `${saleId}.0.AAAAAAAAAAAA` })), status: 404, code: "ORDER_NOT_FOUND" },
      ],
      [
        "payment signed, not JSON",
        {
          ...signed(payment()),
          headers: { "content-type": "text/plain", "x-signature": api.signPayment(payment()) },
          status: 415,
          code: "UNSUPPORTED_MEDIA_TYPE",
        },
      ],
      [
        "payment body over the limit",
        {
          path: pay,
          headers: { "content-type": "application/json", "x-signature": api.signPayment("x") },
          body: "x".repeat(5000),
          status: 413,
          code: "PAYLOAD_TOO_LARGE",
        },
      ],
      // Buyer cancel.
      [
        "cancel another buyer's order",
        {
          path: `/v1/orders/${ownersOrder}/cancel`,
          headers: { authorization: bearer(jwt) },
          status: 404,
          code: "ORDER_NOT_FOUND",
        },
      ],
      [
        "cancel a malformed order id",
        {
          path: "/v1/orders/x.y/cancel",
          headers: { authorization: bearer(jwt) },
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "cancel an order that does not exist",
        {
          path: `/v1/orders/${saleId}.1.AAAAAAAAAAAA/cancel`,
          headers: { authorization: bearer(jwt) },
          status: 404,
          code: "ORDER_NOT_FOUND",
        },
      ],
      [
        "cancel with a body field",
        {
          path: `/v1/orders/${ownersOrder}/cancel`,
          headers: { authorization: bearer(jwt), "content-type": "application/json" },
          body: '{"reason":"changed my mind"}',
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "cancel without credentials",
        { path: `/v1/orders/${ownersOrder}/cancel`, status: 401, code: "UNAUTHENTICATED" },
      ],
      [
        "cancel with malformed JSON",
        {
          path: `/v1/orders/${ownersOrder}/cancel`,
          headers: { authorization: bearer(jwt), "content-type": "application/json" },
          body: "{",
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "cancel with a body over the limit",
        {
          path: `/v1/orders/${ownersOrder}/cancel`,
          headers: { authorization: bearer(jwt), "content-type": "application/json" },
          body: `{"x":"${"a".repeat(5000)}"}`,
          status: 413,
          code: "PAYLOAD_TOO_LARGE",
        },
      ],
      [
        "cancel with a body that is not JSON",
        {
          path: `/v1/orders/${ownersOrder}/cancel`,
          headers: { authorization: bearer(jwt), "content-type": "text/plain" },
          body: "please",
          status: 415,
          code: "UNSUPPORTED_MEDIA_TYPE",
        },
      ],
      // Operator endpoints added with the order lifecycle.
      [
        "pause by a buyer",
        {
          path: `/v1/admin/sales/${saleId}/pause`,
          headers: { authorization: bearer(jwt) },
          status: 403,
          code: "FORBIDDEN",
        },
      ],
      ["pause without credentials", { path: `/v1/admin/sales/${saleId}/pause`, status: 401, code: "UNAUTHENTICATED" }],
      [
        "pause of no such sale",
        { path: `/v1/admin/sales/none${rid()}/pause`, headers: api.admin(), status: 404, code: "SALE_NOT_FOUND" },
      ],
      [
        "pause with malformed JSON",
        {
          path: `/v1/admin/sales/${saleId}/pause`,
          headers: { ...api.admin(), "content-type": "application/json" },
          body: '{"a":',
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "pause with a body over the limit",
        {
          path: `/v1/admin/sales/${saleId}/pause`,
          headers: { ...api.admin(), "content-type": "application/json" },
          body: `{"x":"${"a".repeat(5000)}"}`,
          status: 413,
          code: "PAYLOAD_TOO_LARGE",
        },
      ],
      [
        "refunds of no such sale",
        {
          method: "GET",
          path: `/v1/admin/sales/none${rid()}/refunds`,
          headers: api.admin(),
          status: 404,
          code: "SALE_NOT_FOUND",
        },
      ],
      [
        "pause with a body field",
        {
          path: `/v1/admin/sales/${saleId}/pause`,
          headers: { ...api.admin(), "content-type": "application/json" },
          body: '{"until":"tomorrow"}',
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
      [
        "resume by a buyer",
        {
          path: `/v1/admin/sales/${saleId}/resume`,
          headers: { authorization: bearer(jwt) },
          status: 403,
          code: "FORBIDDEN",
        },
      ],
      [
        "refunds by a buyer",
        {
          method: "GET",
          path: `/v1/admin/sales/${saleId}/refunds`,
          headers: { authorization: bearer(jwt) },
          status: 403,
          code: "FORBIDDEN",
        },
      ],
      [
        "refunds of a malformed sale id",
        {
          method: "GET",
          path: "/v1/admin/sales/%7Bx%7D/refunds",
          headers: api.admin(),
          status: 400,
          code: "INVALID_REQUEST",
        },
      ],
    ];
    return list.map(([name, r]) => ({ name, ...r }));
  };

  /** Everything a bad request could have touched: per-shard stock and ledgers, and the victim's token. */
  async function snapshot() {
    const s = await api.stats(saleId);
    const home = gw.keys.shard(saleId, homeShard(victim, shards));
    const perShard = await Promise.all(
      Array.from({ length: shards }, async (_, i) => {
        const k = gw.keys.shard(saleId, i);
        return [await gw.redis.get(k.stock), await gw.redis.hgetall(k.res), await gw.redis.hgetall(k.buyers)];
      }),
    );
    const owners = gw.keys.shard(otherSale, homeShard("owner-1", shards));
    return {
      stats: s.body,
      perShard,
      token: await gw.redis.hgetall(home.token(token)),
      other: await gw.redis.hgetall(gw.keys.shard(otherSale, homeShard(victim, shards)).token(otherToken)),
      ownersOrder: await gw.redis.hget(owners.res, ownersOrder),
      sale: await gw.sales.load(saleId),
    };
  }

  it("has at least fifty rows", () => {
    expect(rows().length).toBeGreaterThanOrEqual(50);
  });

  it("refuses each one with its status and code, and nothing changes", async () => {
    const before = await snapshot();
    expect(before.stats).toMatchObject({ stock, redisRemaining: stock, reserved: 0 });
    // A signed token has no Redis key until it buys: none of these rows may create one (or a tombstone).
    expect(before.token).toEqual({});
    for (const row of rows()) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(row.headers ?? {})) if (v !== null) headers[k] = v;
      const r = await fetch(api.url(row.path ?? `/v1/sales/${saleId}/orders`), {
        method: row.method ?? "POST",
        headers,
        body: row.body as RequestInit["body"],
      });
      const text = await r.text();
      let body: any = null;
      try {
        body = JSON.parse(text);
      } catch {
        /* reported below */
      }
      expect({ row: row.name, status: r.status, code: body?.error?.code }).toEqual({
        row: row.name,
        status: row.status,
        code: row.code,
      });
      expect(r.headers.get("x-request-id"), row.name).toBeTruthy();
      expect(await snapshot(), row.name).toEqual(before);
    }
    // The victim's token was never consumed: it still buys, exactly once.
    const ok = await api.order(saleId, victim, token, 2);
    expect(ok.status).toBe(202);
    expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: stock - 2, reserved: 2 });
  });
});

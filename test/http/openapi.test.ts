import SwaggerParser from "@apidevtools/swagger-parser";
import { proofFor } from "../../support/pow-answer.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";
import { codesOf, operations, type Doc } from "../helpers/openapi-doc.js";

const SALE = () => `oa${rid(4)}`;
/** Well-formed ids nobody holds: an order id is `<saleId>.<shard>.<12 of [A-Za-z0-9_-]>`, a key 32 of them. */
const ORDER = () => `${SALE()}.0.${rid(6)}`;
const KEY = () => rid(16);

describe("OpenAPI document", () => {
  const doc: Doc = openApiDocument();
  let gw: GatewayProcess;
  let api: Api;
  let served: Doc;
  let dereferenced: Doc;
  /** JSON Schema 2020-12, as OpenAPI 3.1 uses it; formats are hints here, the patterns carry the rules. */
  const ajv = new Ajv2020({ strict: false, validateFormats: false });

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig("standalone")));
    const r = await api.call("GET", "/openapi.json");
    expect(r.status).toBe(200);
    served = r.body;
    dereferenced = await SwaggerParser.dereference(structuredClone(doc));
  });
  afterAll(async () => {
    await gw?.close();
  });

  it("is served at GET /openapi.json as built, and passes swagger-parser's OpenAPI 3.1 validation", async () => {
    expect(served).toEqual(JSON.parse(JSON.stringify(doc)));
    expect(served.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(served))).resolves.toBeTruthy();
    // The validator is awake: a response without a description, or a dangling $ref, is refused.
    const broken = structuredClone(served);
    delete broken.paths["/healthz"].get.responses["200"].description;
    await expect(SwaggerParser.validate(broken)).rejects.toThrow();
    const dangling = structuredClone(served);
    dangling.paths["/healthz"].get.responses["200"].content["application/json"].schema = {
      $ref: "#/components/schemas/Nope",
    };
    await expect(SwaggerParser.validate(dangling)).rejects.toThrow();
  });

  /** Credentials for an operation's security requirement. */
  function auth(op: Doc, body?: string): Record<string, string> {
    const scheme = Object.keys(op.security?.[0] ?? {})[0];
    if (scheme === "buyerJwt") return api.buyer(`u-${rid(3)}`);
    if (scheme === "adminToken") return api.admin();
    if (scheme === "paymentSignature") return { "x-signature": api.signPayment(body ?? "") };
    return {};
  }

  /** A request to an operation with valid credentials, path parameters and Idempotency-Key unless overridden. */
  async function send(
    path: string,
    method: string,
    opts: {
      params?: Record<string, string>;
      body?: unknown;
      raw?: string;
      contentType?: string;
      key?: string | null;
    } = {},
  ) {
    const op = dereferenced.paths[path][method];
    const params = { saleId: SALE(), orderId: ORDER(), ...opts.params };
    const url = path.replace(/\{(\w+)\}/g, (_, name: string) => params[name as keyof typeof params]);
    const raw = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...auth(op, raw) };
    if (raw !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
    const key = opts.key === undefined ? KEY() : opts.key;
    if (key !== null && op.parameters.some((p: Doc) => p.name === "Idempotency-Key")) headers["idempotency-key"] = key;
    const r = await api.call(method.toUpperCase(), url, { headers, raw });
    return { ...r, op };
  }

  /** The dereferenced operation for an OpenAPI path and method. */
  const opAt = (path: string, method: string): Doc => dereferenced.paths[path][method];

  /** The answer is one the operation documents: its status, and for an error a code listed under it. */
  function expectDocumented(r: { status: number; body: Doc; headers?: Headers; op: Doc }, what: string) {
    const response = r.op.responses[String(r.status)];
    expect(response, `${what}: ${r.status} ${JSON.stringify(r.body)} documented`).toBeDefined();
    if (r.status >= 400) expect(codesOf(response), `${what}: ${JSON.stringify(r.body)}`).toContain(r.body.error.code);
    const schema = response.content?.["application/json"]?.schema;
    if (schema) {
      const validate = ajv.compile(schema);
      expect(
        validate(r.body),
        `${what}: ${JSON.stringify(r.body)} fits the documented schema: ${ajv.errorsText(validate.errors)}`,
      ).toBe(true);
    }
    for (const name of ["Idempotent-Replayed", "Retry-After", "WWW-Authenticate", "Cache-Control"]) {
      if (r.headers?.has(name))
        expect(response.headers?.[name], `${what}: ${name} documented on ${r.status}`).toBeDefined();
    }
  }

  it("routes every documented operation (never NOT_FOUND) and answers it as documented; other methods are METHOD_NOT_ALLOWED", async () => {
    for (const { method, path } of operations(doc)) {
      const r = await send(path, method);
      expect(r.body?.error?.code, `${method} ${path}`).not.toBe("NOT_FOUND");
      expectDocumented(r, `${method} ${path}`);
    }
    const other = await api.call("DELETE", `/v1/sales/${SALE()}`);
    expect([other.status, other.body.error.code, other.headers.get("allow")]).toEqual([
      405,
      "METHOD_NOT_ALLOWED",
      "GET",
    ]);
    expect((await api.call("GET", "/v1/nowhere")).body.error.code).toBe("NOT_FOUND");
  });

  it("refuses missing and wrong credentials on every secured operation, as documented", async () => {
    const secured = operations(dereferenced).filter(({ op }) => op.security.length > 0);
    expect(secured.length).toBeGreaterThan(10);
    const wrong: Record<string, Record<string, string>[]> = {
      buyerJwt: [{}, { authorization: "Bearer not.a.jwt" }, { authorization: `Bearer ${api.jwt("u-1", -60)}` }],
      adminToken: [{}, { authorization: "Basic eDp5" }, { authorization: "Bearer not-the-token" }, api.buyer("u-1")],
      paymentSignature: [{}, { "x-signature": `sha256=${"0".repeat(64)}` }, { "x-signature": "md5=abc" }],
    };
    for (const { method, path, op } of secured) {
      const url = path.replace("{saleId}", SALE()).replace("{orderId}", ORDER());
      for (const headers of wrong[Object.keys(op.security[0])[0]!]!) {
        const r = await api.call(method.toUpperCase(), url, { headers: { ...headers, "idempotency-key": KEY() } });
        expect(r.status, `${method} ${path} ${JSON.stringify(headers)}: ${JSON.stringify(r.body)}`).toBeOneOf([
          401, 403,
        ]);
        expectDocumented({ ...r, op }, `${method} ${path} ${JSON.stringify(headers)}`);
      }
    }
  });

  it("refuses a body over server.maxBodyBytes (413) and one that is not JSON (415), as documented", async () => {
    const withBody = operations(dereferenced).filter(({ method }) => method === "post" || method === "put");
    for (const { method, path } of withBody) {
      const big = await send(path, method, { raw: JSON.stringify({ pad: "x".repeat(api.cfg.server.maxBodyBytes) }) });
      expect([big.status, big.body.error?.code], `${method} ${path}`).toEqual([413, "PAYLOAD_TOO_LARGE"]);
      expectDocumented(big, `${method} ${path} too large`);
    }
    for (const { method, path } of withBody.filter(({ op }) => op.requestBody)) {
      const text = await send(path, method, { raw: "quantity=1", contentType: "text/plain" });
      expect([text.status, text.body.error?.code], `${method} ${path}`).toEqual([415, "UNSUPPORTED_MEDIA_TYPE"]);
      expectDocumented(text, `${method} ${path} text/plain`);
    }
  });

  it("a buyer over the per-buyer limit gets 429 RATE_LIMITED with Retry-After, as documented", async () => {
    const headers = api.buyer(`u-${rid(3)}`);
    const orderId = ORDER();
    const answers = await Promise.all(
      Array.from({ length: api.cfg.admission.rateLimits.buyer.points + 5 }, () =>
        api.call("GET", `/v1/orders/${orderId}`, { headers }),
      ),
    );
    const limited = answers.find((r) => r.status === 429);
    expect(limited, JSON.stringify(answers.map((r) => r.status))).toBeDefined();
    expect(limited!.headers.get("retry-after")).toMatch(/^\d+$/);
    expectDocumented({ ...limited!, op: opAt("/v1/orders/{orderId}", "get") }, "order status over the buyer limit");
  });

  it("path parameters and Idempotency-Keys the document's patterns refuse are refused 400 INVALID_REQUEST", async () => {
    const bad = { saleId: "a".repeat(65), orderId: "not-an-order-id" };
    const param = (name: string) => new RegExp(dereferenced.components.parameters[name].schema.pattern, "u");
    for (const [name, value] of Object.entries(bad)) expect(param(name).test(value)).toBe(false);
    for (const { method, path } of operations(doc).filter((o) => o.path.includes("{"))) {
      const name = /\{(\w+)\}/.exec(path)![1]!;
      const r = await send(path, method, {
        params: { [name]: bad[name as keyof typeof bad] },
        body: dereferenced.paths[path][method].requestBody ? {} : undefined,
      });
      expect([r.status, r.body.error?.code], `${method} ${path} with ${name} ${bad[name as keyof typeof bad]}`).toEqual(
        [400, "INVALID_REQUEST"],
      );
    }
    const keyPattern = param("IdempotencyKey");
    for (const key of [null, "short", `${KEY().slice(0, 31)}!`]) {
      if (key !== null) expect(keyPattern.test(key)).toBe(false);
      const r = await send("/v1/sales/{saleId}/orders", "post", { body: { quantity: 1 }, key });
      expect([r.status, r.body.error.code], `Idempotency-Key ${key}`).toEqual([400, "INVALID_REQUEST"]);
    }
  });

  /**
   * Bodies per operation: each is checked against the document's schema (ajv, JSON Schema 2020-12) first,
   * then sent; the gateway must refuse with 400 exactly the ones the document calls invalid.
   */
  it("request bodies: what the document's schema refuses the gateway refuses with 400, what it accepts passes validation", async () => {
    const now = Date.now();
    const sale = {
      skuId: "sku-1",
      stock: 10,
      perUserLimit: 2,
      startsAt: new Date(now + 3_600_000).toISOString(),
      endsAt: now + 7_200_000,
    };
    const payment = { eventId: `ev-${rid(3)}`, orderId: ORDER(), status: "SUCCEEDED" };
    const cases: Record<string, { valid: unknown[]; invalid: unknown[] }> = {
      "/v1/sales/{saleId}/orders": {
        valid: [{}, { quantity: 1 }, { quantity: 10_000 }],
        invalid: [
          { quantity: 0 },
          { quantity: 10_001 },
          { quantity: "1" },
          { quantity: 1.5 },
          { quantity: 1, userId: "someone-else" },
          { price: 0 },
          [1],
        ],
      },
      "/v1/sales/{saleId}/tokens": { valid: [{}], invalid: [{ quantity: 1 }] },
      "/v1/sales/{saleId}/queue": {
        valid: [{}, { proof: "eyJudW1iZXIiOjF9" }],
        invalid: [{ proof: 1 }, { proof: "x", buyer: "someone-else" }, [1]],
      },
      "/v1/orders/{orderId}/cancel": { valid: [{}], invalid: [{ reason: "changed my mind" }] },
      "/v1/admin/sales/{saleId}/pause": { valid: [{}], invalid: [{ paused: true }] },
      "/v1/admin/sales/{saleId}/resume": { valid: [{}], invalid: [{ paused: false }] },
      "/v1/admin/sales/{saleId}": {
        valid: [
          sale,
          { ...sale, shards: 1024, paymentTimeoutSeconds: 604_800, stock: 1_000_000_000 },
          { ...sale, waitingRoom: {} },
          { ...sale, waitingRoom: null },
          { ...sale, waitingRoom: { opensSecondsBefore: 0, admissionTtlSeconds: 3600, maxOverbook: 1.5 } },
        ],
        invalid: [
          { ...sale, stock: 0 },
          { ...sale, stock: 1_000_000_001 },
          { ...sale, shards: 1025 },
          { ...sale, skuId: "" },
          { ...sale, skuId: "a b" },
          { ...sale, startsAt: "tomorrow" },
          { ...sale, price: 5 },
          { stock: 10, perUserLimit: 1, startsAt: now, endsAt: now + 1000 },
          { ...sale, waitingRoom: { admissionTtlSeconds: 9 } },
          { ...sale, waitingRoom: { admissionTtlSeconds: 3601 } },
          { ...sale, waitingRoom: { maxOverbook: 10.5 } },
          { ...sale, waitingRoom: { admitPerSecond: 0 } },
          { ...sale, waitingRoom: { opensSecondsBefore: -1 } },
          { ...sale, waitingRoom: { opensSecondsBefore: 1.5 } },
          { ...sale, waitingRoom: { seed: "00" } },
          { ...sale, waitingRoom: 5 },
        ],
      },
      "/v1/payments/callback": {
        valid: [payment, { ...payment, status: "FAILED" }],
        invalid: [
          { ...payment, status: "REFUNDED" },
          { ...payment, eventId: "" },
          { ...payment, orderId: "x" },
          { eventId: "e1", orderId: payment.orderId },
          { ...payment, amount: 1 },
        ],
      },
    };
    const withBodies = operations(dereferenced).filter(({ op }) => op.requestBody);
    expect(withBodies.map((o) => o.path).sort()).toEqual(Object.keys(cases).sort());
    for (const { method, path, op } of withBodies) {
      const validate = ajv.compile(op.requestBody.content["application/json"].schema);
      for (const body of cases[path]!.valid) {
        expect(
          validate(body),
          `${path} schema accepts ${JSON.stringify(body)}: ${ajv.errorsText(validate.errors)}`,
        ).toBe(true);
        const r = await send(path, method, { body });
        expect(r.status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`).not.toBe(400);
        expectDocumented(r, `${path} ${JSON.stringify(body)}`);
      }
      for (const body of cases[path]!.invalid) {
        expect(validate(body), `${path} schema refuses ${JSON.stringify(body)}`).toBe(false);
        const r = await send(path, method, { body });
        expect([r.status, r.body.error?.code], `${path} ${JSON.stringify(body)}`).toEqual([400, "INVALID_REQUEST"]);
      }
    }
  });

  it("answers a whole sale as documented: bodies fit the response schemas, replays carry Idempotent-Replayed", async () => {
    const saleId = SALE();
    const buyer = `u-${rid(3)}`;
    const check = (
      r: { status: number; body: Doc; headers: Headers },
      path: string,
      method: string,
      status: number,
    ) => {
      expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(status);
      expectDocumented({ ...r, op: opAt(path, method) }, `${method} ${path}`);
    };
    check(await api.putSale(saleId, { stock: 5, perUserLimit: 2, shards: 2 }), "/v1/admin/sales/{saleId}", "put", 201);
    check(await api.sale(saleId), "/v1/sales/{saleId}", "get", 200);
    check(await api.call("GET", "/v1/admin/sales", { headers: api.admin() }), "/v1/admin/sales", "get", 200);
    const token = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer(buyer) });
    check(token, "/v1/sales/{saleId}/tokens", "post", 201);
    const first = await api.order(saleId, buyer, token.body.token, 2);
    check(first, "/v1/sales/{saleId}/orders", "post", 202);
    const replay = await api.order(saleId, buyer, token.body.token, 2);
    check(replay, "/v1/sales/{saleId}/orders", "post", 202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    check(await api.orderStatus(first.body.orderId, buyer), "/v1/orders/{orderId}", "get", 200);
    const limited = await api.order(saleId, buyer, await api.token(saleId, buyer), 1);
    check(limited, "/v1/sales/{saleId}/orders", "post", 409);
    expect(limited.body.error.code).toBe("LIMIT_EXCEEDED");
    check(await api.stats(saleId), "/v1/admin/sales/{saleId}/stats", "get", 200);
    check(await api.reconcile(saleId), "/v1/admin/sales/{saleId}/reconcile", "post", 200);
    check(await api.pause(saleId), "/v1/admin/sales/{saleId}/pause", "post", 200);
    check(await api.resume(saleId), "/v1/admin/sales/{saleId}/resume", "post", 200);
    // A sale with a waiting room: its view, join (201, then 200), poll, challenge and draw.
    const roomId = SALE();
    const roomSale = {
      skuId: "sku-room",
      stock: 2,
      perUserLimit: 1,
      startsAt: Date.now() - 1000,
      endsAt: Date.now() + 3_600_000,
      waitingRoom: {},
    };
    const putRoom = await api.call("PUT", `/v1/admin/sales/${roomId}`, { headers: api.admin(), body: roomSale });
    check(putRoom, "/v1/admin/sales/{saleId}", "put", 201);
    check(await api.sale(roomId), "/v1/sales/{saleId}", "get", 200);
    const challenge = await api.call("GET", `/v1/sales/${roomId}/queue/challenge`, { headers: api.buyer(buyer) });
    check(challenge, "/v1/sales/{saleId}/queue/challenge", "get", 200);
    const proof = proofFor(challenge.body);
    const joinRoom = () =>
      api.call("POST", `/v1/sales/${roomId}/queue`, { headers: api.buyer(buyer), body: { proof } });
    const joined = await joinRoom();
    check(joined, "/v1/sales/{saleId}/queue", "post", 201);
    check(await joinRoom(), "/v1/sales/{saleId}/queue", "post", 200);
    const ticket = { ...api.buyer(buyer), "queue-ticket": joined.body.ticket };
    check(
      await api.call("GET", `/v1/sales/${roomId}/queue`, { headers: ticket }),
      "/v1/sales/{saleId}/queue",
      "get",
      200,
    );
    check(await api.call("GET", `/v1/sales/${roomId}/queue/draw`), "/v1/sales/{saleId}/queue/draw", "get", 200);
    const roomStats = await api.stats(roomId);
    check(roomStats, "/v1/admin/sales/{saleId}/stats", "get", 200);
    expect(roomStats.body.waitingRoom).toMatchObject({ joined: 1, seedCommitment: expect.any(String) });
    check(await api.call("GET", "/healthz"), "/healthz", "get", 200);
    const retry = await api.call("POST", `/v1/sales/${saleId}/orders`, {
      headers: { ...api.buyer(buyer), "idempotency-key": KEY() },
      body: { quantity: 1 },
    });
    expectDocumented({ ...retry, op: opAt("/v1/sales/{saleId}/orders", "post") }, "order with an unknown key");
  });
});

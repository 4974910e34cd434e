import { readdirSync, readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ERROR_STATUS,
  FlashSaleClient,
  FlashSaleError,
  FlashSaleTransportError,
  retryAfterSeconds,
} from "@flashsale/client";
import { ERRORS } from "../../src/errors.js";
import { repoRoot } from "../../src/util/repo-root.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

type Reply = (res: ServerResponse) => void;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Reply =>
  (res) => {
    res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
  };
const error = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { error: { code, message: `${code} from the test` } }, headers);
const ORDER = {
  orderId: "s1.0.abcdefghijkl",
  saleId: "s1",
  skuId: "sku",
  userId: "u1",
  quantity: 1,
  status: "RESERVED",
};
const TOKEN = "T".repeat(32);

/**
 * A scripted gateway on a real socket: each request gets the next reply of the script (the last one
 * repeats) and is recorded, so the tests see exactly what the client sent and when.
 */
describe("storefront client against a scripted server", () => {
  let server: Server;
  let base: string;
  let script: Reply[] = [];
  let seen: Seen[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body, at: Date.now() });
        const reply = script.length > 1 ? script.shift()! : script[0]!;
        reply(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    seen = [];
  });

  const client = (retry = {}) =>
    new FlashSaleClient({
      baseUrl: base,
      token: "jwt-1",
      retry: { maxAttempts: 4, maxDelayMs: 3000, baseDelayMs: 10, ...retry },
    });

  it("retries a 503 with the same Idempotency-Key and X-Request-Id, after the Retry-After, then takes the 202", async () => {
    script = [error(503, "UNAVAILABLE", { "retry-after": "1" }), json(202, ORDER, { "idempotent-replayed": "true" })];
    const placed = await client().placeOrder("s1", { purchaseToken: TOKEN, quantity: 2 });
    expect(placed).toMatchObject({ order: ORDER, replayed: true, idempotencyKey: TOKEN, attempts: 2 });
    expect(seen).toHaveLength(2);
    for (const s of seen) {
      expect(s).toMatchObject({ method: "POST", url: "/v1/sales/s1/orders", body: JSON.stringify({ quantity: 2 }) });
      expect(s.headers).toMatchObject({
        "idempotency-key": TOKEN,
        authorization: "Bearer jwt-1",
        "content-type": "application/json",
      });
    }
    expect(seen[1]!.headers["x-request-id"]).toBe(seen[0]!.headers["x-request-id"]);
    // Retry-After is the earliest the gateway wants the retry; jitter only adds (at most a quarter).
    const waited = seen[1]!.at - seen[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(2500);
  });

  it("never retries a final answer: 409 SOLD_OUT is one request and a typed error", async () => {
    script = [error(409, "SOLD_OUT", { "idempotent-replayed": "true", "x-request-id": "rid-7" })];
    const err = await client()
      .placeOrder("s1", { purchaseToken: TOKEN })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashSaleError);
    expect(err).toMatchObject({
      code: "SOLD_OUT",
      status: 409,
      retryable: false,
      replayed: true,
      attempts: 1,
      requestId: "rid-7",
      idempotencyKey: TOKEN,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toBe("{}");
  });

  it.each([
    [403, "INVALID_TOKEN"],
    [422, "IDEMPOTENCY_KEY_REUSED"],
    [409, "LIMIT_EXCEEDED"],
    [400, "INVALID_REQUEST"],
  ])("%i %s is final too", async (status, code) => {
    script = [error(status, code)];
    await expect(client().placeOrder("s1", { purchaseToken: TOKEN })).rejects.toMatchObject({
      code,
      status,
      attempts: 1,
    });
    expect(seen).toHaveLength(1);
  });

  it("gives up after maxAttempts with the last retryable error, its Retry-After and the key to place it again", async () => {
    script = [error(503, "UNAVAILABLE", { "retry-after": "0" })];
    const err = await client({ maxAttempts: 3 })
      .placeOrder("s1", { purchaseToken: TOKEN })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: "UNAVAILABLE",
      status: 503,
      retryable: true,
      retryAfterSeconds: 0,
      attempts: 3,
      idempotencyKey: TOKEN,
    });
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.headers["idempotency-key"]))).toEqual(new Set([TOKEN]));
    seen = [];
    await expect(client({ maxAttempts: 1 }).placeOrder("s1", { purchaseToken: TOKEN })).rejects.toMatchObject({
      code: "UNAVAILABLE",
      attempts: 1,
    });
    expect(seen).toHaveLength(1);
  });

  it("cuts a Retry-After longer than maxDelayMs to maxDelayMs", async () => {
    script = [
      error(429, "RATE_LIMITED", { "retry-after": "30" }),
      json(201, { token: TOKEN, expiresAt: "2030-01-01T00:00:00.000Z" }),
    ];
    const t = await client({ maxDelayMs: 150 }).takeToken("s1");
    expect(t.token).toBe(TOKEN);
    expect(seen.map((s) => s.url)).toEqual(["/v1/sales/s1/tokens", "/v1/sales/s1/tokens"]);
    expect(seen[1]!.at - seen[0]!.at).toBeLessThan(1000);
  });

  it("without a purchase token takes one and places the order with it as Idempotency-Key", async () => {
    script = [json(201, { token: TOKEN, expiresAt: "2030-01-01T00:00:00.000Z" }), json(202, ORDER)];
    const placed = await client().placeOrder("s1");
    expect(placed).toMatchObject({ order: ORDER, replayed: false, idempotencyKey: TOKEN, attempts: 1 });
    expect(seen.map((s) => [s.method, s.url, s.headers["idempotency-key"]])).toEqual([
      ["POST", "/v1/sales/s1/tokens", undefined],
      ["POST", "/v1/sales/s1/orders", TOKEN],
    ]);
  });

  it("retries a dropped connection and a proxy's 502 with the same key; a non-gateway 404 is not retried", async () => {
    script = [
      (res) => res.socket!.destroy(),
      (res) => res.writeHead(502, { "content-type": "text/html" }).end("<html>bad gateway</html>"),
      json(202, ORDER),
    ];
    const placed = await client().placeOrder("s1", { purchaseToken: TOKEN });
    expect(placed.attempts).toBe(3);
    expect(seen.map((s) => s.headers["idempotency-key"])).toEqual([TOKEN, TOKEN, TOKEN]);
    seen = [];
    script = [(res) => res.writeHead(404, { "content-type": "text/plain" }).end("nothing here")];
    const err = await client()
      .getSale("s1")
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FlashSaleTransportError);
    expect(err).toMatchObject({ status: 404, attempts: 1 });
    expect(seen).toHaveLength(1);
  });

  it("an attempt that gets no answer within timeoutMs is sent again with the same key", async () => {
    script = [() => undefined, json(202, ORDER)];
    const c = new FlashSaleClient({ baseUrl: base, token: "jwt-1", timeoutMs: 300, retry: { baseDelayMs: 10 } });
    // Timed from the call, not from the first request's arrival: a busy event loop can note that arrival late.
    const called = Date.now();
    const placed = await c.placeOrder("s1", { purchaseToken: TOKEN });
    expect(placed.attempts).toBe(2);
    expect(seen.map((s) => s.headers["idempotency-key"])).toEqual([TOKEN, TOKEN]);
    expect(seen[1]!.at - called).toBeGreaterThanOrEqual(299);
  });

  it("reads and cancels orders with the buyer's credentials from getToken, asked on every attempt", async () => {
    let n = 0;
    const c = new FlashSaleClient({ baseUrl: `${base}/`, getToken: () => `jwt-${++n}`, retry: { maxDelayMs: 50 } });
    const row = {
      ...ORDER,
      status: "CONFIRMED",
      createdAt: "2030-01-01T00:00:00.000Z",
      updatedAt: "2030-01-01T00:00:00.000Z",
    };
    script = [error(503, "UNAVAILABLE", { "retry-after": "0" }), json(200, row)];
    expect(await c.getOrder(ORDER.orderId)).toEqual(row);
    script = [json(200, { orderId: ORDER.orderId, status: "CANCELLED" })];
    expect(await c.cancelOrder(ORDER.orderId)).toEqual({ orderId: ORDER.orderId, status: "CANCELLED" });
    expect(seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
      ["GET", `/v1/orders/${ORDER.orderId}`, "Bearer jwt-1"],
      ["GET", `/v1/orders/${ORDER.orderId}`, "Bearer jwt-2"],
      ["POST", `/v1/orders/${ORDER.orderId}/cancel`, "Bearer jwt-3"],
    ]);
    // The sale needs no credentials.
    script = [json(200, { saleId: "s1" })];
    await new FlashSaleClient({ baseUrl: base }).getSale("s1");
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it("an abort during the wait ends the call at once with the caller's reason", async () => {
    script = [error(503, "UNAVAILABLE", { "retry-after": "5" })];
    const ac = new AbortController();
    // Aborted once the first attempt was answered (the client is then waiting out Retry-After: 5 s), not after a
    // fixed delay: on a busy machine that delay can pass before the first request even arrives.
    let abortedAt = 0;
    const watch = setInterval(() => {
      if (seen.length === 0) return;
      clearInterval(watch);
      setTimeout(() => ((abortedAt = Date.now()), ac.abort(new Error("buyer left"))), 50);
    }, 5);
    await expect(
      client({ maxDelayMs: 5000 }).placeOrder("s1", { purchaseToken: TOKEN }, { signal: ac.signal }),
    ).rejects.toThrow("buyer left");
    clearInterval(watch);
    expect(abortedAt).toBeGreaterThan(0);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(seen).toHaveLength(1);
  });
});

describe("storefront client's copy of the error registry", () => {
  it("has exactly the gateway's codes, with the same statuses", () => {
    expect(ERROR_STATUS).toEqual(Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status])));
    expect(Object.keys(ERROR_STATUS)).toEqual(Object.keys(ERRORS));
  });

  it("imports nothing from the gateway: its sources import only each other", () => {
    const dir = join(repoRoot(), "packages", "client", "src");
    for (const f of readdirSync(dir).filter((n) => n.endsWith(".ts"))) {
      const specifiers = [
        ...readFileSync(join(dir, f), "utf8").matchAll(/(?:^|\n)\s*(?:import|export)[^;]*? from "([^"]+)"/g),
      ].map((m) => m[1]!);
      for (const s of specifiers) expect(s, `${f} imports ${s}`).toMatch(/^\.\/[a-z-]+\.js$/);
    }
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    expect(retryAfterSeconds("3")).toBe(3);
    expect(retryAfterSeconds(null)).toBeUndefined();
    expect(retryAfterSeconds("soon")).toBeUndefined();
    expect(retryAfterSeconds(new Date(Date.now() + 4000).toUTCString())).toBeGreaterThanOrEqual(3);
  });
});

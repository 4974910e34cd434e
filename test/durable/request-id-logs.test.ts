import type { MessageView } from "rocketmq-client-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { ApiError } from "../../src/errors.js";
import { encodeOrders } from "../../src/messaging/order-message.js";
import { createLogger } from "../../src/observability/log.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { apiFor, rid, type Api } from "../helpers/env.js";

type Line = Record<string, unknown> & { level: number; time: number; msg: string };

/** Every line as written, for what parsing hides (a key written twice). */
const raw: string[] = [];

/** The admin token the test client sends. */
const adminToken = (api: Api) => api.admin().authorization!.slice("Bearer ".length);

/** A root logger whose JSON lines land in `lines`, each parsed (a line that is not JSON fails the test). */
function capturing(lines: Line[], level: "debug" | "info" = "debug") {
  const write = (s: string) => {
    raw.push(s);
    lines.push(JSON.parse(s) as Line);
  };
  return createLogger({ service: "gateway", level, destination: { write } });
}

/** A new buyer (and a new sale unless one is given), and one order placed with a request id of the test's own. */
/** What an access line of a 202 holds besides the logger's own fields (no `code`: it is not an error). */
const ACCESS_FIELDS = ["method", "route", "status", "ms", "requestId", "traceId", "userId"];

async function orderWithRequestId(api: Api, sale?: string) {
  const saleId = sale ?? `log${rid()}`;
  if (!sale) await api.putSale(saleId, { stock: 5, shards: 2 });
  const user = `buyer-${rid(3)}`;
  const token = await api.token(saleId, user);
  const requestId = `rq-${rid(8)}`;
  const r = await api.call("POST", `/v1/sales/${saleId}/orders`, {
    headers: { ...api.buyer(user), "idempotency-key": token, "x-request-id": requestId },
    body: {},
  });
  return { saleId, user, token, requestId, r };
}

describe("one order followed by its X-Request-Id: access log, order message, checker, writer's row line", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  const lines: Line[] = [];

  beforeAll(async () => {
    cfg = await durableConfig("standalone", { log: { level: "debug", accessSampleRate: 1 } });
    ({ app, api } = await startApp(cfg, { log: capturing(lines) }));
  });
  afterAll(() => stopApp(app, cfg));

  it("the request id of a 202 is in the access line, the message's requestIds property and the writer's row line", async () => {
    const { saleId, user, token, requestId, r } = await orderWithRequestId(api);
    expect(r.status).toBe(202);
    expect(r.headers.get("x-request-id")).toBe(requestId);
    const orderId = r.body.orderId as string;

    const withId = () => lines.filter((l) => JSON.stringify(l).includes(requestId));
    const rowLine = await eventually(
      "the writer's row line",
      async () => lines.find((l) => l.msg === "order row written" && l.orderId === orderId),
      (l) => l !== undefined,
      20_000,
    );
    expect(rowLine).toMatchObject({
      requestId,
      saleId,
      userId: user,
      component: "order-writer",
      service: "gateway",
      level: 20,
    });
    expect(await app.repo.getOrder(user, orderId)).not.toBeNull();

    const access = withId().find((l) => l.msg === "access");
    expect(access).toMatchObject({
      component: "access",
      method: "POST",
      route: "order",
      status: 202,
      requestId,
      userId: user,
      level: 30,
    });
    expect(access!.ms).toEqual(expect.any(Number));
    // The access logger skips redaction (its cost): its lines carry only the fields it names, no credential.
    expect(Object.keys(access!).sort()).toEqual(
      [...ACCESS_FIELDS, "component", "hostname", "level", "msg", "pid", "service", "time"].sort(),
    );
    const jwt = api.buyer(user).authorization!.slice("Bearer ".length);
    for (const secret of [jwt, token]) expect(JSON.stringify(access)).not.toContain(secret);

    // The broker's copy: the message property, read by the writer when the message arrives.
    const received = withId().find((l) => l.msg === "order message received");
    expect(received).toBeDefined();
    const ids = String(received!.requestIds).split(",");
    expect(ids[(received!.orderIds as string[]).indexOf(orderId)]).toBe(requestId);

    // Grepping the request id finds the whole story, each line a JSON object with level, time and msg.
    expect(withId().map((l) => l.msg)).toEqual(
      expect.arrayContaining(["access", "order message received", "order row written"]),
    );
    for (const l of lines)
      expect(l).toMatchObject({ level: expect.any(Number), time: expect.any(Number), msg: expect.any(String) });
    expect(raw.filter((s) => (s.match(/"component":/g) ?? []).length > 1)).toEqual([]);
  });

  it("the broker's back-check names the order and its request id", async () => {
    const { saleId, user, token, requestId, r } = await orderWithRequestId(api);
    expect(r.status).toBe(202);
    const orderId = r.body.orderId as string;
    // The broker asks about a message it holds; here asked directly, with the body the placer sent.
    const body = encodeOrders([
      { orderId, saleId, skuId: `sku-${saleId}`, userId: user, quantity: 1, reservedAt: Date.now(), token, requestId },
    ]);
    await app.checker.check({ messageId: "m-backcheck", body } as unknown as MessageView);
    expect(lines.find((l) => l.msg === "back-check settled an order" && l.orderId === orderId)).toMatchObject({
      component: "transaction-checker",
      requestId,
      messageId: "m-backcheck",
      resolution: "commit",
    });
  });

  it("a caller's traceparent: joined with a span of the gateway's, answered, and named by the access, checker and writer lines", async () => {
    const saleId = `trc${rid()}`;
    await api.putSale(saleId, { stock: 5, shards: 2 });
    const user = `buyer-${rid(3)}`;
    const token = await api.token(saleId, user);
    const [traceId, parentId] = [rid(16), rid(8)];
    const r = await api.call("POST", `/v1/sales/${saleId}/orders`, {
      headers: { ...api.buyer(user), "idempotency-key": token, traceparent: `00-${traceId}-${parentId}-01` },
      body: {},
    });
    expect(r.status).toBe(202);
    const answered = r.headers.get("traceparent")!;
    // Same trace, the gateway's own span (not the caller's), the caller's flags.
    expect(answered).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(answered).not.toContain(parentId);
    const orderId = r.body.orderId as string;

    const rowLine = await eventually(
      "the writer's row line",
      async () => lines.find((l) => l.msg === "order row written" && l.orderId === orderId),
      (l) => l !== undefined,
      20_000,
    );
    expect(rowLine).toMatchObject({ traceId, component: "order-writer" });
    expect(lines.find((l) => l.msg === "access" && l.traceId === traceId)).toMatchObject({
      route: "order",
      status: 202,
    });
    const received = lines.find((l) => l.msg === "order message received" && String(l.orderIds).includes(orderId));
    const at = (received!.orderIds as string[]).indexOf(orderId);
    expect(String(received!.traceIds).split(",")[at]).toBe(traceId);

    // The broker's back-check of a message carrying the order as the gateway sent it.
    const body = encodeOrders([
      {
        orderId,
        saleId,
        skuId: `sku-${saleId}`,
        userId: user,
        quantity: 1,
        reservedAt: Date.now(),
        token,
        traceparent: answered,
      },
    ]);
    await app.checker.check({ messageId: "m-trace", body } as unknown as MessageView);
    expect(lines.find((l) => l.msg === "back-check settled an order" && l.orderId === orderId)).toMatchObject({
      traceId,
      messageId: "m-trace",
    });
  });

  it("an invalid traceparent is ignored, never an error: the answer starts a new trace", async () => {
    const saleId = `trc${rid()}`;
    await api.putSale(saleId, { stock: 5 });
    const zero = `00-${"0".repeat(32)}-${rid(8)}-01`;
    for (const bad of [zero, "00-abc-def-01", `ff-${rid(16)}-${rid(8)}-01`, "not a traceparent"]) {
      const r = await api.call("GET", `/v1/sales/${saleId}`, { headers: { traceparent: bad } });
      expect(r.status, bad).toBe(200);
      const answered = r.headers.get("traceparent")!;
      expect(answered, bad).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      expect(answered.slice(3, 35)).not.toBe("0".repeat(32));
      expect(bad).not.toContain(answered.slice(3, 35));
    }
    // Without one, each request starts its own trace, logged on its access line.
    const [a, b] = [await api.call("GET", `/v1/sales/${saleId}`), await api.call("GET", `/v1/sales/${saleId}`)];
    const [ta, tb] = [a.headers.get("traceparent")!.slice(3, 35), b.headers.get("traceparent")!.slice(3, 35)];
    expect(ta).not.toBe(tb);
    expect(lines.find((l) => l.msg === "access" && l.traceId === ta)).toMatchObject({ route: "sale" });
  });

  it("writes no credential of a request: its Authorization, cookie and X-Signature, on any line", async () => {
    const { saleId, user, token, r } = await orderWithRequestId(api);
    expect(r.status).toBe(202);
    const jwt = api.buyer(user).authorization!.slice("Bearer ".length);
    const cookie = `session=${rid(12)}`;
    await api.call("GET", `/v1/sales/${saleId}/orders/${String(r.body.orderId)}`, {
      headers: { ...api.buyer(user), cookie },
    });
    const refused = await api.call("GET", `/v1/admin/sales/${saleId}/stats`, {
      headers: { authorization: `Bearer wrong-${rid(12)}`, cookie },
    });
    expect(refused.status).toBe(401);
    const event = { eventId: `ev-${rid()}`, orderId: String(r.body.orderId), status: "SUCCEEDED" as const };
    const payload = JSON.stringify(event);
    const signature = api.signPayment(payload);
    await api.call("POST", "/v1/payments/callback", {
      headers: { "content-type": "application/json", "x-signature": signature, cookie },
      raw: payload,
    });
    expect(lines.filter((l) => l.msg === "access" && l.route === "payment_callback")).not.toEqual([]);
    const all = raw.join("");
    for (const secret of [jwt, cookie, signature.split("sha256=")[1]!, token, adminToken(api)])
      expect(all).not.toContain(secret);
  });

  it("with log.accessSampleRate 0 a 2xx or 503 answer writes no access line, a 500 still does, with the failure", async () => {
    const quiet: Line[] = [];
    let placed = 0;
    // The first order meets an outage (503, as every buyer would during one), the next a bug (500).
    const place = () =>
      Promise.reject(placed++ === 0 ? new ApiError("UNAVAILABLE", "broker away") : new Error("placer exploded"));
    const off = await GatewayProcess.start(
      { ...cfg, log: { level: "info", accessSampleRate: 0 } },
      { port: 0, redisOnly: true, log: capturing(quiet, "info"), placer: { place } },
    );
    try {
      const offApi = apiFor(off, cfg);
      for (let i = 0; i < 20; i++) expect((await offApi.call("GET", "/healthz")).status).toBe(200);
      expect(quiet.filter((l) => l.msg === "access")).toEqual([]);

      const unavailable = await orderWithRequestId(offApi);
      expect(unavailable.r.status).toBe(503);
      expect(quiet.filter((l) => l.msg === "access")).toEqual([]);

      const { user, requestId, r } = await orderWithRequestId(offApi, unavailable.saleId);
      expect(r.status).toBe(500);
      expect(quiet.filter((l) => l.msg === "access")).toEqual([
        expect.objectContaining({
          route: "order",
          status: 500,
          code: "INTERNAL_ERROR",
          requestId,
          userId: user,
          level: 40,
        }),
      ]);
      const failure = quiet.find((l) => l.msg === "unexpected failure answered 500");
      expect(failure).toMatchObject({
        component: "http",
        requestId,
        level: 50,
        err: expect.objectContaining({ message: "placer exploded" }),
      });
    } finally {
      await off.close();
    }
  });
});

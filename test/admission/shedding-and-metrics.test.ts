import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { ReserveRequest } from "../../src/reservation/reservation-service.js";
import { Api, pool, rid, startGateway, testConfig } from "../helpers/env.js";
import { join, poll, pollUntil, putRoomSale } from "../waiting-room/room-helpers.js";

/** A fresh shedder window with the event loop stuck for 300 ms in it, as under CPU saturation, then sampled. */
async function stallEventLoop(gw: GatewayProcess): Promise<void> {
  gw.shedder.sample();
  await sleep(30);
  const t = Date.now();
  while (Date.now() - t < 300);
  await sleep(15);
  gw.shedder.sample();
}

describe("load shedding", () => {
  const started: GatewayProcess[] = [];
  afterEach(async () => {
    while (started.length) await started.pop()!.close();
  });

  /** A gateway that sheds at 50 ms of event-loop delay (sampled by hand), with a started room sale of 10 units. */
  async function roomGateway(): Promise<{ gw: GatewayProcess; api: Api; saleId: string }> {
    const cfg = testConfig("standalone", {
      admission: {
        shedding: { maxEventLoopDelayMs: 50, sampleIntervalMs: 60_000 },
        rateLimits: { buyer: { points: 1_000_000 } },
      },
    });
    const { gw, api } = await startGateway(cfg);
    started.push(gw);
    const saleId = `shedrm${rid()}`;
    await putRoomSale(api, saleId, { stock: 10, startInMs: -1000 });
    return { gw, api, saleId };
  }

  it("caps in-flight requests: the next one gets 503 at once, operations endpoints still answer, nothing is consumed", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    // Reservations that wait at a gate, as if Redis were slow: they pile up in flight.
    const placer = { place: async (r: ReserveRequest) => (await gate, gw.reservations.reserve(r)) };
    const { gw, api } = await startGateway(testConfig("standalone", { admission: { shedding: { maxInFlight: 3 } } }), {
      placer,
    });
    started.push(gw);
    const saleId = `shed${rid()}`;
    await api.putSale(saleId, { stock: 10, perUserLimit: 1, shards: 2 });
    const users = ["a", "b", "c", "d"];
    const tokens = await pool(users, 1, (u) => api.token(saleId, u));
    const slow = users.slice(0, 3).map((u, i) => api.order(saleId, u, tokens[i]!));
    for (let i = 0; gw.shedder.inFlight < 3; i++) {
      if (i > 200) throw new Error(`only ${gw.shedder.inFlight} in flight`);
      await sleep(10);
    }
    const t0 = Date.now();
    const shed = await api.order(saleId, "d", tokens[3]!);
    expect(Date.now() - t0, "answered at once: the gate holding the others stays shut").toBeLessThan(2000);
    expect(shed.status).toBe(503);
    expect(shed.body.error.code).toBe("UNAVAILABLE");
    expect(shed.headers.get("retry-after")).toBe("1");
    expect((await api.call("GET", `/v1/sales/${saleId}`)).status).toBe(503);
    expect((await api.call("GET", "/healthz")).status).toBe(200);
    expect((await api.call("GET", "/readyz")).status).toBe(200);
    const metrics = await api.call("GET", "/metrics");
    expect(metrics.body).toMatch(/^flashsale_shed_total\{reason="in_flight"\} 2$/m);
    expect(metrics.body).toMatch(/^flashsale_in_flight_requests 3$/m);

    open();
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([202, 202, 202]);
    expect(gw.shedder.inFlight).toBe(0);
    // The shed attempt consumed nothing: its token buys now.
    expect((await api.order(saleId, "d", tokens[3]!)).status).toBe(202);
    expect((await api.stats(saleId)).body).toMatchObject({ reserved: 4, redisRemaining: 6 });
  });

  it("a client that leaves does not leak an in-flight slot", async () => {
    const { gw, api } = await startGateway(testConfig("standalone", { admission: { shedding: { maxInFlight: 2 } } }));
    started.push(gw);
    for (let i = 0; i < 5; i++) {
      const ac = new AbortController();
      const p = fetch(api.url(`/v1/admin/sales/x${rid()}`), {
        method: "PUT",
        headers: { ...api.admin(), "content-type": "application/json", "content-length": "100" },
        body: new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("{")) }),
        signal: ac.signal,
        duplex: "half",
      } as RequestInit).catch(() => null);
      await sleep(20);
      ac.abort();
      await p;
    }
    for (let i = 0; gw.shedder.inFlight > 0 && i < 100; i++) await sleep(10);
    expect(gw.shedder.inFlight).toBe(0);
    expect((await api.call("GET", "/v1/sales/nosuch")).status).toBe(404);
  });

  it("never sheds what the sold-out flag answers (a 503 would cost as much and bring the buyer back); everything else still is", async () => {
    const cfg = testConfig("standalone", {
      admission: { shedding: { maxEventLoopDelayMs: 50, sampleIntervalMs: 60_000 } },
    });
    const { gw, api } = await startGateway(cfg);
    started.push(gw);
    const saleId = `shedso${rid()}`;
    await api.putSale(saleId, { stock: 1, perUserLimit: 1, shards: 1 });
    const users = ["p", "q", "r"];
    const tokens = await pool(users, 1, (u) => api.token(saleId, u));
    expect((await api.order(saleId, "p", tokens[0]!)).status).toBe(202);
    expect((await api.order(saleId, "q", tokens[1]!)).body.error.code).toBe("SOLD_OUT");
    expect(gw.soldOut.isSoldOut(saleId)).toBe(true);
    await stallEventLoop(gw);
    // Overloaded: another sale's page is shed, the sold-out sale's attempts are answered from the flag.
    expect((await api.call("GET", "/v1/sales/nosuch")).status).toBe(503);
    const r = await api.order(saleId, "r", tokens[2]!);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("SOLD_OUT");
    expect(gw.shedder.inFlight).toBe(0);
  });

  it("never sheds a room poll answered from this process's copies (a 503 would bring it back in 1 s, not at its pace)", async () => {
    const { gw, api, saleId } = await roomGateway();
    const joined = await join(api, saleId, "w1");
    expect(joined.status).toBe(201);
    // The first poll loads the room's progress copy here.
    expect((await poll(api, saleId, "w1", joined.body.ticket)).status).toBe(200);
    await stallEventLoop(gw);
    // Overloaded: another sale's page is shed, the room's poll is answered (with its pacing).
    expect((await api.call("GET", "/v1/sales/nosuch")).status).toBe(503);
    const r = await poll(api, saleId, "w1", joined.body.ticket);
    expect(r.status).toBe(200);
    expect(["WAITING", "ADMITTED"]).toContain(r.body.state);
    expect(r.headers.get("retry-after")).toBeTruthy();
    // A room this process holds no copy of needs Redis: shed like the rest.
    expect((await poll(api, `none${rid()}`, "w1", joined.body.ticket)).status).toBe(503);
    expect(gw.shedder.inFlight).toBe(0);
  });

  it("sheds an order through a waiting room only at the in-flight limit: the room already metered it", async () => {
    const { gw, api, saleId } = await roomGateway();
    const joined = await join(api, saleId, "m1");
    const admitted = await pollUntil(api, saleId, "m1", joined.body.ticket, (b) => b.state === "ADMITTED");
    // A sale without a room beside it: its token is taken before the loop stalls.
    const plain = `shedpl${rid()}`;
    await api.putSale(plain, { stock: 10, perUserLimit: 1, shards: 1 });
    const plainToken = await api.token(plain, "m2");
    await stallEventLoop(gw);
    const shed = await api.order(plain, "m2", plainToken);
    expect([shed.status, shed.body.error?.message]).toEqual([503, expect.stringMatching(/event loop/)]);
    const bought = await api.order(saleId, "m1", admitted.purchaseToken);
    expect(bought.status).toBe(202);
    // Once the loop is on time again (operators' reads are shed too while it is late): the shed order took nothing.
    for (let i = 0; i < 50 && (await api.stats(plain)).status === 503; i++) {
      await sleep(100);
      gw.shedder.sample();
    }
    expect((await api.stats(plain)).body).toMatchObject({ reserved: 0 });
    expect((await api.stats(saleId)).body).toMatchObject({ reserved: 1 });
  });

  it("sheds while the event loop runs late, and recovers", async () => {
    const cfg = testConfig("standalone", {
      admission: { shedding: { maxEventLoopDelayMs: 50, sampleIntervalMs: 60_000 } },
    });
    const { gw, api } = await startGateway(cfg);
    started.push(gw);
    expect((await api.call("GET", "/v1/sales/nosuch")).status).toBe(404);
    await stallEventLoop(gw);
    expect(gw.shedder.delay.max).toBeGreaterThan(0.2);
    const r = await api.call("GET", "/v1/sales/nosuch");
    expect(r.status).toBe(503);
    expect(r.body.error.message).toMatch(/event loop/);
    expect((await api.call("GET", "/healthz")).status).toBe(200);
    // A payment callback settles what is sold: refused only at the in-flight limit, so it reaches its route
    // (an unknown order: 404), while the buyer's request beside it is shed.
    const paid = await api.pay({ eventId: `ev${rid()}`, orderId: "nosuch.0.AAAAAAAAAAAA", status: "SUCCEEDED" });
    expect([paid.status, paid.body.error?.code]).toEqual([404, "ORDER_NOT_FOUND"]);
    expect((await api.call("GET", "/v1/sales/nosuch")).status).toBe(503);
    // Recovers at the next sample whose window ran on time (a loaded machine may need a few windows).
    let after = 0;
    let shed = 2;
    for (let i = 0; i < 50 && after !== 404; i++) {
      await sleep(100);
      gw.shedder.sample();
      after = (await api.call("GET", "/v1/sales/nosuch")).status;
      if (after === 503) shed++;
    }
    expect(after).toBe(404);
    expect((await api.call("GET", "/metrics")).body).toMatch(
      new RegExp(`^flashsale_shed_total\\{reason="event_loop"\\} ${shed}$`, "m"),
    );
  });
});

describe("metrics", () => {
  let gw: GatewayProcess | undefined;
  afterEach(() => gw?.close());

  it("/metrics: requests by route and outcome, latency, reservations, sold-out short-circuits, limits, breakers, event loop", async () => {
    const cfg = testConfig("standalone", { admission: { rateLimits: { buyer: { points: 3, durationSeconds: 300 } } } });
    let api: Api;
    ({ gw, api } = await startGateway(cfg));
    const saleId = `met${rid()}`;
    await api.putSale(saleId, { stock: 1, perUserLimit: 1, shards: 1 });
    const [t1, t2, t3] = [await api.token(saleId, "m1"), await api.token(saleId, "m2"), await api.token(saleId, "m3")];
    expect((await api.order(saleId, "m1", t1)).status).toBe(202);
    expect((await api.order(saleId, "m2", t2)).body.error.code).toBe("SOLD_OUT");
    expect((await api.order(saleId, "m3", t3)).body.error.code).toBe("SOLD_OUT"); // from the flag
    expect((await api.order(saleId, "m3", t3)).body.error.code).toBe("SOLD_OUT");
    // m1's third and fourth requests (buyer limit 3: the token and the order that reached Redis count).
    expect((await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer("m1") })).body.error.code).toBe(
      "SOLD_OUT",
    );
    expect((await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer("m1") })).status).toBe(429);
    const r = await api.call("GET", "/metrics");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = r.body as string;
    const value = (re: RegExp) => Number(re.exec(text)?.[1]);
    expect(value(/^flashsale_http_requests_total\{route="order",status="202",code=""\} (\d+)$/m)).toBe(1);
    expect(value(/^flashsale_http_requests_total\{route="order",status="409",code="SOLD_OUT"\} (\d+)$/m)).toBe(3);
    expect(value(/^flashsale_http_requests_total\{route="token",status="409",code="SOLD_OUT"\} (\d+)$/m)).toBe(1);
    expect(value(/^flashsale_http_requests_total\{route="token",status="429",code="RATE_LIMITED"\} (\d+)$/m)).toBe(1);
    expect(value(/^flashsale_http_requests_total\{route="token",status="201",code=""\} (\d+)$/m)).toBe(3);
    expect(value(/^flashsale_http_request_duration_seconds_count\{route="order"\} (\d+)$/m)).toBe(4);
    expect(value(/^flashsale_http_request_duration_seconds_bucket\{route="order",le="\+Inf"\} (\d+)$/m)).toBe(4);
    expect(value(/^flashsale_http_request_duration_seconds_bucket\{route="order",le="5"\} (\d+)$/m)).toBe(4);
    expect(value(/^flashsale_reservations_total\{outcome="reserved"\} (\d+)$/m)).toBe(1);
    expect(value(/^flashsale_reservations_total\{outcome="sold_out"\} (\d+)$/m)).toBe(1);
    expect(value(/^flashsale_sold_out_short_circuits_total (\d+)$/m)).toBe(2);
    expect(value(/^flashsale_rate_limited_total\{limiter="buyer"\} (\d+)$/m)).toBe(1);
    expect(value(/^flashsale_breaker_state\{dependency="redis"\} (-?\d+)$/m)).toBe(0);
    expect(value(/^flashsale_breaker_events_total\{dependency="redis",event="success"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(text).toMatch(/^flashsale_event_loop_delay_seconds\{stat="p99"\} [\d.e-]+$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    const ready = await api.call("GET", "/health/dependencies");
    expect(ready.body.breakers).toEqual({ redis: "closed", rocketmq: "closed", mysql: "closed" });
  });
});

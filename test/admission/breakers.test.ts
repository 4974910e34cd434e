import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { Config } from "../../src/config/schema.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { ConnectFront } from "./connect-front.js";
import { outageScenario, type Buyer } from "./outage.js";

/**
 * Small, quick breakers: open when most calls of the last 5 s failed (at least 3), probe again after 4 s (long
 * enough for the open-circuit checks to finish before the probe on a loaded machine).
 */
const quick = (timeoutMs: number) => ({
  timeoutMs,
  errorThresholdPercentage: 50,
  resetTimeoutMs: 4000,
  volumeThreshold: 3,
  rollingWindowMs: 5000,
});

describe("circuit breakers: a dependency unreachable mid-sale", () => {
  let cfg: Config | undefined;
  let app: GatewayProcess | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    proxy?.setMode("pass");
    await stopApp(app, cfg);
    await proxy?.stop();
    app = cfg = proxy = undefined;
  });

  async function buyers(api: Api, saleId: string, n: number): Promise<Buyer[]> {
    const users = Array.from({ length: n }, (_, i) => `${saleId}-b${i}`);
    const tokens = await pool(users, 16, (u) => api.token(saleId, u));
    return users.map((user, i) => ({ user, token: tokens[i]!, answers: [] }));
  }

  it("Redis: 503 within the timeout, then at once; no oversell, no accepted order lost, recovery after healing", async () => {
    proxy = await new TcpProxy({ host: "127.0.0.1", port: 6379 }).start();
    const base = await durableConfig("standalone", {
      redis: { url: `redis://127.0.0.1:${proxy.port}` },
      admission: { breakers: { redis: quick(600) } },
    } as never);
    cfg = base;
    let api: Api;
    ({ app, api } = await startApp(cfg));
    const saleId = `rout${rid()}`;
    const stock = 30;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 });
    // A reservation that hangs is given up after 600 ms; a sale-settings reload may hang as long before it.
    await outageScenario({
      app,
      api,
      proxy,
      dependency: "redis",
      saleId,
      stock,
      buyers: await buyers(api, saleId, 120),
      maxWaitMs: 2000,
      checkStockFrozen: false,
    });
  }, 180_000);

  it("RocketMQ: 503 before anything is deducted, then at once; no oversell, no accepted order lost, recovery after healing", async () => {
    const endpoint = { host: "127.0.0.1", port: 8081 };
    proxy = await new TcpProxy(endpoint).start();
    // Route answers name 127.0.0.1:8081 itself, so rocketmq.endpoints alone would proxy only route lookups:
    // every gRPC connection of this process goes through the CONNECT front into the TcpProxy instead.
    const front = await new ConnectFront(
      { host: "127.0.0.1", port: proxy.port },
      `${endpoint.host}:${endpoint.port}`,
    ).start();
    const saved = {
      grpc_proxy: process.env.grpc_proxy,
      no_grpc_proxy: process.env.no_grpc_proxy,
      FLASHSALE_RMQ_LOG: process.env.FLASHSALE_RMQ_LOG,
    };
    process.env.grpc_proxy = `http://127.0.0.1:${front.port}`;
    process.env.no_grpc_proxy = "proxy-nothing.invalid";
    // Every send during the cut is logged by the client as an error: expected here, and noise.
    process.env.FLASHSALE_RMQ_LOG = "silent";
    try {
      // Generous for a send on a busy test machine, where the whole suite shares one broker.
      cfg = await durableConfig("standalone", { admission: { breakers: { rocketmq: quick(1500) } } } as never);
      let api: Api;
      ({ app, api } = await startApp(cfg));
      expect(front.tunnels).toBeGreaterThan(0);
      const saleId = `mout${rid()}`;
      const stock = 30;
      await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 });
      await outageScenario({
        app,
        api,
        proxy,
        dependency: "rocketmq",
        saleId,
        stock,
        buyers: await buyers(api, saleId, 120),
        maxWaitMs: 3000,
        checkStockFrozen: true,
      });
      expect(app.breakers.rocketmq.events.open.n).toBeGreaterThanOrEqual(1);
      expect(app.breakers.rocketmq.events.close.n).toBeGreaterThanOrEqual(1);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      proxy.setMode("pass");
      await stopApp(app, cfg);
      app = cfg = undefined;
      await front.stop();
    }
  }, 180_000);

  it("MySQL: order status reads answer 503 within the timeout, then at once, and recover after healing", async () => {
    const base = await durableConfig("standalone", { admission: { breakers: { mysql: quick(1000) } } } as never);
    const real = base.mysql.shards[0]!;
    proxy = await new TcpProxy({ host: real.host, port: real.port }).start();
    const p = proxy;
    cfg = { ...base, mysql: { ...base.mysql, shards: base.mysql.shards.map((s) => ({ ...s, port: p.port })) } };
    let api: Api;
    ({ app, api } = await startApp(cfg));
    const saleId = `qout${rid()}`;
    await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 });
    const user = `${saleId}-reader`;
    const placed = await api.order(saleId, user, await api.token(saleId, user));
    expect(placed.status).toBe(202);
    const status = () => api.call("GET", `/v1/orders/${placed.body.orderId}`, { headers: api.buyer(user) });
    await eventually("order in MySQL", status, (r) => r.status === 200 && r.body.status === "CONFIRMED");
    expect((await api.call("GET", `/v1/orders/${"o".repeat(200)}`, { headers: api.buyer(user) })).status).toBe(400);

    p.setMode("blackhole");
    for (let i = 0; i < 6 && app.breakers.mysql.state !== "open"; i++) {
      const t0 = Date.now();
      const r = await status();
      expect(r.status).toBe(503);
      expect(r.body.error.code).toBe("UNAVAILABLE");
      expect(Date.now() - t0).toBeLessThan(2500);
    }
    expect(app.breakers.mysql.state).toBe("open");
    const t0 = Date.now();
    const fast = await status();
    expect(fast.status).toBe(503);
    expect(fast.body.error.message).toMatch(/mysql .*circuit open/);
    expect(Date.now() - t0, "well under the 1 s timeout: the open circuit does not wait").toBeLessThan(500);

    p.setMode("reset");
    await sleep(500);
    p.setMode("pass");
    const healed = await eventually("order status readable again", status, (r) => r.status === 200, 30_000);
    expect(healed.body).toMatchObject({ orderId: placed.body.orderId, status: "CONFIRMED" });
    expect(app.breakers.mysql.state).toBe("closed");
  }, 120_000);
});

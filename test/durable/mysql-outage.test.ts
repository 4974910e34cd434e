import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { Config } from "../../src/config/schema.js";
import { durableConfig, eventually, mysqlProxy, startApp, stopApp, throughProxy } from "../helpers/durable.js";
import { Api, pool, rid } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

describe("MySQL down mid-sale", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  let proxy: TcpProxy;

  beforeAll(async () => {
    const base = await durableConfig();
    proxy = await mysqlProxy(base);
    // Every shard reaches MariaDB through the proxy, so "stopping" it cuts all of them.
    cfg = throughProxy(base, proxy);
    ({ app, api } = await startApp(cfg));
  });
  afterAll(async () => {
    proxy.setMode("pass");
    await stopApp(app, cfg);
    await proxy.stop();
  });

  it("keeps accepting while MySQL is down, and every accepted order lands once it is back", async () => {
    const saleId = `outage${rid()}`;
    const stock = 30;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 });
    const users = Array.from({ length: 90 }, (_, i) => `o${i}`);
    const tokens = await pool(users, 32, (u) => api.token(saleId, u));
    const half = users.length / 3;
    const first = await pool(users.slice(0, half), 16, (u, i) => api.order(saleId, u, tokens[i]!));
    proxy.setMode("reset"); // MySQL "stopped": connections refused and cut
    const during = await pool(users.slice(half), 16, (u, i) => api.order(saleId, u, tokens[half + i]!));
    const accepted = [...first, ...during].filter((r) => r.status === 202);
    expect(accepted).toHaveLength(stock);
    await sleep(2000);
    expect(await app.shards.ping()).toBe(false);
    // MySQL down shows in the dependency report; readiness (this process serves) stays 200.
    const deps = await api.call("GET", "/health/dependencies");
    expect(deps.status).toBe(503);
    expect(deps.body.error.message).toMatch(/mysql/);
    expect((await api.call("GET", "/readyz")).status).toBe(200);

    proxy.setMode("pass"); // MySQL back
    const counts = await eventually(
      "every accepted order in MySQL",
      () => app.repo.countBySale(saleId),
      (c) => c.total === stock,
      60_000,
    );
    expect(counts.quantity.confirmed).toBe(stock);
    const stored = new Set<string>();
    for await (const o of app.repo.scanSale(saleId)) stored.add(o.orderId);
    expect(stored).toEqual(new Set(accepted.map((r) => r.body.orderId)));
    await eventually(
      "converged",
      () => api.stats(saleId),
      (s) => s.body.pending === 0 && s.body.drift === 0,
    );
  });
});

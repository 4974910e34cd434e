import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterEach, describe, expect, inject, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import type { ApiResponse } from "../../support/api-client.js";
import { durableConfig, startApp, stopApp } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

/** The shared cluster's primaries and their slot ranges (CLUSTER NODES of one seed). */
async function primaries(seed: string): Promise<{ addr: string; port: number; slots: [number, number][] }[]> {
  const [host, port] = seed.split(":");
  const c = new Redis({ host, port: Number(port), lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await c.connect();
    const text = String(await c.call("CLUSTER", "NODES"));
    return text
      .trim()
      .split("\n")
      .flatMap((line) => {
        const [, addr, flags, , , , , , ...slots] = line.split(" ");
        if (!flags!.split(",").includes("master") || /fail/.test(flags!)) return [];
        const a = addr!.split("@")[0]!;
        const ranges = slots.filter((s) => !s.startsWith("[")).map((s) => s.split("-").map(Number) as [number, number]);
        return [
          { addr: a, port: Number(a.split(":")[1]), slots: ranges.map(([x, y]) => [x, y ?? x] as [number, number]) },
        ];
      });
  } finally {
    c.disconnect();
  }
}

/**
 * One primary of the shared cluster cut off from a gateway (a TCP proxy in front of it, reached through
 * redis.natMap; the cluster itself stays whole for the other test files). Once that node's circuit is open,
 * buyers whose home shards live on the healthy primaries still buy (202, no 503 from the open circuit), and
 * buyers on the cut node's shards get a fast 503 with Retry-After. A global Redis breaker refused them all.
 */
describe("Redis breakers per node: a failing primary refuses only its own shards", () => {
  let cfg: Config | undefined;
  let app: GatewayProcess | undefined;
  let proxy: TcpProxy | undefined;
  afterEach(async () => {
    proxy?.setMode("pass");
    await stopApp(app, cfg);
    await proxy?.stop();
    app = cfg = proxy = undefined;
  });

  it("healthy shards get 202 while the cut primary's shards get a fast 503 with Retry-After", async () => {
    const seeds = inject("redisClusterNodes");
    const nodes = await primaries(seeds[0]!);
    const sick = nodes[0]!;
    const owns = (n: (typeof nodes)[number], slot: number) => n.slots.some(([a, b]) => slot >= a && slot <= b);
    const shards = 8;
    // A sale whose settings live on a healthy primary and whose shards lie on both sides of the cut.
    let saleId = "";
    for (;;) {
      saleId = `nb${rid()}`;
      const onSick = Array.from({ length: shards }, (_, i) => owns(sick, keySlot(`{${saleId}:${i}}`)));
      if (!owns(sick, keySlot(`{${saleId}}`)) && onSick.some(Boolean) && !onSick.every(Boolean)) break;
    }
    const sickShard = (user: string) => owns(sick, keySlot(`{${saleId}:${homeShard(user, shards)}}`));
    const healthyUsers: string[] = [];
    const sickUsers: string[] = [];
    for (let i = 0; healthyUsers.length < 40 || sickUsers.length < 60; i++) {
      const u = `${saleId}-u${i}`;
      if (sickShard(u)) {
        if (sickUsers.length < 60) sickUsers.push(u);
      } else if (healthyUsers.length < 40) healthyUsers.push(u);
    }

    proxy = await new TcpProxy({ host: "127.0.0.1", port: sick.port }).start();
    // Quick to open (3 calls, a quarter of them failed), slow to probe again: the checks below run while it is open.
    const breaker = {
      timeoutMs: 600,
      errorThresholdPercentage: 25,
      resetTimeoutMs: 60_000,
      volumeThreshold: 3,
      rollingWindowMs: 4000,
    };
    const base = await durableConfig("cluster", {
      admission: { rateLimits: { enabled: false }, breakers: { redis: breaker } },
    });
    cfg = {
      ...base,
      redis: {
        ...base.redis,
        nodes: seeds.filter((s) => s !== sick.addr),
        natMap: { [sick.addr]: { host: "127.0.0.1", port: proxy.port } },
      },
    };
    let api: Api;
    ({ app, api } = await startApp(cfg, { roles: { writer: false, sweeper: false } }));
    // Stock enough that no shard runs dry: no reservation pulls units across the cut.
    expect((await api.putSale(saleId, { stock: shards * 100, perUserLimit: 1, shards })).status).toBe(201);
    const tokens = new Map<string, string>();
    await pool([...healthyUsers, ...sickUsers], 8, async (u) => tokens.set(u, await api.token(saleId, u)));
    const order = async (u: string) => {
      const t0 = Date.now();
      const r: ApiResponse = await api.order(saleId, u, tokens.get(u)!);
      return { u, r, ms: Date.now() - t0 };
    };
    const warm = await pool([...healthyUsers.slice(0, 4), ...sickUsers.slice(0, 4)], 4, order);
    expect(warm.map((x) => x.r.status)).toEqual(warm.map(() => 202));
    // The token issuance's successes leave the breakers' rolling window before the cut.
    await sleep(4500);

    // The cut: calls to that primary hang until the breaker's timeout; its buyers press until its circuit opens.
    proxy.setMode("blackhole");
    const circuitOpen = (x: { r: ApiResponse }) =>
      x.r.status === 503 && /circuit open/.test(String(x.r.body?.error?.message));
    let next = 4;
    let opened = false;
    while (!opened && next < 40) {
      const wave = await pool(sickUsers.slice(next, next + 4), 4, order);
      next += 4;
      for (const x of wave)
        expect({ status: x.r.status, code: x.r.body?.error?.code }).toEqual({ status: 503, code: "UNAVAILABLE" });
      opened = wave.some(circuitOpen);
    }
    expect(opened, "the cut primary's circuit opened").toBe(true);

    // Healthy primaries' buyers are served; the cut primary's buyers are refused at once.
    const healthy = await pool(healthyUsers.slice(4), 4, order);
    const refused = healthy
      .filter((x) => x.r.status !== 202)
      .map((x) => `${x.u}: ${x.r.status} ${x.r.body?.error?.message}`);
    expect(refused, "buyers on healthy primaries are not refused by the cut node's circuit").toEqual([]);
    const sickAnswers = await pool(sickUsers.slice(next, next + 10), 2, order);
    for (const x of sickAnswers) {
      expect(circuitOpen(x), `${x.r.status} ${JSON.stringify(x.r.body)}`).toBe(true);
      expect(Number(x.r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(x.ms, "the open circuit answers without waiting for the node").toBeLessThan(500);
    }
    // One node's circuit is open and the gateway stays ready for the rest; the per-node state is exported.
    expect(app.breakers.redis.state).not.toBe("open");
    const metrics = String((await api.call("GET", "/metrics")).body);
    expect(metrics).toMatch(
      new RegExp(`^flashsale_breaker_node_state\\{dependency="redis",node="127\\.0\\.0\\.1:${proxy.port}"\\} 2$`, "m"),
    );
    expect(metrics).toMatch(/^flashsale_breaker_state\{dependency="redis"\} [01]$/m);
  }, 120_000);
});

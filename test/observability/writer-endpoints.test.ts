import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, mysqlProxy, spawnEntry, stopApp, throughProxy } from "../helpers/durable.js";
import { apiFor, pool, rid, type Api } from "../helpers/env.js";
import type { TcpProxy } from "../helpers/tcp-proxy.js";
import { freePort } from "../../stack/proc.js";
import { expectPromtoolPasses, total } from "./scrape.js";

/** `npm run writer` as a process, its MySQL through `proxy`, its probes and metrics on `port`. */
function spawnWriter(cfg: Config, port: number): ReturnType<typeof spawnEntry> {
  return spawnEntry(
    "writer-main.ts",
    {
      ...cfg,
      rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, http: { host: "127.0.0.1", port } } },
    },
    { FLASHSALE_RMQ_LOG: "silent" },
  );
}

describe("the writer-only process serves /healthz, /readyz, /health/dependencies and /metrics (rocketmq.consumer.http)", () => {
  let cfg: Config;
  let proxy: TcpProxy;
  let gateway: GatewayProcess;
  let api: Api;
  let writer: ReturnType<typeof spawnWriter>;
  let base: string;
  const get = (path: string) =>
    fetch(`${base}${path}`).then(
      async (r) => ({ status: r.status, text: await r.text(), type: r.headers.get("content-type") }),
      () => ({ status: 0, text: "", type: null }),
    );

  beforeAll(async () => {
    cfg = await durableConfig();
    proxy = await mysqlProxy(cfg);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    writer = spawnWriter(throughProxy(cfg, proxy), port);
    gateway = await GatewayProcess.start(cfg, { port: 0, roles: { http: true, writer: false } });
    api = apiFor(gateway, cfg);
    await eventually(
      "the writer's /healthz",
      async () => (await get("/healthz")).status + writer.stderr().slice(-300),
      (s) => s.startsWith("200"),
      60_000,
    );
  });
  afterAll(async () => {
    await gateway?.close();
    writer?.child.kill("SIGTERM");
    await writer?.exited;
    await proxy?.stop();
    await stopApp(undefined, cfg);
  });

  it("ready once consuming, still ready with MySQL cut (the dependency report says so); /metrics counts the writer's rows and lag", async () => {
    const ready = await eventually(
      "ready",
      () => get("/readyz"),
      (r) => r.status === 200,
    );
    expect(JSON.parse(ready.text).checks).toEqual({ serving: "up", consumer: "up" });
    const deps = await get("/health/dependencies");
    expect(deps.status).toBe(200);
    expect(JSON.parse(deps.text).checks).toMatchObject({ mysql: "up", redis: "up", rocketmq: "up" });

    const saleId = `wm${rid()}`;
    await api.putSale(saleId, { stock: 4, perUserLimit: 1, shards: 2 });
    const users = Array.from({ length: 6 }, (_, i) => `wm${i}-${rid(2)}`);
    const tokens = await pool(users, 6, (u) => api.token(saleId, u));
    const answers = await pool(users, 6, (u, i) => api.order(saleId, u, tokens[i]!));
    expect(answers.filter((a) => a.status === 202)).toHaveLength(4);

    const m = await eventually(
      "the writer's rows in its /metrics",
      () => get("/metrics"),
      (r) => total(r.text, "flashsale_writer_rows_total") === 4,
    );
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(total(m.text, "flashsale_order_persist_lag_seconds_count")).toBe(4);
    expect(total(m.text, "flashsale_writer_batches_total")).toBeGreaterThanOrEqual(1);
    expect(total(m.text, "flashsale_sweeper_repairs_total", { kind: "ordersPersisted" })).toBe(0);
    // The writer places no orders and answers no buyers: those metrics are the gateway's.
    expect(total(m.text, "flashsale_group_commit_groups_total")).toBeUndefined();
    expect(total(m.text, "flashsale_http_requests_total")).toBeUndefined();
    expect(m.text).toMatch(/^process_cpu_user_seconds_total /m);
    expectPromtoolPasses(m.text);

    expect((await get("/nope")).status).toBe(404);
    proxy.setMode("reset");
    // Readiness is the writer's own (consuming, not draining): a MySQL every writer shares does not decide it.
    const down = await eventually(
      "MySQL reported down with MySQL cut",
      () => get("/health/dependencies"),
      (r) => r.status === 503,
    );
    expect(JSON.parse(down.text).checks).toMatchObject({ mysql: "down" });
    const stillReady = await get("/readyz");
    expect(stillReady.status, stillReady.text).toBe(200);
    expect((await get("/healthz")).status).toBe(200);
    proxy.setMode("pass");
    await eventually(
      "MySQL reported up again",
      () => get("/health/dependencies"),
      (r) => r.status === 200,
    );
  });
});

import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { migrate } from "../../src/persistence/migrate.js";
import { durableConfig, eventually, spawnEntry, stopApp } from "../helpers/durable.js";
import { freePort } from "../../stack/proc.js";
import { expectPromtoolPasses, total } from "./scrape.js";

/** One GET on a connection of its own (the kernel picks the worker per connection), the body as text. */
function getOnce(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
        let text = "";
        res
          .setEncoding("utf8")
          .on("data", (d: string) => (text += d))
          .on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on("error", reject);
  });
}

describe("/metrics with server.workers: 2", () => {
  let cfg: Config | undefined;
  let stop: (() => Promise<unknown>) | undefined;
  afterAll(async () => {
    await stop?.();
    if (cfg) await stopApp(undefined, cfg);
  });

  it("any one scrape shows every worker's counts summed, and promtool accepts the aggregate", async () => {
    cfg = await durableConfig("standalone", { server: { drainGraceMs: 100, drainTimeoutMs: 2000 } });
    // Migrated once beforehand, as a deployment does (mysql.migrateOnStart would have both workers race).
    await migrate(cfg.mysql);
    const port = await freePort();
    // The workers share the ops port as they share the public one: a fixed port, not 0 (each its own).
    const opsPort = await freePort();
    const childCfg = {
      ...cfg,
      server: { ...cfg.server, port, ops: { host: "127.0.0.1", port: opsPort }, workers: 2 },
      mysql: { ...cfg.mysql, migrateOnStart: false },
      rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, enabled: false } },
    };
    const { child, exited, stderr } = spawnEntry("main.ts", childCfg, { FLASHSALE_RMQ_LOG: "silent" });
    stop = () => (child.kill("SIGTERM"), exited);
    await eventually(
      "both workers listening",
      async () => stderr().match(/listening on/g)?.length ?? 0,
      (n) => n >= 2,
      50_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${stderr()}`);
    });

    const scrape = async () => {
      const r = await getOnce(opsPort, "/metrics");
      expect((await getOnce(port, "/metrics")).status, "not on the public port").toBe(404);
      expect(r.status, r.text).toBe(200);
      return r.text;
    };
    const route = { route: "healthz", status: "200" };
    const before = total(await scrape(), "flashsale_http_requests_total", route) ?? 0;
    const N = 60;
    for (let i = 0; i < N; i++) expect((await getOnce(opsPort, "/healthz")).status).toBe(200);
    // Without aggregation each scrape would see one worker's share (about N/2), whichever it reached.
    for (let i = 0; i < 4; i++) {
      const text = await scrape();
      expect(total(text, "flashsale_http_requests_total", route)! - before).toBe(N);
      expect(total(text, "flashsale_http_request_duration_seconds_count", { route: "healthz" })! - before).toBe(N);
      expect(
        total(text, "flashsale_breaker_state", { dependency: "redis" }),
        "a state is the most open worker's, not a sum",
      ).toBe(0);
      if (i === 0) expectPromtoolPasses(text);
    }
  }, 120_000);
});

import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { migrate } from "../../src/persistence/migrate.js";
import { freePort } from "../../stack/proc.js";
import { ensureNode24, NODE24 } from "../../stack/node24.js";
import { durableConfig, eventually, spawnEntry, stopApp } from "../helpers/durable.js";
import { Api, apiFor, finalRefusal, rid } from "../helpers/env.js";

/**
 * The gateway on the image's Node (24, Dockerfile) with the uWebSockets.js build chosen for it: npm start's
 * entry under Node 24 from the npm registry, on Debian 13's C library (stack/node24.ts; this machine's
 * Debian 12 has glibc 2.36, the build needs 2.38), with two workers forked by that Node, against the shared
 * Redis, MariaDB and RocketMQ. A failure to prepare the runtime (no network to the npm registry or
 * deb.debian.org) fails here with its message.
 */
describe(`the gateway on Node ${NODE24.version} (Debian 13's glibc)`, () => {
  let cfg: Config | undefined;
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> | undefined;
  let stderr = () => "";
  let api: Api;

  beforeAll(async () => {
    const runtime = await ensureNode24();
    cfg = await durableConfig("standalone", { server: { drainGraceMs: 100, drainTimeoutMs: 2000 } });
    // Migrated once beforehand, as a deployment does (mysql.migrateOnStart would have both workers race).
    await migrate(cfg.mysql);
    const [port, opsPort] = [await freePort(), await freePort()];
    const childCfg = {
      ...cfg,
      // Two workers share each port (SO_REUSEPORT): the ops port too must be fixed, not 0.
      server: { ...cfg.server, port, workers: 2, ops: { ...cfg.server.ops, port: opsPort } },
      mysql: { ...cfg.mysql, migrateOnStart: false },
      rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, enabled: false } },
    };
    ({ child, exited, stderr } = spawnEntry("main.ts", childCfg, { FLASHSALE_RMQ_LOG: "silent" }, runtime.node));
    await eventually(
      "both workers listening",
      async () => {
        // A worker that cannot start is forked again and again: stop at its first fatal line.
        if (stderr().includes('"level":60')) throw new Error("a worker failed to start");
        return stderr().match(/listening on/g)?.length ?? 0;
      },
      (n) => n >= 2,
      50_000,
    ).catch((e) => {
      throw new Error(`${(e as Error).message}\n${stderr()}`);
    });
    api = apiFor({ port, opsPort }, cfg);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    if (cfg) await stopApp(undefined, cfg);
  });

  it("each worker serves with @btc-vision/uwebsockets.js 20.57.0's Node 24 binary, and says so at start-up", async () => {
    const lines = stderr()
      .split("\n")
      .filter((l) => l.includes('"uws"'))
      .map((l) => (JSON.parse(l) as { uws: unknown }).uws);
    const build = {
      package: "@btc-vision/uwebsockets.js",
      version: "20.57.0",
      binary: "uws_linux_x64_137.node",
      node: `v${NODE24.version}`,
    };
    expect(lines).toEqual([build, build]);
    // The addon's own mark on every answer: uWebSockets major version 20.
    const health = await fetch(api.url("/healthz"));
    expect(health.status).toBe(200);
    expect(health.headers.get("uwebsockets")).toBe("20");
  });

  it("takes a real order (202, handed to RocketMQ), then refuses the sold-out sale 409 SOLD_OUT", async () => {
    const saleId = `n24${rid()}`;
    expect((await api.putSale(saleId, { stock: 1, perUserLimit: 1, shards: 1 })).status).toBe(201);
    const user = `buyer-${rid(3)}`;
    const token = await api.token(saleId, user);
    const placed = await api.order(saleId, user, token);
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    expect(placed.body).toMatchObject({ saleId, userId: user, quantity: 1, status: "RESERVED" });
    const again = await api.order(saleId, user, token);
    expect([again.status, again.headers.get("idempotent-replayed")]).toEqual([202, "true"]);
    expect(again.body.orderId).toBe(placed.body.orderId);

    const refused = await finalRefusal(api, `late-${rid(3)}`, (c) => c.placeOrder(saleId, {}));
    expect([refused.status, refused.code]).toEqual([409, "SOLD_OUT"]);
  });

  it("answers errors in the contract's shape: 401 without a token, 404 for an unknown route, 400 for bad JSON", async () => {
    const saleId = `n24${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 1 })).status).toBe(201);
    const anonymous = await api.call("POST", `/v1/sales/${saleId}/orders`, { body: {} });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: "UNAUTHENTICATED", message: expect.any(String) } });
    const unknown = await api.call("GET", `/v1/nothing-${rid(2)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    const malformed = await api.call("POST", `/v1/sales/${saleId}/orders`, {
      headers: { ...api.buyer(`b-${rid(3)}`), "idempotency-key": `k-${rid()}`, "content-type": "application/json" },
      raw: "{not json",
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ error: { code: "INVALID_REQUEST", message: expect.any(String) } });
  });
});

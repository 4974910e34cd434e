import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, runToExit, spawnEntry } from "../helpers/durable.js";
import { apiFor, rid, startGateway, testConfig } from "../helpers/env.js";

/**
 * `npm start` with NODE_ENV=production refuses every placeholder and weak secret before it touches anything:
 * exit 78 and one fatal JSON line naming the key, never its value. With strong secrets it starts and serves.
 */
const strong = () => randomBytes(32).toString("base64url");
const DEFAULTS = loadConfig({});

/** The config with these secrets (the rest strong). */
function withSecrets(cfg: Config, s: { jwt?: string; admin?: string | string[]; webhook?: string }): Config {
  return {
    ...cfg,
    auth: { ...cfg.auth, userJwtSecret: s.jwt ?? strong(), adminToken: s.admin ?? strong() },
    payments: { ...cfg.payments, webhookSecret: s.webhook ?? strong() },
  };
}

interface Line {
  level: number;
  msg: string;
}

/** The gateway entry in production mode: its exit code and stderr lines (each must be JSON). */
const startInProduction = (cfg: Config) => runToExit<Line>("main.ts", cfg, { NODE_ENV: "production" });

const weak = randomBytes(12).toString("base64url"); // 16 bytes
const CASES: [string, Parameters<typeof withSecrets>[1], string, string][] = [
  [
    "compose's old JWT fallback",
    { jwt: "compose-user-jwt-secret-change-me" },
    "auth.userJwtSecret",
    "compose-user-jwt-secret-change-me",
  ],
  [
    "compose's old admin fallback",
    { admin: "compose-admin-token-change-me" },
    "auth.adminToken",
    "compose-admin-token-change-me",
  ],
  [
    "compose's old webhook fallback",
    { webhook: "compose-webhook-secret-change-me" },
    "payments.webhookSecret",
    "compose-webhook-secret-change-me",
  ],
  ["a 16-byte JWT secret", { jwt: weak }, "auth.userJwtSecret", weak],
  ["a 16-byte token in the admin list", { admin: [strong(), weak] }, "auth.adminToken\\[1\\]", weak],
  ["a 16-byte webhook secret", { webhook: weak }, "payments.webhookSecret", weak],
];

describe.concurrent("a production start refuses placeholder and weak secrets: one line naming the key", () => {
  it("default.json's secrets (NODE_ENV=production and nothing set): a line for each of the three", async () => {
    const { code, lines } = await startInProduction(testConfig("standalone"));
    expect(code).toBe(78);
    const fatal = lines.filter((l) => l.level === 60).map((l) => l.msg);
    expect(
      fatal.map((m) => /^invalid config: (\S+): the development default; .*NODE_ENV=production/.exec(m)?.[1]),
    ).toEqual(["auth.userJwtSecret", "auth.adminToken", "payments.webhookSecret"]);
    const all = lines.map((l) => JSON.stringify(l)).join("\n");
    for (const v of [DEFAULTS.auth.userJwtSecret, DEFAULTS.auth.adminToken as string, DEFAULTS.payments.webhookSecret])
      expect(all).not.toContain(v);
  });

  for (const [what, secrets, key, value] of CASES) {
    it(what, async () => {
      // Redis, MySQL and RocketMQ are reachable: the refusal is the secret's, not a dependency's.
      const { code, lines } = await startInProduction(withSecrets(testConfig("standalone"), secrets));
      expect(code).toBe(78);
      const fatal = lines.filter((l) => l.level === 60).map((l) => l.msg);
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toMatch(new RegExp(`^invalid config: ${key}: .*NODE_ENV=production`));
      expect(lines.map((l) => JSON.stringify(l)).join("\n")).not.toContain(value);
      expect(lines.some((l) => /listening on/.test(l.msg))).toBe(false);
    });
  }
});

describe("a production start with strong secrets", () => {
  it("starts, serves the admin API with its token, and stops on SIGTERM", async () => {
    // A patient Redis timeout: the point is the start, on a machine other tests keep busy.
    const cfg = withSecrets(
      await durableConfig("standalone", { log: { level: "info" }, redis: { commandTimeoutMs: 5000 } }),
      {},
    );
    const { child, exited, stderr } = spawnEntry(
      "main.ts",
      {
        ...cfg,
        server: { ...cfg.server, port: 0 },
        rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, enabled: false } },
      },
      { NODE_ENV: "production", FLASHSALE_RMQ_LOG: "silent" },
    );
    try {
      const ports = await new Promise<{ port: number; opsPort: number }>((resolve, reject) => {
        child.stderr!.on("data", () => {
          const m = /listening on [^:]+:(\d+); ops [^:]+:(\d+)/.exec(stderr());
          if (m) resolve({ port: Number(m[1]), opsPort: Number(m[2]) });
        });
        child.on("exit", () => reject(new Error(`exited: ${stderr()}`)));
      });
      const api = apiFor(ports, cfg);
      expect((await api.call("GET", "/v1/admin/sales", { headers: api.admin() })).status).toBe(200);
      expect(stderr()).not.toMatch(/"level":60/);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});

describe("auth.adminToken as a list: rotation without downtime", () => {
  const [old, next] = [strong(), strong()];
  let both: GatewayProcess;
  let rotated: GatewayProcess;
  beforeAll(async () => {
    const cfg = testConfig("standalone");
    both = (await startGateway({ ...cfg, auth: { ...cfg.auth, adminToken: [next, old] } })).gw;
    rotated = (await startGateway({ ...cfg, auth: { ...cfg.auth, adminToken: [next] } })).gw;
  });
  afterAll(async () => {
    await both?.close();
    await rotated?.close();
  });

  it("accepts both tokens while both are listed; the removed one gets 401, another 401, a buyer 403", async () => {
    const cfg = testConfig("standalone");
    const call = (gw: GatewayProcess, token: string) =>
      apiFor(gw, cfg).call("GET", "/v1/admin/sales", { headers: { authorization: `Bearer ${token}` } });
    expect((await call(both, old)).status).toBe(200);
    expect((await call(both, next)).status).toBe(200);
    expect((await call(rotated, next)).status).toBe(200);
    const removed = await call(rotated, old);
    expect([removed.status, removed.body.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    expect((await call(rotated, strong())).status).toBe(401);
    const buyer = apiFor(rotated, cfg);
    const asBuyer = await buyer.call("GET", "/v1/admin/sales", { headers: buyer.buyer(`u-${rid(3)}`) });
    expect([asBuyer.status, asBuyer.body.error.code]).toEqual([403, "FORBIDDEN"]);
  });
});

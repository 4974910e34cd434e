import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { adminTokens } from "../../src/config/schema.js";

function overlay(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), "fscfg-"));
  const p = join(dir, "overlay.json");
  writeFileSync(p, JSON.stringify(obj));
  return p;
}

describe("configuration", () => {
  it("has working defaults per the contract", () => {
    const c = loadConfig({});
    expect(c.server.port).toBe(8080);
    expect(c.redis.mode).toBe("standalone");
    expect(c.mysql.shards.map((s) => s.database)).toEqual(["flashsale_0", "flashsale_1"]);
    expect(c.mysql.tablesPerShard).toBe(4);
    expect(c.rocketmq.endpoints).toBe("127.0.0.1:8081");
  });

  it("deep-merges the FLASHSALE_CONFIG overlay, then FLASHSALE__ variables", () => {
    const c = loadConfig({
      FLASHSALE_CONFIG: overlay({ stock: { shards: 16 }, redis: { mode: "cluster" } }),
      FLASHSALE__SERVER__PORT: "9090",
      FLASHSALE__redis__nodes: '["10.0.0.1:7000"]',
    });
    expect(c.stock.shards).toBe(16);
    expect(c.stock.transferChunkRatio).toBe(0.5);
    expect(c.redis.mode).toBe("cluster");
    expect(c.redis.nodes).toEqual(["10.0.0.1:7000"]);
    expect(c.server.port).toBe(9090);
  });

  it("loads an older config's queueJoin.redisTimeoutMs (the join limits no longer call Redis apart)", () => {
    expect(loadConfig({}).admission.rateLimits.queueJoin).not.toHaveProperty("redisTimeoutMs");
    const w = { points: 120, durationSeconds: 60, blockSeconds: 0 };
    const queueJoin = (redisTimeoutMs: number) => ({ buyer: w, ip: w, redisTimeoutMs });
    const old = loadConfig({
      FLASHSALE_CONFIG: overlay({ admission: { rateLimits: { queueJoin: queueJoin(200) } } }),
    });
    expect(old.admission.rateLimits.queueJoin.ip.points).toBe(120);
    expect(() =>
      loadConfig({ FLASHSALE_CONFIG: overlay({ admission: { rateLimits: { queueJoin: queueJoin(0) } } }) }),
    ).toThrow(/queueJoin\.redisTimeoutMs/);
  });

  it.each([
    [{ FLASHSALE__STOCK__SHARDS: "0" }, /stock\.shards/],
    [{ FLASHSALE__REDIS__MODE: "sentinel" }, /redis\.mode/],
    [{ FLASHSALE__SERVER__PORT: "http" }, /server\.port/],
    [{ FLASHSALE__NOPE: "1" }, /no setting nope/],
    [{ FLASHSALE_CONFIG: overlay({ mysql: { shards: [{ host: "h" }] } }) }, /mysql\.shards\.0\./],
    [{ FLASHSALE_CONFIG: overlay({ server: { typo: 1 } }) }, /server: unknown setting\(s\) typo/],
    [
      { FLASHSALE_CONFIG: overlay({ server: { cors: { origins: ["shop.example.com"] } } }) },
      /server\.cors\.origins\.0/,
    ],
  ])("a bad value stops start-up naming the key (%o)", (env, msg) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(msg);
  });

  it("refuses development secrets when NODE_ENV=production", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/auth\.userJwtSecret/);
    const ok = loadConfig({ NODE_ENV: "production", ...STRONG });
    expect(ok.auth.adminToken).toBe(STRONG.FLASHSALE__AUTH__ADMINTOKEN);
  });
});

/** Strong values for the three production secrets (32 random bytes each, base64url). */
const STRONG = {
  FLASHSALE__AUTH__USERJWTSECRET: randomBytes(32).toString("base64url"),
  FLASHSALE__AUTH__ADMINTOKEN: randomBytes(32).toString("base64url"),
  FLASHSALE__PAYMENTS__WEBHOOKSECRET: randomBytes(32).toString("base64url"),
};
const VARIABLE: Record<string, keyof typeof STRONG> = {
  "auth.userJwtSecret": "FLASHSALE__AUTH__USERJWTSECRET",
  "auth.adminToken": "FLASHSALE__AUTH__ADMINTOKEN",
  "payments.webhookSecret": "FLASHSALE__PAYMENTS__WEBHOOKSECRET",
};

/** The problems a production start with this one secret replaced reports (none: []). */
function refusals(key: string, value: string): string[] {
  try {
    loadConfig({ NODE_ENV: "production", ...STRONG, [VARIABLE[key]!]: value });
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe("production secrets", () => {
  const defaults = loadConfig({});
  const PLACEHOLDERS: [string, string][] = [
    ["auth.userJwtSecret", defaults.auth.userJwtSecret],
    ["auth.adminToken", defaults.auth.adminToken as string],
    ["payments.webhookSecret", defaults.payments.webhookSecret],
    // compose.yaml's old fallbacks, and what people write instead of a secret
    ["auth.userJwtSecret", "compose-user-jwt-secret-change-me"],
    ["auth.adminToken", "compose-admin-token-change-me"],
    ["payments.webhookSecret", "compose-webhook-secret-change-me"],
    ["auth.userJwtSecret", "CHANGEME-CHANGEME-CHANGEME-CHANGEME-1"],
    ["auth.adminToken", "replace_me_with_a_long_random_string_please"],
    ["auth.userJwtSecret", "my.example.jwt.key.that.is.long.enough.for.hs256"],
    ["payments.webhookSecret", "webhook secret for the payment provider 2026"],
    ["auth.adminToken", "test-admin-credential-0123456789abcdef0123"],
  ];
  it.each(PLACEHOLDERS)("refuses a placeholder in %s (%s), one line naming the key and not the value", (key, v) => {
    const problems = refusals(key, v);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^invalid config: ${key.replace(".", "\\.")}: `));
    expect(problems[0]).not.toContain(v);
    expect(problems[0]).toMatch(/placeholder|development default/);
  });

  const WEAK: [string, string, RegExp][] = [
    ["auth.userJwtSecret", randomBytes(15).toString("hex"), /30 bytes, at least 32/],
    ["auth.adminToken", randomBytes(20).toString("base64"), /28 bytes, at least 32/],
    ["payments.webhookSecret", randomBytes(12).toString("base64url"), /16 bytes, at least 32/],
    ["auth.userJwtSecret", "ab".repeat(24), /fewer than 8 distinct characters/],
  ];
  it.each(WEAK)("refuses a weak %s (%s)", (key, v, why) => {
    const problems = refusals(key, v);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^invalid config: ${key.replace(".", "\\.")}: `));
    expect(problems[0]).toMatch(why);
    expect(problems[0]).not.toContain(v);
  });

  it("takes random secrets of 32 bytes and more, even with a word like test inside a random run", () => {
    expect(refusals("auth.userJwtSecret", randomBytes(32).toString("base64"))).toEqual([]);
    expect(refusals("auth.adminToken", randomBytes(32).toString("hex"))).toEqual([]);
    expect(refusals("payments.webhookSecret", `Q7testZk${randomBytes(30).toString("base64url")}`)).toEqual([]);
    // Outside production, the development defaults load.
    expect(loadConfig({}).auth.userJwtSecret).toBe(defaults.auth.userJwtSecret);
  });

  it("reports every bad setting, a line each, with the index of a listed admin token", () => {
    const weak = randomBytes(8).toString("hex");
    let problems: string[] = [];
    try {
      loadConfig({
        NODE_ENV: "production",
        FLASHSALE__AUTH__ADMINTOKEN: JSON.stringify([STRONG.FLASHSALE__AUTH__ADMINTOKEN, weak]),
        FLASHSALE__MYSQL__SHARDS: JSON.stringify(
          defaults.mysql.shards.map((s) => ({ ...s, password: "compose-db-password-change-me" })),
        ),
      });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.map((p) => /^invalid config: (\S+):/.exec(p)?.[1])).toEqual([
      "auth.userJwtSecret",
      "auth.adminToken[1]",
      "payments.webhookSecret",
      "mysql.shards[0].password",
      "mysql.shards[1].password",
    ]);
    for (const p of problems) expect(p).not.toMatch(new RegExp(`${weak}|change-me`));
  });

  it("takes the admin token as a list, from the overlay file or a FLASHSALE__ variable holding JSON", () => {
    const [a, b] = [randomBytes(32).toString("base64url"), randomBytes(32).toString("base64url")];
    const fromEnv = loadConfig({
      NODE_ENV: "production",
      ...STRONG,
      FLASHSALE__AUTH__ADMINTOKEN: JSON.stringify([a, b]),
    });
    expect(fromEnv.auth.adminToken).toEqual([a, b]);
    expect(adminTokens(fromEnv.auth)).toEqual([a, b]);
    const fromFile = loadConfig({ FLASHSALE_CONFIG: overlay({ auth: { adminToken: [b] } }) });
    expect(adminTokens(fromFile.auth)).toEqual([b]);
    expect(() => loadConfig({ FLASHSALE__AUTH__ADMINTOKEN: "[]" })).toThrow(/auth\.adminToken/);
  });
});

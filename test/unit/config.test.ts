import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";

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
    const ok = loadConfig({
      NODE_ENV: "production",
      FLASHSALE__AUTH__USERJWTSECRET: "a-real-secret-of-some-length",
      FLASHSALE__AUTH__ADMINTOKEN: "a-real-admin-token-123",
      FLASHSALE__PAYMENTS__WEBHOOKSECRET: "a-real-webhook-secret",
    });
    expect(ok.auth.adminToken).toBe("a-real-admin-token-123");
  });
});

import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { createRedis } from "../../src/redis/client.js";

describe("redis.natMap", () => {
  it("defaults to no mapping and takes a map of announced host:port to the address to dial", () => {
    expect(loadConfig({}).redis.natMap).toEqual({});
    const c = loadConfig({ FLASHSALE__REDIS__NATMAP: '{"10.0.0.5:7000": {"host": "203.0.113.7", "port": 17000}}' });
    expect(c.redis.natMap).toEqual({ "10.0.0.5:7000": { host: "203.0.113.7", port: 17000 } });
  });

  it.each([
    ['{"10.0.0.5": {"host": "a", "port": 1}}', /redis\.natMap\.10\.0\.0\.5: expected host:port/],
    ['{"10.0.0.5:7000": {"host": "a", "port": 0}}', /redis\.natMap\.10\.0\.0\.5:7000\.port/],
    ['{"10.0.0.5:7000": {"host": "a", "port": 1, "tls": true}}', /unknown setting\(s\) tls/],
  ])("refuses %s", (raw, msg) => {
    expect(() => loadConfig({ FLASHSALE__REDIS__NATMAP: raw })).toThrow(msg);
  });

  it("hands the map to the cluster client", () => {
    const cfg = loadConfig({
      FLASHSALE__REDIS__MODE: "cluster",
      FLASHSALE__REDIS__NATMAP: '{"10.0.0.5:7000": {"host": "127.0.0.1", "port": 17000}}',
    }).redis;
    const client = createRedis(cfg, { lazyConnect: true });
    expect((client as unknown as { options: { natMap?: unknown } }).options.natMap).toEqual(cfg.natMap);
    client.disconnect();
  });
});

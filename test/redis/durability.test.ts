import { inject, describe, expect, it } from "vitest";
import { createRedis } from "../../src/redis/client.js";
import { durabilityWarning, redisDurability } from "../../src/redis/durability.js";
import { startGateway, testConfig } from "../helpers/env.js";

describe("Redis durability at start-up", () => {
  it("warns about primaries with neither replicas nor AOF, and names them", () => {
    expect(
      durabilityWarning([
        { node: "a:1", replicas: 1, aof: false, snapshots: false },
        { node: "b:2", replicas: 0, aof: true, snapshots: false },
      ]),
    ).toBeNull();
    const w = durabilityWarning([
      { node: "a:1", replicas: 0, aof: false, snapshots: true },
      { node: "b:2", replicas: 1, aof: false, snapshots: false },
    ]);
    expect(w).toMatch(/^Redis a:1 has neither replicas nor AOF persistence \(RDB snapshots only\)/);
    expect(w).not.toMatch(/b:2/);
  });

  it("the test cluster's primaries each have a replica and AOF: no warning", async () => {
    const cfg = testConfig("cluster");
    const client = createRedis(cfg.redis);
    try {
      await client.ping();
      const nodes = await redisDurability(client);
      expect(nodes.length).toBeGreaterThanOrEqual(3);
      for (const n of nodes) expect(n).toMatchObject({ replicas: 1, aof: true });
      expect(inject("redisClusterNodes").length).toBe(6);
    } finally {
      client.disconnect();
    }
  });

  it("a gateway on a standalone Redis without AOF or replicas says so when it starts", async () => {
    const cfg = testConfig("standalone");
    const probe = createRedis(cfg.redis);
    const [node] = await redisDurability(probe);
    probe.disconnect();
    const { gw } = await startGateway(cfg);
    try {
      if (node!.replicas === 0 && !node!.aof) expect(gw.redisWarning).toMatch(/has neither replicas nor AOF/);
      else expect(gw.redisWarning).toBeNull();
    } finally {
      await gw.close();
    }
  });
});

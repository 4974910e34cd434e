import type { Cluster } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedis } from "../../src/redis/client.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { ReplicaAcks } from "../../src/redis/replica-acks.js";
import { testConfig } from "../helpers/env.js";

describe("replica acknowledgement while a slot's primary is unknown (Redis Cluster)", () => {
  // Found by test/faults/cluster-failover.test.ts: a primary cut off mid-transfer left the client without a
  // connection to the slot's owner, and the transfer's WAIT step threw a plain error, answered 500.
  it("is a shortfall (false: outcome unknown, 503), not an exception", async () => {
    const cfg = testConfig("cluster");
    const client = createRedis(cfg.redis) as Cluster;
    try {
      await client.ping();
      const acks = new ReplicaAcks(client, 1, 200);
      const key = `${cfg.redis.keyPrefix}{acks-owner}:xin`;
      // As between a lost connection to the owner (dropped from the pool) and the next slots refresh.
      client.slots[keySlot(key)] = ["127.0.0.1:1"];
      const before = acks.stats.shortfalls;
      await expect(acks.replicated([key])).resolves.toBe(false);
      expect(acks.stats).toMatchObject({ shortfalls: before + 1, waits: 0 });
    } finally {
      client.disconnect();
    }
  });
});

import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { ReplicaAcks } from "../../src/redis/replica-acks.js";
import { scripts } from "../../src/redis/scripts.js";
import { pidListeningOn } from "../../stack/proc.js";
import type { LocalCluster } from "../../stack/redis-cluster.js";
import { rid, testConfig } from "../helpers/env.js";
import { ownCluster } from "../helpers/own-cluster.js";
import { monitorNode } from "../helpers/redis-monitor.js";

/**
 * Issue 17, scenarios 2 and 3 at the script layer: a 202 answered again, on any connection, is acknowledged
 * only once a replica has the reservation. WAIT counts only its own connection's writes (Redis >= 7.2), so
 * each replay path writes the stored answer again before it: the reserve script run again by a new
 * connection (ioredis resending after a lost reply: the attempt's own order), the reserve script of another
 * attempt, and the replay script. With the replicas frozen, each connection's WAIT falls short.
 */
describe("replays of a 202 and replica acknowledgement (Redis Cluster, replicas frozen)", () => {
  let cfg = testConfig("cluster");
  const keys = new Keys(cfg.redis.keyPrefix);
  const clients: RedisClient[] = [];
  let frozen: number[] = [];
  let cluster: LocalCluster | undefined;
  const connect = async () => {
    const c = createRedis({ ...cfg.redis, commandTimeoutMs: 5000 });
    clients.push(c);
    await c.ping();
    return c;
  };

  beforeAll(async () => {
    // Its own cluster: frozen replicas of the shared one would be thawed by, or stall, another file.
    ({ cfg, cluster } = await ownCluster(cfg, "replay-acks"));
    const ports: number[] = [];
    for (const node of cfg.redis.nodes) {
      const c = createRedis({ ...cfg.redis, mode: "standalone", url: `redis://${node}` });
      if (/role:slave/.test(await c.info("replication"))) ports.push(Number(node.split(":")[1]));
      c.disconnect();
    }
    frozen = ports.map((p) => pidListeningOn(p)).filter((p): p is number => p !== null);
    expect(frozen).toHaveLength(3);
  });
  afterAll(async () => {
    for (const pid of frozen) process.kill(pid, "SIGCONT");
    for (const c of clients) c.disconnect();
    await cluster?.stop();
  });

  it("every replay path writes on its connection, and its WAIT waits for a replica", { timeout: 60_000 }, async () => {
    const first = await connect();
    const k = keys.shard(`ra${rid()}`, 0);
    expect(await scripts.warmShard(first, k, 5)).toBe("warmed");
    const token = rid(16).slice(0, 32);
    const orderId = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
    const args = (id: string) => ({
      userId: "u1",
      quantity: 1,
      perUserLimit: 2,
      orderId: id,
      now: Date.now(),
      token,
      tokenExpiresAt: Date.now() + 60_000,
      final: true,
      replayMs: 60_000,
      acceptedChannel: k.accepted,
      saleId: k.saleId,
    });
    const acked = (c: RedisClient) => new ReplicaAcks(c, 1, 300).replicated([k.res]);
    // Other connections, as another process or a reconnected client has: none wrote anything yet.
    const [resent, other, replayer] = [await connect(), await connect(), await connect()];
    const owner = (first as Cluster).slots[keySlot(k.token(token))]![0]!;
    const restated: string[][] = [];
    const monitor = await monitorNode(owner, (a) => {
      if (a[0]?.toLowerCase() === "hset" && a[1] === k.token(token) && a[2] === "c") restated.push(a);
    });

    for (const pid of frozen) process.kill(pid, "SIGSTOP");
    try {
      expect(await scripts.reserve(first, k, args(orderId))).toEqual({ kind: "reserved", orderId, replayed: false });
      expect(await acked(first)).toBe(false);
      // The same call resent on a new connection: this attempt's own reservation, not a replay.
      expect(await scripts.reserve(resent, k, args(orderId))).toEqual({ kind: "reserved", orderId, replayed: false });
      expect(await acked(resent)).toBe(false);
      expect(await scripts.reserve(other, k, args(`${k.saleId}.0.${rid(6).slice(0, 12)}`))).toEqual({
        kind: "reserved",
        orderId,
        replayed: true,
      });
      expect(await acked(other)).toBe(false);
      expect(await scripts.replay(replayer, k, token, "u1", 1)).toEqual({ kind: "reserved", orderId, replayed: true });
      expect(await acked(replayer)).toBe(false);
    } finally {
      for (const pid of frozen) process.kill(pid, "SIGCONT");
    }
    // One write of the stored answer per replay path, each on the connection that then sent WAIT.
    expect(restated).toHaveLength(3);
    monitor.stop();
    // Thawed, the replicas catch up and every one of those connections' WAITs is answered.
    for (const c of [first, resent, other, replayer]) {
      let ok = false;
      for (let i = 0; i < 50 && !ok; i++) ok = await acked(c);
      expect(ok).toBe(true);
    }
    expect(await first.get(k.stock)).toBe("4");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { createRedis } from "../../src/redis/client.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { pidListeningOn } from "../../stack/proc.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { ownCluster } from "../helpers/own-cluster.js";
import type { LocalCluster } from "../../stack/redis-cluster.js";
import { pool, rid, type Api } from "../helpers/env.js";

/**
 * Acknowledged means replicated, on the real six-node cluster (three primaries, a replica each): a 202 is
 * sent only once WAIT says the reservation is on a replica. With every replica frozen (SIGSTOP) no order is
 * acknowledged: 503, outcome unknown; once they thaw, the buyers' retries with the same keys get their
 * orders, and every one of them becomes exactly one row.
 */
describe("replica acknowledgement before the 202 (Redis Cluster)", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  let replicaPids: number[] = [];
  let cluster: LocalCluster | undefined;

  beforeAll(async () => {
    // Long enough for a replica on a loaded machine, and below the 1 s command timeout: frozen, WAIT falls short.
    const base = await durableConfig("cluster", {
      redis: { replicaAckTimeoutMs: 600 },
      rocketmq: { groupCommit: { maxOrders: 8, lingerMs: 1, maxInFlight: 4 } },
    });
    // Its own cluster: frozen replicas of the shared one would be thawed by, or stall, another file.
    ({ cfg, cluster } = await ownCluster(base, "replica-acks"));
    ({ app, api } = await startApp(cfg));
    const probe = createRedis(cfg.redis);
    await probe.ping();
    const ports: number[] = [];
    for (const node of cfg.redis.nodes) {
      const [host, port] = node.split(":");
      const c = createRedis({ ...cfg.redis, mode: "standalone", url: `redis://${host}:${port}` });
      if (/role:slave/.test(await c.info("replication"))) ports.push(Number(port));
      c.disconnect();
    }
    probe.disconnect();
    replicaPids = ports.map((p) => pidListeningOn(p)).filter((p): p is number => p !== null);
    expect(replicaPids).toHaveLength(3);
  });
  afterAll(async () => {
    for (const pid of replicaPids) process.kill(pid, "SIGCONT");
    await stopApp(app, cfg);
    await cluster?.stop();
  });

  it("computes the slot of a key as Redis does", async () => {
    const c = createRedis({ ...cfg.redis, mode: "standalone", url: `redis://${cfg.redis.nodes[0]}` });
    for (const key of ["fs:{sale:3}:stock", "plain", "a{}b", "{}{x}", "x{y}z{w}", "ünïcode{é}"]) {
      expect(keySlot(key), key).toBe(Number(await c.call("CLUSTER", "KEYSLOT", key)));
    }
    c.disconnect();
  });

  it("waits for a replica before every 202; with the replicas frozen nothing is acknowledged, and the retries settle it", async () => {
    expect(app.replicaAcks.minAcks).toBe(1);
    const saleId = `ack${rid()}`;
    // More stock than buyers: a buyer whose shard ran dry must not lose a pull race to a SOLD_OUT (issue 9).
    await api.putSale(saleId, { stock: 60, perUserLimit: 1, shards: 8 });
    const users = Array.from({ length: 40 }, (_, i) => `r${i}-${rid(2)}`);
    const tokens = await pool(users, 16, (u) => api.token(saleId, u));
    const first = await pool(users.slice(0, 10), 10, (u, i) => api.order(saleId, u, tokens[i]!));
    expect(first.map((r) => [r.status, r.body.error?.message])).toEqual(first.map(() => [202, undefined]));
    const waitsBefore = app.replicaAcks.stats.waits;
    expect(waitsBefore).toBeGreaterThan(0);

    for (const pid of replicaPids) process.kill(pid, "SIGSTOP");
    let frozen;
    try {
      frozen = await pool(users.slice(10, 30), 10, (u, i) => api.order(saleId, u, tokens[10 + i]!));
    } finally {
      for (const pid of replicaPids) process.kill(pid, "SIGCONT");
    }
    // Not one 202 while no replica could acknowledge; the answer says to retry with the same key.
    for (const r of frozen) expect([r.status, r.body.error?.code]).toEqual([503, "UNAVAILABLE"]);
    expect(app.replicaAcks.stats.shortfalls).toBeGreaterThan(0);

    // Thawed: the same keys now get their orders (the reservation made while frozen, replayed).
    const retried = await pool(users.slice(10, 30), 10, (u, i) => api.order(saleId, u, tokens[10 + i]!));
    expect(retried.map((r) => r.status)).toEqual(retried.map(() => 202));
    const rest = await pool(users.slice(30), 10, (u, i) => api.order(saleId, u, tokens[30 + i]!));
    expect(rest.map((r) => [r.status, r.body.error?.message])).toEqual(rest.map(() => [202, undefined]));
    const ids = [...first, ...retried, ...rest].map((r) => r.body.orderId as string);
    expect(new Set(ids).size).toBe(40);
    // Every acknowledged order becomes exactly one row (the undecided messages are committed by the back-check).
    await eventually(
      "40 rows",
      () => api.stats(saleId),
      (s) => s.body.mysql.total === 40 && s.body.pending === 0,
      60_000,
    );
    const stored = new Set<string>();
    for await (const o of app.repo.scanSale(saleId)) stored.add(o.orderId);
    expect(stored).toEqual(new Set(ids));
    // A transfer between shards whose WAIT fell short while frozen is left to the sweeper (after its grace).
    await eventually(
      "no units in transit",
      () => api.stats(saleId),
      (st) => st.body.inTransfer === 0,
      30_000,
    );
    expect((await api.stats(saleId)).body).toMatchObject({
      stock: 60,
      redisRemaining: 20,
      inTransfer: 0,
      reserved: 40,
      drift: 0,
    });
  }, 120_000);
});

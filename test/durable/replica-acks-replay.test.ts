import type { Cluster } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { pidListeningOn } from "../../stack/proc.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { ownCluster } from "../helpers/own-cluster.js";
import type { LocalCluster } from "../../stack/redis-cluster.js";
import { rid, type Api } from "../helpers/env.js";
import { monitorNode } from "../helpers/redis-monitor.js";

/** The pids of the cluster's replicas (to freeze with SIGSTOP: they stay connected and stop acknowledging). */
async function replicaPids(cfg: Config): Promise<number[]> {
  const ports: number[] = [];
  for (const node of cfg.redis.nodes) {
    const c = createRedis({ ...cfg.redis, mode: "standalone", url: `redis://${node}` });
    if (/role:slave/.test(await c.info("replication"))) ports.push(Number(node.split(":")[1]));
    c.disconnect();
  }
  return ports.map((p) => pidListeningOn(p)).filter((p): p is number => p !== null);
}

/**
 * Issue 17, scenario 3: every 202, first or replayed, on any process, is on `redis.minReplicaAcks` replicas.
 * WAIT counts only the writes of its own connection. Gateway A reserves while the replicas are frozen, its
 * WAIT falls short (503); the buyer retries on gateway B, a process with its own connections that wrote
 * nothing: a bare WAIT there returns at once. B's replay must write on its connection first, so that its
 * WAIT covers the reservation (replication is ordered per primary), and answer 503 until a replica has it.
 */
describe("a replayed 202 served by another gateway process (Redis Cluster, replicas frozen)", () => {
  let cfg: Config;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let apiA: Api;
  let apiB: Api;
  let direct: RedisClient;
  let frozen: number[] = [];
  let cluster: LocalCluster | undefined;

  beforeAll(async () => {
    // Long enough for a replica on a loaded machine, and below the command timeout: frozen, WAIT falls short.
    const base = await durableConfig("cluster", {
      redis: { replicaAckTimeoutMs: 600 },
      rocketmq: { groupCommit: { maxOrders: 8, lingerMs: 1, maxInFlight: 4 } },
    });
    // Its own cluster: frozen replicas of the shared one would be thawed by, or stall, another file.
    ({ cfg, cluster } = await ownCluster(base, "replica-acks-replay"));
    ({ app: a, api: apiA } = await startApp(cfg));
    ({ app: b, api: apiB } = await startApp(cfg, { roles: { writer: false, sweeper: false } }));
    direct = createRedis(cfg.redis);
    await direct.ping();
    frozen = await replicaPids(cfg);
    expect(frozen).toHaveLength(3);
  });
  afterAll(async () => {
    for (const pid of frozen) process.kill(pid, "SIGCONT");
    direct?.disconnect();
    await b?.close();
    await stopApp(a, cfg);
    await cluster?.stop();
  });

  /** The commands that touch `key` on its primary (MONITOR), until stop(). */
  async function watchKey(key: string): Promise<{ commands: string[][]; stop: () => void }> {
    const owner = (direct as Cluster).slots[keySlot(key)]![0]!;
    const commands: string[][] = [];
    const monitor = await monitorNode(owner, (args) => {
      if (args.includes(key)) commands.push([args[0]!.toLowerCase(), ...args.slice(1)]);
    });
    return { commands, stop: () => monitor.stop() };
  }

  it(
    "B answers 503 while no replica has the reservation, then 202 with the same order",
    { timeout: 120_000 },
    async () => {
      expect([a.replicaAcks.minAcks, b.replicaAcks.minAcks]).toEqual([1, 1]);
      const saleId = `rr${rid()}`;
      expect((await apiA.putSale(saleId, { stock: 10, perUserLimit: 1, shards: 2 })).status).toBe(201);
      const user = `rr-${rid(3)}`;
      const token = await apiA.token(saleId, user);
      const tok = a.keys.shard(saleId, a.reservations.homeShard((await a.sales.get(saleId))!, user)).token(token);
      // B has served this sale before (its settings cached), as a worker of a live sale has.
      expect((await apiB.sale(saleId)).status).toBe(200);

      for (const pid of frozen) process.kill(pid, "SIGSTOP");
      try {
        const first = await apiA.order(saleId, user, token);
        expect([first.status, first.body.error?.code]).toEqual([503, "UNAVAILABLE"]);
        // A reserved (the token holds the outcome): only the replicas' acknowledgement was missing.
        const orderId = await direct.hget(tok, "o");
        expect(orderId).toMatch(new RegExp(`^${saleId}\\.`));
        // B hears accepted tokens on pub/sub (its subscriber may sit on a frozen replica: told here, as it would
        // be), so its replay reads the stored answer instead of running the reserve script.
        b.soldOut.noteAccepted(saleId, token);
        const waitsBefore = b.replicaAcks.stats.waits;
        const seen = await watchKey(tok);
        const replay = await apiB.order(saleId, user, token);
        // The replay wrote on B's connection before its WAIT. Redis >= 7.2 counts only a connection's own
        // writes in WAIT (7.0, this machine's, counts any command, so there the 503 below holds either way).
        const restated = (c: string[][]) =>
          c.some((cmd) => JSON.stringify(cmd) === JSON.stringify(["hset", tok, "c", "1"]));
        await eventually(
          "B's replay writing the stored answer again",
          async () => seen.commands,
          restated,
          5000,
        ).finally(seen.stop);
        expect([replay.status, replay.body.error?.code, replay.body.orderId]).toEqual([503, "UNAVAILABLE", undefined]);
        expect(b.replicaAcks.stats.waits).toBeGreaterThan(waitsBefore);
        expect(b.replicaAcks.stats.shortfalls).toBeGreaterThan(0);
      } finally {
        for (const pid of frozen) process.kill(pid, "SIGCONT");
      }

      // Thawed: B's replay of the same key is acknowledged, with the order A reserved.
      const orderId = await direct.hget(tok, "o");
      const replayed = await eventually(
        "B's replay answered 202",
        () => apiB.order(saleId, user, token),
        (r) => r.status === 202,
        30_000,
      );
      expect([replayed.body.orderId, replayed.headers.get("idempotent-replayed")]).toEqual([orderId, "true"]);
      // A's message was left undecided; the back-check commits it, and the order becomes one row.
      await eventually(
        "the order's row",
        () => a.repo.getOrder(user, orderId!),
        (o) => o !== null,
        60_000,
      );
      expect((await a.repo.countBySale(saleId)).total).toBe(1);
      expect((await apiA.stats(saleId)).body).toMatchObject({ stock: 10, redisRemaining: 9 });
    },
  );
});

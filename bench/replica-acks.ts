import { loadConfig } from "../src/config/load.js";
import { createRedis } from "../src/redis/client.js";
import { Keys } from "../src/redis/keys.js";
import { ReplicaAcks } from "../src/redis/replica-acks.js";
import { ReservationService } from "../src/reservation/reservation-service.js";
import type { Sale } from "../src/reservation/sale.js";
import { SaleStore } from "../src/reservation/sale-store.js";
import { SoldOutCache } from "../src/reservation/sold-out-cache.js";
import { startLocalCluster } from "../stack/redis-cluster.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { rid } from "./lib/config.js";
import { percentiles } from "./lib/percentiles.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const GROUPS = 600;
const GROUP_SIZE = 8;
const CONCURRENCY = 16;

/**
 * What "acknowledged means replicated" costs the buy path, on a six-node Redis Cluster of our own (three
 * primaries with a replica each, AOF): groups of 8 reservations (what group commit hands the reservation
 * step), each group followed by one WAIT 1 per primary it touched, against the same groups without WAIT.
 * Same client, same cluster, rounds alternating; the ratio is reservations/s with WAIT ÷ without.
 */
export const replicaAcksCost: Benchmark = {
  name: "replica-acks",
  description: "reservation groups of 8 on a 3-primary cluster, with one WAIT 1 per primary touched ÷ without WAIT (reservations/s)",
  target: 0.7,
  async run() {
    const cluster = await startLocalCluster({ name: `bench-acks-${rid()}` });
    const base = loadConfig({});
    const cfg = { ...base.redis, mode: "cluster" as const, nodes: cluster.nodes.map((n) => `${n.host}:${n.port}`), keyPrefix: `backs${rid()}:` };
    const redis = createRedis(cfg);
    const keys = new Keys(cfg.keyPrefix);
    const acks = new ReplicaAcks(redis, 1, 1000);
    const opts = { replaySeconds: 3600, chunkRatio: 0.5 };
    const plain = new ReservationService(redis, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), opts);
    const acked = new ReservationService(redis, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), opts, acks);
    const sales = new SaleStore(redis, keys, { cacheMs: 0, retentionSeconds: 3600 });
    try {
      await redis.ping();
      const round = async (svc: ReservationService, withAcks: boolean): Promise<Sample> => {
        const saleId = `s${rid()}`;
        const sale: Sale = { saleId, skuId: "k", stock: 1_000_000, perUserLimit: 10, startsAt: Date.now() + 60_000, endsAt: Date.now() + 3_600_000, shards: 8, paymentTimeoutSeconds: 900, paused: false };
        await sales.put(sale);
        const live = { ...sale, startsAt: Date.now() - 1 };
        const users = Array.from({ length: GROUPS * GROUP_SIZE }, (_, i) => `u${i}`);
        const tokens = users.map(() => rid(16).slice(0, 32));
        await Promise.all(users.map((u, i) => svc.issueToken(live, u, tokens[i]!, Date.now() + 600_000)));
        const groupMs: number[] = [];
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: CONCURRENCY }, async () => {
            while (next < GROUPS) {
              const g = next++;
              const started = performance.now();
              const outs = await Promise.all(
                Array.from({ length: GROUP_SIZE }, (_, j) => svc.reserve({ sale: live, userId: users[g * GROUP_SIZE + j]!, token: tokens[g * GROUP_SIZE + j]!, quantity: 1 })),
              );
              const ids = outs.flatMap((o) => (o.kind === "reserved" ? [o.orderId] : []));
              if (ids.length !== GROUP_SIZE) throw new Error(`replica-acks: a reservation failed: ${JSON.stringify(outs)}`);
              if (withAcks && !(await svc.replicated(ids))) throw new Error("replica-acks: WAIT fell short on a healthy cluster");
              groupMs.push(performance.now() - started);
            }
          }),
        );
        const seconds = (performance.now() - t0) / 1000;
        const n = GROUPS * GROUP_SIZE;
        return { opsPerSec: n / seconds, ops: n, seconds, latencyMs: percentiles(groupMs) };
      };
      const withWait: Sample[] = [];
      const without: Sample[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        without.push(await round(plain, false));
        withWait.push(await round(acked, true));
      }
      return {
        unit: "reservations/s",
        candidate: side("with WAIT 1 per primary and group", withWait),
        baseline: side("without WAIT", without),
        details: { groups: GROUPS, groupSize: GROUP_SIZE, concurrentGroups: CONCURRENCY, waits: acks.stats.waits, shortfalls: acks.stats.shortfalls, latency: "per group of 8 (ms)" },
      };
    } finally {
      redis.disconnect();
      await cluster.stop();
    }
  },
};

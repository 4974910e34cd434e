import { loadConfig } from "../../src/config/load.js";
import { createRedis } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { ReplicaAcks } from "../../src/redis/replica-acks.js";
import { ReservationService } from "../../src/reservation/reservation-service.js";
import type { Sale } from "../../src/reservation/sale.js";
import { SaleStore } from "../../src/reservation/sale-store.js";
import { SoldOutCache } from "../../src/reservation/sold-out-cache.js";
import type { Sample } from "../lib/benchmark.js";
import { rid } from "../lib/config.js";
import { percentiles } from "../lib/percentiles.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * The gateway's side of replica-acks, in its own process (pinned by the parent to the load core): the
 * cluster client createRedis makes, two ReservationServices on it (one with ReplicaAcks, one without), and
 * per {"cmd":"round"} a fresh sale with a token per buyer (setup), then `groups` groups of `groupSize`
 * reservations, `concurrency` groups at a time, each group followed by one WAIT per primary it touched when
 * `withAcks`. Answers the round's Sample with the WAIT counts so far. Config comes from FLASHSALE__* like
 * the gateway's.
 */
export interface AcksRound {
  cmd: "round";
  withAcks: boolean;
  groups: number;
  groupSize: number;
  concurrency: number;
}

export type AcksResult = Sample & { waits: number; shortfalls: number };

const cfg = loadConfig();
const redis = createRedis(cfg.redis);
const keys = new Keys(cfg.redis.keyPrefix);
const acks = new ReplicaAcks(redis, 1, 1000);
const opts = { replaySeconds: 3600, chunkRatio: 0.5 };
const plain = new ReservationService(redis, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), opts);
const acked = new ReservationService(redis, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), opts, acks);
const sales = new SaleStore(redis, keys, { cacheMs: 0, retentionSeconds: 3600 });

async function round(job: AcksRound): Promise<AcksResult> {
  const svc = job.withAcks ? acked : plain;
  const saleId = `s${rid()}`;
  const sale: Sale = {
    saleId,
    skuId: "k",
    stock: 1_000_000,
    perUserLimit: 10,
    startsAt: Date.now() + 60_000,
    endsAt: Date.now() + 3_600_000,
    shards: 8,
    paymentTimeoutSeconds: 900,
    paused: false,
  };
  await sales.put(sale);
  const live = { ...sale, startsAt: Date.now() - 1 };
  const users = Array.from({ length: job.groups * job.groupSize }, (_, i) => `u${i}`);
  // Tokens need no setup: the reservation records a token's use, and one it never saw is unused.
  const tokens = users.map(() => rid(16).slice(0, 32));
  const groupMs: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.groups) {
        const g = next++;
        const started = performance.now();
        const outs = await Promise.all(
          Array.from({ length: job.groupSize }, (_, j) =>
            svc.reserve({
              sale: live,
              userId: users[g * job.groupSize + j]!,
              token: tokens[g * job.groupSize + j]!,
              quantity: 1,
            }),
          ),
        );
        const ids = outs.flatMap((o) => (o.kind === "reserved" ? [o.orderId] : []));
        if (ids.length !== job.groupSize)
          throw new Error(`replica-acks: a reservation failed: ${JSON.stringify(outs)}`);
        if (job.withAcks && !(await svc.replicated(ids)))
          throw new Error("replica-acks: WAIT fell short on a healthy cluster");
        groupMs.push(performance.now() - started);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const n = job.groups * job.groupSize;
  return {
    opsPerSec: n / seconds,
    ops: n,
    seconds,
    latencyMs: percentiles(groupMs),
    waits: acks.stats.waits,
    shortfalls: acks.stats.shortfalls,
  };
}

let queue = Promise.resolve();
stdinMessages((job: AcksRound) => {
  queue = queue.then(async () => {
    try {
      reply(await round(job));
    } catch (err) {
      reply({ error: err instanceof Error ? err.message : String(err) });
    }
  });
});
process.on("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});

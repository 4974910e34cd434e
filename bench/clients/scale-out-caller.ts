import { loadConfig } from "../../src/config/load.js";
import { createRedis } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { ReservationService } from "../../src/reservation/reservation-service.js";
import { SoldOutCache } from "../../src/reservation/sold-out-cache.js";
import { reply, stdinMessages } from "../lib/proc.js";
import { benchSale, eachIndex, measureCalls, UNLIMITED, type CallerResult } from "../lib/reserve-work.js";

/**
 * The gateway's reservation path against one Redis Cluster, in its own process (pinned by the parent):
 * the cluster client createRedis makes (one connection per primary), many concurrent
 * ReservationService.reserve calls on a many-shard sale, each by its own buyer with a fresh token, so
 * every call records a token's use and writes a full reservation on the buyer's home shard. Config comes from
 * FLASHSALE__* like the gateway's.
 */
export type ScaleJob =
  | { cmd: "prepare"; saleId: string; shards: number; calls: number }
  | { cmd: "run"; saleId: string; shards: number; calls: number; concurrency: number; warmupSeconds: number };

export type ScaleResult = CallerResult;

const cfg = loadConfig();
const redis = createRedis(cfg.redis);
const keys = new Keys(cfg.redis.keyPrefix);
// Used tokens answer replays for a minute only: the bench's keys go with the cluster anyway.
const service = new ReservationService(redis, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), {
  replaySeconds: 60,
  chunkRatio: cfg.stock.transferChunkRatio,
});
const buyer = (i: number) => `b${i}`;
const token = (i: number) => `t${i}`;

/** Stock counters on every shard (setup, not measured); tokens need none: an unused one has no record. */
async function prepare(job: Extract<ScaleJob, { cmd: "prepare" }>): Promise<{ warmed: number }> {
  const sale = benchSale(job.saleId, job.shards);
  await eachIndex(
    job.shards,
    job.shards,
    async (s) => void (await redis.set(keys.shard(job.saleId, s).stock, String(UNLIMITED), "PX", 600_000)),
  );
  return { warmed: sale.shards };
}

async function run(job: Extract<ScaleJob, { cmd: "run" }>): Promise<ScaleResult> {
  // JIT warm-up on the same path: a sale with no stock counters answers StateLost at once, writing nothing.
  const cold = benchSale(`${job.saleId}-warm`, job.shards);
  const until = Date.now() + job.warmupSeconds * 1000;
  let w = 0;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (Date.now() < until)
        await service.reserve({ sale: cold, userId: buyer(w), token: token(w++), quantity: 1 });
    }),
  );
  const sale = benchSale(job.saleId, job.shards);
  reply({ phase: "measure" });
  return measureCalls(job.calls, job.concurrency, (i) =>
    service.reserve({ sale, userId: buyer(i), token: token(i), quantity: 1 }),
  );
}

let queue = Promise.resolve();
stdinMessages((job: ScaleJob) => {
  queue = queue.then(async () => {
    try {
      reply(job.cmd === "prepare" ? await prepare(job) : await run(job));
    } catch (err) {
      reply({ error: err instanceof Error ? err.message : String(err) });
    }
  });
});
process.on("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});

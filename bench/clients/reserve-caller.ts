import { loadConfig } from "../../src/config/load.js";
import { createRedis } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { ReservationService } from "../../src/reservation/reservation-service.js";
import { SoldOutCache } from "../../src/reservation/sold-out-cache.js";
import { reply, stdinMessages } from "../lib/proc.js";
import { BENCH_USER, benchSale, measureCalls, poolToken, type CallerResult } from "../lib/reserve-work.js";

/**
 * The gateway's side of reserve-script, in its own process (pinned by the parent to the load core): one
 * ioredis connection made by createRedis, many concurrent ReservationService.reserve calls, each with a
 * token drawn at random from a pre-issued pool. Config comes from FLASHSALE__* like the gateway's.
 */
export type { CallerResult };

export interface CallerJob {
  saleId: string;
  /** Token names are `<tag>:<12 digits>`, digits uniform in [0, pool), as redis-benchmark's __rand_int__. */
  tag: string;
  pool: number;
  calls: number;
  concurrency: number;
  warmupSeconds: number;
}

const cfg = loadConfig();
const redis = createRedis(cfg.redis);
const keys = new Keys(cfg.redis.keyPrefix);
const service = new ReservationService(redis, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), {
  replaySeconds: cfg.tokens.replaySeconds,
  chunkRatio: cfg.stock.transferChunkRatio,
});

/** Warms the JIT on the same path with tokens nobody issued: the script answers INVALID_TOKEN at once. */
async function warmUp(job: CallerJob): Promise<void> {
  const s = benchSale(`${job.saleId}-warm`);
  const until = Date.now() + job.warmupSeconds * 1000;
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (Date.now() < until)
        await service.reserve({ sale: s, userId: BENCH_USER, token: poolToken("warm", 1e9), quantity: 1 });
    }),
  );
}

async function run(job: CallerJob): Promise<CallerResult> {
  if (job.warmupSeconds > 0) await warmUp(job);
  const s = benchSale(job.saleId);
  reply({ phase: "measure" });
  return measureCalls(job.calls, job.concurrency, () =>
    service.reserve({ sale: s, userId: BENCH_USER, token: poolToken(job.tag, job.pool), quantity: 1 }),
  );
}

let queue = Promise.resolve();
stdinMessages((job: CallerJob) => {
  queue = queue.then(async () => reply(await run(job)));
});
process.on("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});

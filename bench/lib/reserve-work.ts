import type { ReserveOutcome } from "../../src/redis/script-replies.js";
import type { Sale } from "../../src/reservation/sale.js";
import { LatencyRecorder } from "./stats.js";

/** The buyer of every reserve-script call, and limits no call can reach. */
export const BENCH_USER = "bench-buyer";
export const UNLIMITED = 1e12;

/** A live sale (one shard unless told) with no practical per-buyer limit (the stock lives in Redis, set by the bench). */
export function benchSale(saleId: string, shards = 1): Sale {
  const now = Date.now();
  return {
    saleId,
    skuId: "bench",
    stock: UNLIMITED,
    perUserLimit: UNLIMITED,
    startsAt: now - 1000,
    endsAt: now + 3_600_000,
    shards,
    paymentTimeoutSeconds: 900,
    paused: false,
  };
}

/** `<tag>:<12 digits>`, uniform in [0, pool): the shape redis-benchmark gives `<tag>:__rand_int__` with -r pool. */
export function poolToken(tag: string, pool: number): string {
  return `${tag}:${String(Math.floor(Math.random() * pool)).padStart(12, "0")}`;
}

/** What a reserve caller measured: calls, time, latency and the outcomes by kind (replays apart). */
export interface CallerResult {
  calls: number;
  seconds: number;
  opsPerSec: number;
  latencyMs: ReturnType<LatencyRecorder["percentiles"]>;
  outcomes: Record<string, number>;
}

/** Runs `work(0 .. n-1)` with at most `concurrency` in flight. */
export async function eachIndex(n: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

/** Times `calls` reserve calls, `concurrency` in flight, each timed and its outcome counted. */
export async function measureCalls(
  calls: number,
  concurrency: number,
  call: (i: number) => Promise<ReserveOutcome>,
): Promise<CallerResult> {
  const lat = new LatencyRecorder();
  const outcomes: Record<string, number> = {};
  const t0 = process.hrtime.bigint();
  await eachIndex(calls, concurrency, async (i) => {
    const start = process.hrtime.bigint();
    const out = await call(i);
    lat.recordNs(process.hrtime.bigint() - start);
    const kind = out.kind === "reserved" && out.replayed ? "replayed" : out.kind;
    outcomes[kind] = (outcomes[kind] ?? 0) + 1;
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { calls, seconds, opsPerSec: calls / seconds, latencyMs: lat.percentiles(), outcomes };
}

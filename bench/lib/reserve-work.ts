import type { Sale } from "../../src/reservation/sale.js";

/** The buyer of every reserve-script call, and limits no call can reach. */
export const BENCH_USER = "bench-buyer";
export const UNLIMITED = 1e12;

/** A live sale (one shard unless told) with no practical per-buyer limit (the stock lives in Redis, set by the bench). */
export function benchSale(saleId: string, shards = 1): Sale {
  const now = Date.now();
  return { saleId, skuId: "bench", stock: UNLIMITED, perUserLimit: UNLIMITED, startsAt: now - 1000, endsAt: now + 3_600_000, shards, paymentTimeoutSeconds: 900, paused: false };
}

/** `<tag>:<12 digits>`, uniform in [0, pool): the shape redis-benchmark gives `<tag>:__rand_int__` with -r pool. */
export function poolToken(tag: string, pool: number): string {
  return `${tag}:${String(Math.floor(Math.random() * pool)).padStart(12, "0")}`;
}

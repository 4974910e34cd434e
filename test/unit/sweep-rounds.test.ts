import { describe, expect, it } from "vitest";
import type { Sale } from "../../src/reservation/sale.js";
import { Metrics } from "../../src/observability/metrics.js";
import type { Keys } from "../../src/redis/keys.js";
import type { RedisClient } from "../../src/redis/scripts.js";
import { SweepLoop } from "../../src/reconciliation/sweep-loop.js";
import type { Sweeper } from "../../src/reconciliation/sweeper.js";
import type { SaleStore } from "../../src/reservation/sale-store.js";
import { total } from "../observability/scrape.js";

/**
 * flashsale_sweeper_rounds_total, which FlashsaleSweeperNotPassing reads: a round over no live sale counts
 * as done (an idle deployment's sweeper is passing), a round whose pass fails counts as failed. Fakes for
 * the stores: no Redis, no MySQL.
 */
function loop(sales: Sale[], sweep: (sale: Sale) => Promise<unknown>) {
  const metrics = new Metrics();
  const store = {
    ids: async () => sales.map((s) => s.saleId),
    load: async (id: string) => sales.find((s) => s.saleId === id) ?? null,
    unindex: async () => {},
  } as unknown as SaleStore;
  const redis = { smembers: async () => [], sadd: async () => 1, srem: async () => 1 } as unknown as RedisClient;
  const sweeper = { sweep, expireShards: async () => {} } as unknown as Sweeper;
  const keys = { settledSales: "settled" } as unknown as Keys;
  const l = new SweepLoop(sweeper, store, redis, keys, { intervalMs: 1000, retentionSeconds: 60 }, metrics);
  const rounds = async (outcome: string) => total(await metrics.text(), "flashsale_sweeper_rounds_total", { outcome });
  return { l, rounds };
}

const live = { saleId: "s1", startsAt: Date.now() - 60_000, endsAt: Date.now() + 60_000 } as Sale;

describe("sweep rounds", () => {
  it("are series from the start, and a round over no live sale is done", async () => {
    const { l, rounds } = loop([], async () => {
      throw new Error("no sale to pass over");
    });
    expect(await rounds("done")).toBe(0);
    expect(await rounds("failed")).toBe(0);
    await l.sweepAll();
    await l.sweepAll();
    expect(await rounds("done")).toBe(2);
    expect(await rounds("failed")).toBe(0);
  });

  it("a round whose pass over a live sale fails is failed, and still throws", async () => {
    let fail = true;
    const { l, rounds } = loop([live], async () => {
      if (fail) throw new Error("MySQL down");
      return { settled: false };
    });
    await expect(l.sweepAll()).rejects.toThrow("MySQL down");
    expect(await rounds("failed")).toBe(1);
    expect(await rounds("done")).toBe(0);
    fail = false;
    await l.sweepAll();
    expect(await rounds("done")).toBe(1);
  });
});

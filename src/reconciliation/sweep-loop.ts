import type { Cell, Metrics } from "../observability/metrics.js";
import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import type { SaleStore } from "../reservation/sale-store.js";
import type { Sweeper } from "./sweeper.js";

/**
 * The periodic sweep: every `intervalMs`, a pass over every sale that has started and is not yet settled
 * (ended, every order PAID or CANCELLED, every event published); a settled sale joins a set the loop skips.
 * An ended sale's shard keys get the same expiry as its settings (end + retention), and a sale whose
 * settings expired leaves the index, its shard keys expired first (`SaleStore.unindex`: a sale no pass saw
 * between its end and that expiry would otherwise leave the keys created after warm-up forever). Passes
 * never overlap, and a pass that took T waits DUTY_FACTOR × T (at most ten intervals) before the next: a pass reads every
 * ledger record and row of a live sale, seconds of CPU for a sale of 100k orders, and back to back those
 * passes took the CPU the order writer beside them needed.
 *
 * Each round is counted (`flashsale_sweeper_rounds_total`): `done` when every sale due a pass got one that
 * did not fail (a round over no live sale is done too), `failed` when a pass or the listing threw. The
 * per-sale pass counter stays still while no sale is live, so "the sweeper is running" is read from this one.
 */
const DUTY_FACTOR = 4;

export class SweepLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private nextAt = 0;
  private readonly rounds: Record<"done" | "failed", Cell> | null = null;

  constructor(
    private readonly sweeper: Sweeper,
    private readonly sales: SaleStore,
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly opts: { intervalMs: number; retentionSeconds: number },
    metrics?: Metrics,
  ) {
    if (metrics) {
      const rounds = metrics.counter(
        "flashsale_sweeper_rounds_total",
        "Sweep rounds over every live sale, by outcome (done with no live sale too)",
        ["outcome"],
      );
      // Both outcomes from the start, at 0: an alert needs the series before the first round.
      this.rounds = { done: rounds.cell({ outcome: "done" }), failed: rounds.cell({ outcome: "failed" }) };
    }
  }

  start(): void {
    this.timer ??= setInterval(() => {
      if (this.running || Date.now() < this.nextAt) return;
      const t0 = Date.now();
      this.running = this.sweepAll()
        .then(
          // At most ten intervals: a pass slowed by a sick dependency must not put off the repairs after it.
          () => {
            this.nextAt = Date.now() + Math.min(DUTY_FACTOR * (Date.now() - t0), 10 * this.opts.intervalMs);
          },
          () => {},
        )
        .finally(() => (this.running = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  /** One round: a pass over every sale that has started and is not settled, counted by outcome. */
  async sweepAll(now = Date.now()): Promise<void> {
    let outcome: "done" | "failed" = "failed";
    try {
      await this.round(now);
      outcome = "done";
    } finally {
      if (this.rounds) this.rounds[outcome].n++;
    }
  }

  private async round(now: number): Promise<void> {
    const settled = new Set(await this.redis.smembers(this.keys.settledSales));
    for (const id of await this.sales.ids()) {
      const sale = await this.sales.load(id);
      if (!sale) {
        await this.sales.unindex(id);
        await this.redis.srem(this.keys.settledSales, id);
        continue;
      }
      if (now >= sale.startsAt && !settled.has(id)) {
        const report = await this.sweeper.sweep(sale, now);
        if (report.settled) await this.redis.sadd(this.keys.settledSales, id);
      }
      if (now >= sale.endsAt) await this.sweeper.expireShards(sale, sale.endsAt + this.opts.retentionSeconds * 1000);
    }
  }

  /** Stops the timer and waits for a pass in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

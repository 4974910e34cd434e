import type { SaleStore } from "../reservation/sale-store.js";
import type { Sweeper } from "./sweeper.js";

/** How long after its end a sale is still swept (late messages, stranded transfers). */
const SWEEP_AFTER_END_MS = 3_600_000;

/**
 * The periodic sweep: every `intervalMs`, a pass over every sale that is live or ended within the last
 * hour. An ended sale's shard keys get the same expiry as its settings (end + retention), and a sale whose
 * settings expired leaves the index. Passes never overlap: a slow pass delays the next.
 */
export class SweepLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly sweeper: Sweeper,
    private readonly sales: SaleStore,
    private readonly opts: { intervalMs: number; retentionSeconds: number },
  ) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.sweepAll()
        .catch(() => {})
        .finally(() => (this.running = null));
    }, this.opts.intervalMs);
    this.timer.unref();
  }

  async sweepAll(now = Date.now()): Promise<void> {
    for (const id of await this.sales.ids()) {
      const sale = await this.sales.load(id);
      if (!sale) {
        await this.sales.unindex(id);
        continue;
      }
      if (now >= sale.startsAt && now < sale.endsAt + SWEEP_AFTER_END_MS) await this.sweeper.sweep(sale, now);
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

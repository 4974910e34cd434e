export interface BatcherOptions {
  /** Largest batch; reaching it hands the batch over at once. */
  maxSize: number;
  /** How long the first item of a batch waits for company, ms (0: until the timers of this turn run). */
  lingerMs: number;
  /**
   * Most batches being run at once (adaptive batching; default: no bound). While that many are running,
   * items wait and the next batch grows (up to `maxSize`), instead of a stream of small batches queueing
   * behind busy ones; a batch that finishes hands over the next at once. Needs `run` to return a promise.
   */
  maxInFlight?: number;
}

/**
 * Wait-and-batch: items added within `lingerMs` of the first (or until `maxSize`) go to `run` together.
 * Group commit (one transactional message per group of orders) and the order writer (one INSERT per batch
 * of rows) are both this.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private running = 0;
  /** Batches handed over, and how many of them left while every slot was busy (grown by waiting). */
  readonly stats = { batches: 0, items: 0, grown: 0 };

  constructor(
    private readonly opts: BatcherOptions,
    private readonly run: (batch: T[]) => void | Promise<unknown>,
  ) {}

  /** Nothing waiting and no batch running (with maxInFlight; without it, running batches are not tracked). */
  get idle(): boolean {
    return this.items.length === 0 && this.running === 0;
  }

  /** Batches handed to `run` and not yet done (with maxInFlight). */
  get runningBatches(): number {
    return this.running;
  }

  private get full(): boolean {
    return this.opts.maxInFlight !== undefined && this.running >= this.opts.maxInFlight;
  }

  add(item: T): void {
    this.items.push(item);
    // While every slot is busy the batch keeps growing; a finishing batch hands it over.
    if (this.full) return;
    if (this.items.length >= this.opts.maxSize) this.flush();
    else this.timer ??= setTimeout(this.flush, this.opts.lingerMs);
  }

  /** Hands over what is waiting now, in batches of at most `maxSize`, as long as a slot is free. */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.items.length > 0 && !this.full) {
      const batch = this.items.length <= this.opts.maxSize ? this.items : this.items.slice(0, this.opts.maxSize);
      this.items = batch === this.items ? [] : this.items.slice(this.opts.maxSize);
      this.hand(batch);
    }
  };

  private hand(batch: T[]): void {
    this.stats.batches++;
    this.stats.items += batch.length;
    if (this.opts.maxInFlight === undefined) {
      void this.run(batch);
      return;
    }
    this.running++;
    const done = () => {
      this.running--;
      if (this.items.length === 0) return;
      // These items waited for a slot: they go now, however few, without another linger.
      this.stats.grown++;
      this.flush();
    };
    Promise.resolve(this.run(batch)).then(done, done);
  }
}

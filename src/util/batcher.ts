export interface BatcherOptions {
  /** Largest batch; reaching it hands the batch over at once. */
  maxSize: number;
  /** How long the first item of a batch waits for company, ms (0: until the timers of this turn run). */
  lingerMs: number;
}

/**
 * Wait-and-batch: items added within `lingerMs` of the first (or until `maxSize`) go to `run` together.
 * Group commit (one transactional message per group of orders) and the order writer (one INSERT per batch
 * of rows) are both this.
 */
export class Batcher<T> {
  private items: T[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly opts: BatcherOptions,
    private readonly run: (batch: T[]) => void,
  ) {}

  add(item: T): void {
    this.items.push(item);
    if (this.items.length >= this.opts.maxSize) this.flush();
    else this.timer ??= setTimeout(this.flush, this.opts.lingerMs);
  }

  /** Hands over everything waiting now, in batches of at most `maxSize`. */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.items.length > 0) {
      const batch = this.items.length <= this.opts.maxSize ? this.items : this.items.slice(0, this.opts.maxSize);
      this.items = batch === this.items ? [] : this.items.slice(this.opts.maxSize);
      this.run(batch);
    }
  };
}

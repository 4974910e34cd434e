export interface KeyedBatcherOptions {
  /** Largest batch; reaching it hands the batch over at once (when no batch is running). */
  maxSize: number;
  /** How long the first item of a batch waits for company, ms, when no batch is running. */
  lingerMs: number;
}

/**
 * Wait-and-batch with one batch running at a time and at most one item per key in a batch: an item that
 * shares a key with one already collected (or waiting) waits for a later batch, so the items of one key
 * are run one after the other, in the order they were added. While a batch runs the next one collects
 * (up to `maxSize`) and leaves as soon as the running one is done, without another linger (as Batcher's
 * maxInFlight). The payment group commit is this: one batch per MySQL database, keyed by order and event.
 */
export class KeyedBatcher<T> {
  private items: T[] = [];
  private keys = new Set<string>();
  /** Items that could not join the collecting batch (a key taken, or full), oldest first. */
  private waiting: { item: T; keys: readonly string[] }[] = [];
  private waitingKeys = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  readonly stats = { batches: 0, items: 0, deferred: 0 };

  constructor(
    private readonly opts: KeyedBatcherOptions,
    private readonly keysOf: (item: T) => readonly string[],
    private readonly run: (batch: T[]) => Promise<unknown>,
  ) {}

  /** Nothing collected, waiting or running. */
  get idle(): boolean {
    return this.items.length === 0 && this.waiting.length === 0 && !this.running;
  }

  add(item: T): void {
    const keys = this.keysOf(item);
    // Behind an earlier item of one of its keys (collected or waiting): after it, never beside it.
    if (this.items.length >= this.opts.maxSize || keys.some((k) => this.keys.has(k) || this.waitingKeys.has(k))) {
      this.stats.deferred++;
      this.waiting.push({ item, keys });
      for (const k of keys) this.waitingKeys.add(k);
      return;
    }
    this.take(item, keys);
    if (this.running) return;
    if (this.items.length >= this.opts.maxSize) this.flush();
    else this.timer ??= setTimeout(this.flush, this.opts.lingerMs);
  }

  private take(item: T, keys: readonly string[]): void {
    this.items.push(item);
    for (const k of keys) this.keys.add(k);
  }

  /** Hands over the collected batch unless one is running; the waiting items then start the next. */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running || this.items.length === 0) return;
    const batch = this.items;
    this.items = [];
    this.keys = new Set();
    this.refill();
    this.running = true;
    this.stats.batches++;
    this.stats.items += batch.length;
    const done = () => {
      this.running = false;
      // Whatever collected meanwhile waited long enough: it goes now, however few.
      this.flush();
    };
    this.run(batch).then(done, done);
  };

  /** Moves waiting items into the new batch, oldest first; one that stays keeps the later ones of its keys. */
  private refill(): void {
    const still: { item: T; keys: readonly string[] }[] = [];
    const blocked = new Set<string>();
    for (const w of this.waiting) {
      const stays = this.items.length >= this.opts.maxSize || w.keys.some((k) => this.keys.has(k) || blocked.has(k));
      if (stays) {
        still.push(w);
        for (const k of w.keys) blocked.add(k);
      } else this.take(w.item, w.keys);
    }
    this.waiting = still;
    this.waitingKeys = blocked;
  }
}

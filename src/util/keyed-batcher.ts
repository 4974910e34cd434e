export interface KeyedBatcherOptions {
  /** Largest batch; reaching it hands the batch over at once (when a batch may start). */
  maxSize: number;
  /** How long the first item of a batch waits for company, ms, when a batch may start. */
  lingerMs: number;
  /** Batches running at once (default 1); their keys never overlap. */
  maxInFlight?: number;
}

/**
 * Wait-and-batch with at most `maxInFlight` batches running at a time (one by default) and at most one item
 * per key in a batch: an item that shares a key with one already collected (or waiting) waits for a later
 * batch, and a collected batch never starts beside a running one that shares a key with it, so the items of
 * one key are run one after the other, in the order they were added. While the batches that may run are
 * running the next one collects (up to `maxSize`) and leaves as soon as it may, without another linger (as
 * Batcher's maxInFlight). The payment group commit is this: batches per MySQL database, keyed by order and
 * event.
 */
export class KeyedBatcher<T> {
  private items: T[] = [];
  private keys = new Set<string>();
  /** Items that could not join the collecting batch (a key taken, or full), oldest first. */
  private waiting: { item: T; keys: readonly string[] }[] = [];
  private waitingKeys = new Set<string>();
  /** The keys of the running batches (disjoint: a batch starts only when none of its keys runs). */
  private readonly runningKeys = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private running = 0;
  private readonly maxInFlight: number;
  readonly stats = { batches: 0, items: 0, deferred: 0 };

  constructor(
    private readonly opts: KeyedBatcherOptions,
    private readonly keysOf: (item: T) => readonly string[],
    private readonly run: (batch: T[]) => Promise<unknown>,
  ) {
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 1);
  }

  /** Nothing collected, waiting or running. */
  get idle(): boolean {
    return this.items.length === 0 && this.waiting.length === 0 && this.running === 0;
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
    if (this.running >= this.maxInFlight) return;
    if (this.items.length >= this.opts.maxSize) this.flush();
    else this.timer ??= setTimeout(this.flush, this.opts.lingerMs);
  }

  private take(item: T, keys: readonly string[]): void {
    this.items.push(item);
    for (const k of keys) this.keys.add(k);
  }

  /** A collected batch may start: a slot is free and none of its keys is running. */
  private mayStart(): boolean {
    if (this.running >= this.maxInFlight || this.items.length === 0) return false;
    if (this.running === 0) return true;
    for (const k of this.keys) if (this.runningKeys.has(k)) return false;
    return true;
  }

  /** Hands over the collected batch unless it may not start yet; the waiting items then start the next. */
  readonly flush = (): void => {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.mayStart()) return;
    const batch = this.items;
    const keys = this.keys;
    this.items = [];
    this.keys = new Set();
    for (const k of keys) this.runningKeys.add(k);
    this.refill();
    this.running++;
    this.stats.batches++;
    this.stats.items += batch.length;
    const done = () => {
      this.running--;
      for (const k of keys) this.runningKeys.delete(k);
      // Whatever collected meanwhile waited long enough: it goes now, however few.
      this.flush();
    };
    this.run(batch).then(done, done);
  };

  /** Moves waiting items into the collecting batch, oldest first; one that stays keeps the later ones of its keys. */
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

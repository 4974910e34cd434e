export interface FixedWindowOptions {
  points: number;
  durationSeconds: number;
  /** Once a key takes more than `points`, it stays refused this long from then (0: until its window ends). */
  blockSeconds: number;
}

/**
 * The windows opened in one generation: group → key → slot, and per slot the points taken and until when
 * (unix ms) the window or its block lasts. Slots in typed arrays rather than an object per window: the
 * windows of a busy sale outlive many young-generation collections, and every object among them is copied.
 */
class Generation {
  readonly groups = new Map<string, Map<string, number>>();
  taken = new Int32Array(1024);
  until = new Float64Array(1024);
  private used = 0;

  slot(group: string, key: string): number | undefined {
    return this.groups.get(group)?.get(key);
  }

  add(group: string, key: string, taken: number, until: number): number {
    let keys = this.groups.get(group);
    if (keys === undefined) this.groups.set(group, (keys = new Map()));
    if (this.used === this.taken.length) this.grow();
    const i = this.used++;
    keys.set(key, i);
    this.taken[i] = taken;
    this.until[i] = until;
    return i;
  }

  private grow(): void {
    const taken = new Int32Array(this.taken.length * 2);
    const until = new Float64Array(this.until.length * 2);
    taken.set(this.taken);
    until.set(this.until);
    this.taken = taken;
    this.until = until;
  }
}

/**
 * Points per (group, key) in fixed windows, in this process's memory, counted as rate-limiter-flexible's
 * RateLimiterMemory counts them (a window opens at the key's first point and lasts `durationSeconds`; the
 * first point past `points` blocks the key `blockSeconds` from then, when set) but synchronously, without a
 * timer, a promise or an object per key: RateLimiterMemory cost as much per purchase token as signing it.
 *
 * Windows are dropped a generation at a time instead of by a timer each: every `max(duration, block)` the
 * young generation becomes the old one and the old one is dropped, and a window whose end moves is put in
 * the young one, so none is dropped before it ends. Memory: the keys of the last two generations.
 */
export class FixedWindowLimiter {
  private readonly points: number;
  private readonly durationMs: number;
  private readonly blockMs: number;
  private readonly generationMs: number;
  private young = new Generation();
  private old = new Generation();
  private rotateAt: number;

  constructor(
    opts: FixedWindowOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.points = opts.points;
    this.durationMs = opts.durationSeconds * 1000;
    this.blockMs = opts.blockSeconds * 1000;
    this.generationMs = Math.max(this.durationMs, this.blockMs);
    this.rotateAt = now() + this.generationMs;
  }

  /** Takes a point for `key` of `group`: 0 when within the limit, else the ms until its window (or block) ends. */
  consume(group: string, key: string): number {
    const now = this.now();
    if (now >= this.rotateAt) this.rotate(now);
    let g = this.young;
    let i = g.slot(group, key);
    if (i === undefined) {
      g = this.old;
      i = g.slot(group, key);
    }
    if (i === undefined || g.until[i]! <= now) {
      g = this.young;
      i = g.add(group, key, 0, now + this.durationMs);
    }
    const taken = g.taken[i]! + 1;
    // Counting stops one past the first refusal: all that matters is whether this point is that one.
    if (taken <= this.points + 2) g.taken[i] = taken;
    if (taken <= this.points) return 0;
    if (this.blockMs > 0 && taken === this.points + 1) {
      // Blocked once, by the first point over the limit, from now: the window moves to the young generation.
      if (g === this.young) g.until[i] = now + this.blockMs;
      else i = (g = this.young).add(group, key, taken, now + this.blockMs);
    }
    return g.until[i]! - now;
  }

  private rotate(now: number): void {
    // Idle for a generation or more: every window of the young generation has ended too.
    this.old = now >= this.rotateAt + this.generationMs ? new Generation() : this.young;
    this.young = new Generation();
    this.rotateAt = now + this.generationMs;
  }
}

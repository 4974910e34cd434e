import { randomInt } from "node:crypto";

export interface FixedWindowOptions {
  points: number;
  durationSeconds: number;
  /** Once a key takes more than `points`, it stays refused this long from then (0: until its window ends). */
  blockSeconds: number;
}

/** Hashes for probing only (a key is always compared in full); seeded per process against crafted collisions. */
const SEED = randomInt(2 ** 31);

/** FNV-1a over the UTF-16 units, then a final mix so every bit reaches the low ones the index takes; never 0. */
function hashOf(key: string): number {
  let h = SEED ^ key.length;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  return h === 0 ? 1 : h;
}

/**
 * One group's windows in one generation: an open-addressing table in typed arrays (hash, key, points taken,
 * until when the window or its block lasts) and the keys' characters in an arena, so a window costs the
 * garbage collector nothing: the windows of a busy sale outlive many young-generation collections, and
 * every object (or retained string) among them would be copied by each.
 */
class Windows {
  private hashes: Int32Array;
  /** Where the key starts in the arena: its length (two units, low first), then its UTF-16 units. */
  private keyAt: Int32Array;
  taken: Int32Array;
  until: Float64Array;
  private count = 0;
  private arena = new Uint16Array(4096);
  private arenaUsed = 0;

  constructor(capacity = 256) {
    this.hashes = new Int32Array(capacity);
    this.keyAt = new Int32Array(capacity);
    this.taken = new Int32Array(capacity);
    this.until = new Float64Array(capacity);
  }

  /** The slot of `key` (whose hash is `h`), or -1. */
  find(key: string, h: number): number {
    const mask = this.hashes.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = this.hashes[i];
      if (x === 0) return -1;
      if (x === h && this.holds(i, key)) return i;
    }
  }

  /** A slot for `key`, which find() did not find. */
  add(key: string, h: number, taken: number, until: number): number {
    // Half full at most, so a probe ends soon.
    if (2 * (this.count + 1) > this.hashes.length) this.grow();
    const mask = this.hashes.length - 1;
    let i = h & mask;
    while (this.hashes[i] !== 0) i = (i + 1) & mask;
    this.count++;
    this.hashes[i] = h;
    this.keyAt[i] = this.store(key);
    this.taken[i] = taken;
    this.until[i] = until;
    return i;
  }

  private holds(i: number, key: string): boolean {
    const arena = this.arena;
    const at = this.keyAt[i]!;
    const n = key.length;
    if (arena[at] !== (n & 0xffff) || arena[at + 1] !== n >>> 16) return false;
    for (let k = 0; k < n; k++) if (arena[at + 2 + k] !== key.charCodeAt(k)) return false;
    return true;
  }

  private store(key: string): number {
    const n = key.length;
    const at = this.arenaUsed;
    if (at + n + 2 > this.arena.length) {
      const arena = new Uint16Array(Math.max(2 * this.arena.length, at + n + 2));
      arena.set(this.arena.subarray(0, at));
      this.arena = arena;
    }
    const arena = this.arena;
    arena[at] = n & 0xffff;
    arena[at + 1] = n >>> 16;
    for (let k = 0; k < n; k++) arena[at + 2 + k] = key.charCodeAt(k);
    this.arenaUsed = at + n + 2;
    return at;
  }

  private grow(): void {
    const { hashes, keyAt, taken, until } = this;
    const capacity = 2 * hashes.length;
    const mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.keyAt = new Int32Array(capacity);
    this.taken = new Int32Array(capacity);
    this.until = new Float64Array(capacity);
    for (let j = 0; j < hashes.length; j++) {
      const h = hashes[j]!;
      if (h === 0) continue;
      let i = h & mask;
      while (this.hashes[i] !== 0) i = (i + 1) & mask;
      this.hashes[i] = h;
      this.keyAt[i] = keyAt[j]!;
      this.taken[i] = taken[j]!;
      this.until[i] = until[j]!;
    }
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
  private young = new Map<string, Windows>();
  private old = new Map<string, Windows>();
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
    const h = hashOf(key);
    const young = this.young.get(group);
    if (young !== undefined) {
      const i = young.find(key, h);
      if (i >= 0) {
        if (young.until[i]! <= now) {
          young.taken[i] = 0;
          young.until[i] = now + this.durationMs;
        }
        return this.take(young, i, group, key, h, now);
      }
    }
    const old = this.old.get(group);
    if (old !== undefined) {
      const i = old.find(key, h);
      if (i >= 0 && old.until[i]! > now) return this.take(old, i, group, key, h, now);
    }
    const w = this.windows(group);
    return this.take(w, w.add(key, h, 0, now + this.durationMs), group, key, h, now);
  }

  /** Counts the point in slot `i` of `w` and answers for it (consume()'s answer). */
  private take(w: Windows, i: number, group: string, key: string, h: number, now: number): number {
    const taken = w.taken[i]! + 1;
    // Counting stops one past the first refusal: all that matters is whether this point is that one.
    if (taken <= this.points + 2) w.taken[i] = taken;
    if (taken <= this.points) return 0;
    if (this.blockMs > 0 && taken === this.points + 1) {
      // Blocked once, by the first point over the limit, from now: the window moves to the young generation.
      const until = now + this.blockMs;
      if (this.young.get(group) === w) w.until[i] = until;
      else this.windows(group).add(key, h, taken, until);
      return this.blockMs;
    }
    return w.until[i]! - now;
  }

  /** The young generation's windows of `group`. */
  private windows(group: string): Windows {
    let w = this.young.get(group);
    if (w === undefined) this.young.set(group, (w = new Windows()));
    return w;
  }

  private rotate(now: number): void {
    // Idle for a generation or more: every window of the young generation has ended too.
    this.old = now >= this.rotateAt + this.generationMs ? new Map() : this.young;
    this.young = new Map();
    this.rotateAt = now + this.generationMs;
  }
}

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

/** Int32s per slot of a Windows table: hash, key, points taken, end of the window or block. */
const SLOT = 4;
/** log2(SLOT): a hash's slot starts at `(h << SLOT_SHIFT) & mask`, in int32 arithmetic. */
const SLOT_SHIFT = 2;
const HASH = 0;
const KEY = 1;
const TAKEN = 2;
const UNTIL = 3;

/**
 * One group's windows in one generation: an open-addressing table in one typed array (hash, key, points
 * taken, until when the window or its block lasts, side by side so a probe touches one cache line) and the
 * keys' characters in an arena, so a window costs the garbage collector nothing: the windows of a busy sale
 * outlive many young-generation collections, and every object (or retained string) among them would be
 * copied by each. An end is kept in ms from `base`, the table's creation: ends are set only while its
 * generation is young, so they stay within two generations of it (FixedWindowLimiter checks the bound).
 */
class Windows {
  /** SLOT int32s per slot; a hash of 0 marks a free slot. Slot `i` starts at `i * SLOT`. */
  private slots: Int32Array;
  private count = 0;
  private arena = new Uint16Array(4096);
  private arenaUsed = 0;

  constructor(
    private readonly base: number,
    capacity = 256,
  ) {
    this.slots = new Int32Array(capacity * SLOT);
  }

  /** The slot of `key` (whose hash is `h`), or -1. */
  find(key: string, h: number): number {
    const slots = this.slots;
    const mask = slots.length - SLOT;
    for (let at = (h << SLOT_SHIFT) & mask; ; at = (at + SLOT) & mask) {
      const x = slots[at + HASH];
      if (x === 0) return -1;
      if (x === h && this.holds(at, key)) return at;
    }
  }

  /** A slot for `key`, which find() did not find. */
  add(key: string, h: number, taken: number, until: number): number {
    // Half full at most, so a probe ends soon.
    if (2 * (this.count + 1) * SLOT > this.slots.length) this.grow();
    const slots = this.slots;
    const mask = slots.length - SLOT;
    let at = (h << SLOT_SHIFT) & mask;
    while (slots[at + HASH] !== 0) at = (at + SLOT) & mask;
    this.count++;
    slots[at + HASH] = h;
    slots[at + KEY] = this.store(key);
    slots[at + TAKEN] = taken;
    slots[at + UNTIL] = until - this.base;
    return at;
  }

  taken(at: number): number {
    return this.slots[at + TAKEN]!;
  }

  setTaken(at: number, taken: number): void {
    this.slots[at + TAKEN] = taken;
  }

  until(at: number): number {
    return this.base + this.slots[at + UNTIL]!;
  }

  setUntil(at: number, until: number): void {
    this.slots[at + UNTIL] = until - this.base;
  }

  private holds(at: number, key: string): boolean {
    const arena = this.arena;
    const from = this.slots[at + KEY]!;
    const n = key.length;
    if (arena[from] !== (n & 0xffff) || arena[from + 1] !== n >>> 16) return false;
    for (let k = 0; k < n; k++) if (arena[from + 2 + k] !== key.charCodeAt(k)) return false;
    return true;
  }

  /** Copies `key` to the arena: its length (two units, low first), then its UTF-16 units; where it starts. */
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
    const old = this.slots;
    const slots = new Int32Array(2 * old.length);
    const mask = slots.length - SLOT;
    for (let from = 0; from < old.length; from += SLOT) {
      const h = old[from + HASH]!;
      if (h === 0) continue;
      let at = (h << SLOT_SHIFT) & mask;
      while (slots[at + HASH] !== 0) at = (at + SLOT) & mask;
      slots[at + HASH] = h;
      slots[at + KEY] = old[from + KEY]!;
      slots[at + TAKEN] = old[from + TAKEN]!;
      slots[at + UNTIL] = old[from + UNTIL]!;
    }
    this.slots = slots;
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
    // Windows keeps a window's end in an int32 of ms from its table's creation, at most two generations on.
    if (2 * this.generationMs >= 2 ** 31)
      throw new RangeError("FixedWindowLimiter: durationSeconds and blockSeconds must stay under 12 days");
    this.rotateAt = now() + this.generationMs;
  }

  /** Takes a point for `key` of `group`: 0 when within the limit, else the ms until its window (or block) ends. */
  consume(group: string, key: string): number {
    const now = this.now();
    if (now >= this.rotateAt) this.rotate(now);
    const h = hashOf(key);
    const young = this.young.get(group);
    if (young !== undefined) {
      const at = young.find(key, h);
      if (at >= 0) {
        if (young.until(at) <= now) {
          young.setTaken(at, 0);
          young.setUntil(at, now + this.durationMs);
        }
        return this.take(young, at, group, key, h, now);
      }
    }
    const old = this.old.get(group);
    if (old !== undefined) {
      const at = old.find(key, h);
      if (at >= 0 && old.until(at) > now) return this.take(old, at, group, key, h, now);
    }
    const w = young ?? this.windows(group, now);
    return this.take(w, w.add(key, h, 0, now + this.durationMs), group, key, h, now);
  }

  /** Counts the point in slot `at` of `w` and answers for it (consume()'s answer). */
  private take(w: Windows, at: number, group: string, key: string, h: number, now: number): number {
    const taken = w.taken(at) + 1;
    // Counting stops one past the first refusal: all that matters is whether this point is that one.
    if (taken <= this.points + 2) w.setTaken(at, taken);
    if (taken <= this.points) return 0;
    if (this.blockMs > 0 && taken === this.points + 1) {
      // Blocked once, by the first point over the limit, from now: the window moves to the young generation.
      const until = now + this.blockMs;
      if (this.young.get(group) === w) w.setUntil(at, until);
      else this.windows(group, now).add(key, h, taken, until);
      return this.blockMs;
    }
    return w.until(at) - now;
  }

  /** The young generation's windows of `group`. */
  private windows(group: string, now: number): Windows {
    let w = this.young.get(group);
    if (w === undefined) this.young.set(group, (w = new Windows(now)));
    return w;
  }

  private rotate(now: number): void {
    // Idle for a generation or more: every window of the young generation has ended too.
    this.old = now >= this.rotateAt + this.generationMs ? new Map() : this.young;
    this.young = new Map();
    this.rotateAt = now + this.generationMs;
  }
}

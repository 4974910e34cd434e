import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FixedWindowLimiter } from "../../src/admission/fixed-window-limiter.js";

/** A limiter on a clock the test moves. */
function limiter(points: number, durationSeconds: number, blockSeconds: number) {
  const clock = { now: 1_800_000_000_000 };
  const l = new FixedWindowLimiter({ points, durationSeconds, blockSeconds }, () => clock.now);
  return { l, clock };
}

describe("FixedWindowLimiter", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a window opens at a key's first point: `points` pass, then refusals say when the window ends", () => {
    const { l, clock } = limiter(3, 10, 0);
    expect([l.consume("s", "u"), l.consume("s", "u"), l.consume("s", "u")]).toEqual([0, 0, 0]);
    clock.now += 4000;
    expect(l.consume("s", "u")).toBe(6000);
    clock.now += 5999;
    expect(l.consume("s", "u")).toBe(1);
    clock.now += 1;
    // The window ended: a new one opens, from now.
    expect(l.consume("s", "u")).toBe(0);
    expect([l.consume("s", "u"), l.consume("s", "u")]).toEqual([0, 0]);
    expect(l.consume("s", "u")).toBe(10_000);
  });

  it("keys and groups count apart, also when they concatenate alike", () => {
    const { l } = limiter(1, 60, 0);
    expect(l.consume("s1", "u")).toBe(0);
    expect(l.consume("s1", "u")).toBeGreaterThan(0);
    expect(l.consume("s1", "v")).toBe(0);
    expect(l.consume("s2", "u")).toBe(0);
    expect(l.consume("s", "1u")).toBe(0);
    // Keys are compared in full: alike but for their last unit, of any length, in any script.
    const long = "k".repeat(70_000);
    for (const key of [long, `${long}x`, `${long}y`, "ü-日本", "ü-日本x", "😀", "\ud83d"]) {
      expect(l.consume("s9", key), key.slice(-3)).toBe(0);
      expect(l.consume("s9", key), key.slice(-3)).toBeGreaterThan(0);
    }
  });

  it("blockSeconds: the first point over the limit blocks from then; later refusals neither extend nor end it", () => {
    const { l, clock } = limiter(2, 10, 30);
    l.consume("s", "u");
    l.consume("s", "u");
    clock.now += 9000;
    expect(l.consume("s", "u")).toBe(30_000);
    clock.now += 29_000;
    expect(l.consume("s", "u")).toBe(1000);
    clock.now += 1000;
    expect(l.consume("s", "u")).toBe(0);
  });

  it("a window outlives the generation it opened in, and an idle limiter starts afresh", () => {
    const { l, clock } = limiter(2, 10, 0);
    clock.now += 9999; // just before the first generation ends
    l.consume("s", "u");
    l.consume("s", "u");
    clock.now += 1; // rotated: the window is in the old generation now
    expect(l.consume("s", "u")).toBe(9999);
    clock.now += 9998; // rotated again soon after: still counted until its end
    expect(l.consume("s", "u")).toBe(1);
    clock.now += 1;
    expect(l.consume("s", "u")).toBe(0);
    clock.now += 60_000;
    expect(l.consume("s", "u")).toBe(0);
    expect(l.consume("s", "u")).toBe(0);
    expect(l.consume("s", "u")).toBe(10_000);
  });

  it("windows and blocks of a day (the config's most) keep their exact ends, late in a generation", () => {
    const { l, clock } = limiter(1, 86_400, 86_400);
    expect(l.consume("s", "early")).toBe(0);
    clock.now += 86_400_000 - 1; // the last ms of the first generation
    expect(l.consume("s", "late")).toBe(0);
    // Blocked from now: its end lies almost two generations after its table was made.
    expect(l.consume("s", "late")).toBe(86_400_000);
    clock.now += 1; // rotated: "late" is in the old generation, "early"'s window has just ended
    expect(l.consume("s", "late")).toBe(86_400_000 - 1);
    expect(l.consume("s", "early")).toBe(0);
    clock.now += 86_400_000 - 2;
    expect(l.consume("s", "late")).toBe(1);
    clock.now += 1;
    expect(l.consume("s", "late")).toBe(0);
  });

  it("refuses windows too long for its tables (over 12 days), naming the options", () => {
    expect(() => new FixedWindowLimiter({ points: 1, durationSeconds: 13 * 86_400, blockSeconds: 0 })).toThrow(
      /durationSeconds and blockSeconds/,
    );
    expect(() => new FixedWindowLimiter({ points: 1, durationSeconds: 1, blockSeconds: 13 * 86_400 })).toThrow(
      RangeError,
    );
    expect(() => new FixedWindowLimiter({ points: 1, durationSeconds: 86_400, blockSeconds: 86_400 })).not.toThrow();
  });

  it("answers as RateLimiterMemory does (verdict and ms to wait) over a long random run", async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (const [points, duration, block] of [
      [3, 5, 0],
      [3, 5, 7],
      [1, 2, 1],
      [5, 3, 20],
    ] as const) {
      const ours = new FixedWindowLimiter({ points, durationSeconds: duration, blockSeconds: block }, () => Date.now());
      const theirs = new RateLimiterMemory({ keyPrefix: "", points, duration, blockDuration: block });
      for (let step = 0; step < 4000; step++) {
        const group = `s${Math.floor(random() * 2)}`;
        const key = `u${Math.floor(random() * 4)}`;
        const want = await theirs.consume(`${group}|${key}`).then(
          () => 0,
          (r: RateLimiterRes) => r.msBeforeNext,
        );
        expect(ours.consume(group, key), `step ${step} (${points}/${duration}s, block ${block}s)`).toBe(want);
        const r = random();
        // Mostly short steps, now and then an idle spell of several generations.
        vi.advanceTimersByTime(r < 0.01 ? 60_000 : Math.floor(r * r * 3000));
      }
    }
  });

  it("answers as RateLimiterMemory does for 2400 keys (its tables grow), across generations", async () => {
    vi.useFakeTimers({ now: 1_800_000_000_000 });
    let seed = 11;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const ours = new FixedWindowLimiter({ points: 2, durationSeconds: 4, blockSeconds: 6 }, () => Date.now());
    const theirs = new RateLimiterMemory({ keyPrefix: "", points: 2, duration: 4, blockDuration: 6 });
    let refused = 0;
    for (let step = 0; step < 12_000; step++) {
      const group = `sale-${Math.floor(random() * 3)}`;
      const n = Math.floor(random() * 800);
      // Keys alike in their first units, some far longer than others, some outside Latin-1.
      const key = n % 7 === 0 ? `buyer-${n}-${"é".repeat(n % 50)}` : `buyer-${n}`;
      const want = await theirs.consume(`${group}|${key}`).then(
        () => 0,
        (r: RateLimiterRes) => r.msBeforeNext,
      );
      expect(ours.consume(group, key), `step ${step}`).toBe(want);
      if (want > 0) refused++;
      if (step % 200 === 0) vi.advanceTimersByTime(Math.floor(random() * 600));
    }
    // Both verdicts were exercised, many times.
    expect(refused).toBeGreaterThan(1000);
    expect(refused).toBeLessThan(11_000);
  });
});

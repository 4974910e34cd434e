import { describe, expect, it } from "vitest";
import { chiSquareJoinVsPlace, chiSquarePValue, kolmogorovQ, ksEarlyJoiners } from "../../demo/room/fairness.js";

/** A fixed pseudo-random permutation of 1..n (xorshift32 Fisher–Yates). */
function shuffled(n: number, seed: number): Int32Array {
  const a = Int32Array.from({ length: n }, (_, i) => i + 1);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

describe("the headline room's fairness tests (demo/room/fairness.ts)", () => {
  it("p-values match the chi-square and Kolmogorov distributions (reference values from scipy)", () => {
    expect(chiSquarePValue(2, 2)).toBeCloseTo(Math.exp(-1), 10);
    expect(chiSquarePValue(81, 81)).toBeCloseTo(0.4791014, 6);
    expect(chiSquarePValue(100, 81)).toBeCloseTo(0.0747536, 6);
    expect(chiSquarePValue(3.84, 1)).toBeCloseTo(0.0500435, 6);
    expect(chiSquarePValue(0.5, 3)).toBeCloseTo(0.9188915, 6);
    expect(kolmogorovQ(1.358)).toBeCloseTo(0.0500268, 5);
    expect(kolmogorovQ(0.1)).toBe(1);
  });

  it("a random shuffle passes both tests; places in join order fail both", () => {
    const n = 20_000;
    const joinedAt = Float64Array.from({ length: n }, (_, i) => 1_000_000 + i * 3);
    const fair = shuffled(n, 0x2545f491);
    const chi = chiSquareJoinVsPlace(joinedAt, fair);
    const ks = ksEarlyJoiners(joinedAt, fair);
    expect(chi.df).toBe(81);
    expect(chi.pValue).toBeGreaterThan(0.001);
    expect(ks.pValue).toBeGreaterThan(0.001);
    expect(ks.n).toBe(2000);

    // First come, first served: early joiners in front.
    const fcfs = Int32Array.from({ length: n }, (_, i) => i + 1);
    expect(chiSquareJoinVsPlace(joinedAt, fcfs).pValue).toBeLessThan(1e-12);
    expect(ksEarlyJoiners(joinedAt, fcfs).pValue).toBeLessThan(1e-12);

    // A subtle bias: the earliest tenth moved 5 % of the queue forward is still caught.
    const nudged = Int32Array.from(fair, (p, i) => (i < n / 10 ? Math.max(1, p - n * 0.05) : p));
    expect(ksEarlyJoiners(joinedAt, nudged).pValue).toBeLessThan(0.001);
  });
});

import type { Latency } from "./stats.js";

/** The value at fraction `q` (0…1) of values sorted ascending: rank floor((n - 1) × q); NaN when there are none. */
export function atPercentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  return n === 0 ? NaN : sorted[Math.min(n - 1, Math.floor((n - 1) * q))]!;
}

/** Exact percentiles of a set of values (sorted copy; no clamping, unlike LatencyRecorder's 1 s ceiling). */
export function percentiles(values: ArrayLike<number>): Latency {
  const s = Float64Array.from(values).sort();
  const at = (q: number) =>
    s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** The percentiles a curve is sampled at: dense towards the tail, where latency stories are told. */
const CURVE_AT = [0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.95, 99.99];

/** A latency percentile curve from raw samples (any order), up to the tail the sample size supports. */
export function percentileCurve(values: ArrayLike<number>): [number, number][] {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return [];
  // Beyond 1 - 1/n a percentile is the maximum under another name.
  const points = CURVE_AT.filter((p) => p === 0 || 1 - p / 100 >= 1 / n).map(
    (p) => [p, round2(atPercentile(sorted, p / 100))] as [number, number],
  );
  points.push([round4(100 * (1 - 1 / Math.max(2, n))), round2(sorted[n - 1]!)]);
  return points;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
/** To four decimals (percentile ranks, chart axes). */
export const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

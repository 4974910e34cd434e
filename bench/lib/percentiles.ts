import type { Latency } from "./stats.js";

/** The value at fraction `q` (0…1) of values sorted ascending: rank floor((n - 1) × q); NaN when there are none. */
export function atPercentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  return n === 0 ? NaN : sorted[Math.min(n - 1, Math.floor((n - 1) * q))]!;
}

/** Exact percentiles of a set of values (sorted copy; no clamping, unlike LatencyRecorder's 1 s ceiling). */
export function percentiles(values: ArrayLike<number>): Latency {
  const s = Float64Array.from(values).sort();
  const at = (q: number) => (s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!);
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
}

/** Latency percentiles in milliseconds. */
export interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Latencies at 1 µs resolution up to 1 s (above that, clamped): recording is one array increment, so the
 * recorder adds next to nothing to the process being measured.
 */
export class LatencyRecorder {
  private readonly buckets = new Uint32Array(1_000_001);
  count = 0;

  recordMs(ms: number): void {
    const us = Math.min(1_000_000, Math.max(0, Math.round(ms * 1000)));
    this.buckets[us]!++;
    this.count++;
  }

  recordNs(ns: bigint): void {
    this.recordMs(Number(ns) / 1e6);
  }

  percentiles(): Latency {
    const at = (q: number): number => {
      if (this.count === 0) return NaN;
      const rank = Math.max(1, Math.ceil(q * this.count));
      let seen = 0;
      for (let us = 0; us < this.buckets.length; us++) {
        seen += this.buckets[us]!;
        if (seen >= rank) return us / 1000;
      }
      return NaN;
    };
    return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: at(1) };
  }
}

/** "123.4k" for display. */
export function kilo(n: number): string {
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0);
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

import type { Latency } from "./stats.js";

/** One measured run of one side (a round of the interleaved schedule). */
export interface Sample {
  opsPerSec: number;
  ops: number;
  seconds: number;
  latencyMs: Latency;
  /** CPU seconds the measured server process spent per second of the run (1 = its core was saturated). */
  serverBusy?: number;
  [extra: string]: unknown;
}

/** A side's runs; the headline figure is its best run (least disturbed by neighbours on a shared box). */
export interface Side {
  label: string;
  opsPerSec: number;
  medianOpsPerSec: number;
  latencyMs: Latency;
  samples: Sample[];
}

export interface Outcome {
  unit: string;
  candidate: Side;
  baseline: Side;
  /** Further baselines, reported but not part of the ratio. */
  references?: Side[];
  /** Other ratios worth printing beside the headline, by name. */
  extraRatios?: Record<string, number>;
  /** Conditions that make the figures less trustworthy (printed). */
  warnings?: string[];
  /** Settings and checks a reader needs to trust the figures. */
  details: Record<string, unknown>;
}

/**
 * A measurement with no baseline to divide by (sizes, not rates): its figures go to the result file as
 * they are, and `table` is printed line by line.
 */
export interface Measurement {
  name: string;
  description: string;
  /** Where the gateway it measures runs, for the result file: "dist" when it starts compiled servers (default "tsx"). */
  gateway?: "dist" | "tsx";
  run(): Promise<{ details: Record<string, unknown>; table: string[] }>;
}

export interface Benchmark {
  name: string;
  /** What the ratio compares, for the printed line and the result file. */
  description: string;
  /** The ratio candidate/baseline we aim for. */
  target: number;
  run(): Promise<Outcome>;
}

/** Sums up one side's samples: best run for the headline, its latency with it. */
export function side(label: string, samples: Sample[]): Side {
  const sorted = [...samples].sort((a, b) => b.opsPerSec - a.opsPerSec);
  const ops = sorted.map((s) => s.opsPerSec);
  const mid = ops.length >> 1;
  const median = ops.length % 2 ? ops[mid]! : (ops[mid - 1]! + ops[mid]!) / 2;
  return { label, opsPerSec: sorted[0]!.opsPerSec, medianOpsPerSec: median, latencyMs: sorted[0]!.latencyMs, samples };
}

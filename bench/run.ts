import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { repoRoot } from "../src/util/repo-root.js";
import type { Benchmark, Measurement, Outcome, Side } from "./lib/benchmark.js";
import { BENCH_TSCONFIG, pinningAvailable } from "./lib/proc.js";
import { kilo } from "./lib/stats.js";
import { admissionOverhead } from "./admission-overhead.js";
import { cost } from "./cost.js";
import { endToEnd } from "./end-to-end.js";
import { memory } from "./memory.js";
import { paymentCallbacks } from "./payment-callbacks.js";
import { powSolve } from "./pow-solve.js";
import { replicaAcksCost } from "./replica-acks.js";
import { replicaAcksHttp } from "./replica-acks-http.js";
import { rejectPath } from "./reject-path.js";
import { relayCost } from "./relay-cost.js";
import { reserveScript } from "./reserve-script.js";
import { roomPoll } from "./room-poll.js";
import { scaleOut } from "./scale-out.js";
import { tokenIssue } from "./token-issue.js";

/**
 * `npm run bench [-- name ...]`: compiles (see compile()), runs the benchmarks (all, or those named), writes
 * bench/results/<name>.json and prints one line each with the ratio against its baseline of the same run.
 * Exits non-zero when a benchmark fails its own checks; a ratio under target is reported, not fatal.
 */
// One module per benchmark; a new one only needs adding here.
const BENCHMARKS: Benchmark[] = [
  reserveScript,
  rejectPath,
  endToEnd,
  admissionOverhead,
  paymentCallbacks,
  replicaAcksCost,
  replicaAcksHttp,
  scaleOut,
  roomPoll,
  tokenIssue,
];
// Sizes rather than rates: figures without a baseline ratio.
const MEASUREMENTS: Measurement[] = [memory, powSolve, cost, relayCost];

/**
 * Every benchmark measures the gateway as production runs it, compiled: this process (under tsx) only
 * orchestrates, and each server, caller and load generator it starts runs from dist/ under plain node
 * (bench/lib/proc.ts). So each run compiles first, always (a few seconds; no guessing whether dist/ is
 * current): src/ as `npm run build` emits it, and bench/servers and bench/clients beside it.
 */
const GATEWAY_RUNTIME = "dist";
/** `memory` runs the gateway's scripts and repositories in this process: it measures sizes, not speed (`cost` says "dist"). */
const MEASUREMENT_RUNTIME = "tsx";

function compile(): void {
  const tsc = join(repoRoot(), "node_modules", "typescript", "bin", "tsc");
  execFileSync(process.execPath, [tsc, "-p", join(repoRoot(), BENCH_TSCONFIG)], { stdio: "inherit" });
}

function quiet(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return null;
  }
}

function environment() {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "unknown",
    loadAverage: loadavg(),
    pinning: pinningAvailable() ? "taskset" : "none",
    redisServer:
      quiet("redis-cli", ["-u", loadConfig().redis.url, "info", "server"])?.match(/redis_version:(\S+)/)?.[1] ?? null,
    redisBenchmark: quiet("redis-benchmark", ["--version"]),
    autocannon: (createRequire(import.meta.url)("autocannon/package.json") as { version: string }).version,
    gitCommit: quiet("git", ["-C", repoRoot(), "rev-parse", "--short", "HEAD"]),
  };
}

/** The command that reproduces a result (its BENCH_* settings included), kept in the result for bench/report.ts. */
function command(name: string): string {
  const settings = Object.entries(process.env)
    .filter(([k]) => k.startsWith("BENCH_"))
    .map(([k, v]) => `${k}=${v}`)
    .sort();
  return [...settings, `npm run bench -- ${name}`].join(" ");
}

function describe(s: Side, unit: string): string {
  return `${s.label} ${kilo(s.opsPerSec)} ${unit} (p50 ${s.latencyMs.p50.toFixed(3)} ms, p99 ${s.latencyMs.p99.toFixed(3)} ms)`;
}

/** Runs one benchmark, writes its result file and prints its line; false when it failed its own checks. */
async function runBenchmark(b: Benchmark, dir: string): Promise<boolean> {
  const started = new Date();
  let out: Outcome;
  try {
    out = await b.run();
  } catch (err) {
    process.stdout.write(`${b.name}: FAILED ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
  const ratio = out.candidate.opsPerSec / out.baseline.opsPerSec;
  const medianRatio = out.candidate.medianOpsPerSec / out.baseline.medianOpsPerSec;
  const result = {
    name: b.name,
    description: b.description,
    timestamp: started.toISOString(),
    command: command(b.name),
    durationSeconds: (Date.now() - started.getTime()) / 1000,
    gateway: GATEWAY_RUNTIME,
    unit: out.unit,
    ratio,
    medianRatio,
    target: b.target,
    meetsTarget: ratio >= b.target,
    candidate: out.candidate,
    baseline: out.baseline,
    extraRatios: out.extraRatios ?? {},
    warnings: out.warnings ?? [],
    references: out.references ?? [],
    details: out.details,
    environment: environment(),
  };
  writeFileSync(join(dir, `${b.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  printBenchmarkLine(b, out, ratio, medianRatio);
  return true;
}

function printBenchmarkLine(b: Benchmark, out: Outcome, ratio: number, medianRatio: number): void {
  const refs = (out.references ?? []).map((r) => `; ${describe(r, out.unit)}`).join("");
  const extras = Object.entries(out.extraRatios ?? {})
    .map(([k, v]) => `, ${k} ${v.toFixed(2)}`)
    .join("");
  const warnings = (out.warnings ?? []).map((w) => ` [${w}]`).join("");
  process.stdout.write(
    `${b.name}: ratio ${ratio.toFixed(2)} (median ${medianRatio.toFixed(2)}${extras}; target ≥ ${b.target})${ratio >= b.target ? "" : " BELOW TARGET"}` +
      ` — ${describe(out.candidate, out.unit)} vs ${describe(out.baseline, out.unit)}${refs}${warnings}\n`,
  );
}

/** Runs one measurement, writes its result file and prints its table; false when it failed. */
async function runMeasurement(m: Measurement, dir: string): Promise<boolean> {
  const started = new Date();
  try {
    const out = await m.run();
    const result = {
      name: m.name,
      description: m.description,
      timestamp: started.toISOString(),
      command: command(m.name),
      durationSeconds: (Date.now() - started.getTime()) / 1000,
      gateway: m.gateway ?? MEASUREMENT_RUNTIME,
      details: out.details,
      table: out.table,
      environment: environment(),
    };
    writeFileSync(join(dir, `${m.name}.json`), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(
      `${m.name}: ${m.description} (${result.durationSeconds.toFixed(0)} s)\n${out.table.map((l) => `  ${l}\n`).join("")}`,
    );
    return true;
  } catch (err) {
    process.stdout.write(`${m.name}: FAILED ${err instanceof Error ? err.message : String(err)}\n`);
    return false;
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = [...BENCHMARKS, ...MEASUREMENTS].map((b) => b.name);
  const unknown = wanted.filter((w) => !names.includes(w));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark(s) ${unknown.join(", ")}; known: ${names.join(", ")}\n`);
    process.exit(2);
  }
  compile();
  const dir = join(repoRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  let failed = false;
  for (const b of BENCHMARKS.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
    if (!(await runBenchmark(b, dir))) failed = true;
  }
  for (const m of MEASUREMENTS.filter((m) => wanted.length === 0 || wanted.includes(m.name))) {
    if (!(await runMeasurement(m, dir))) failed = true;
  }
  process.exit(failed ? 1 : 0);
}

await main();

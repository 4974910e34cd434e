import { createRequire } from "node:module";
import { LatencyRecorder } from "../lib/stats.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * Drives HTTP servers with autocannon from its own process (pinned by the parent to the load core). Each
 * job read from stdin is one autocannon run: a warm-up, then a measured window marked by {"phase":"measure"}
 * and {"phase":"end"} lines (the parent samples the server's CPU at both), then the result. Measuring a
 * window of one run keeps autocannon's start-up (it builds every request buffer per connection, about a
 * second for a large pool) and its wind-down out of the figures. Jobs run one at a time, in order.
 */
export interface LoadJob {
  url: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  requests: { method: string; path: string; headers: Record<string, string>; body?: string }[];
}

export interface LoadResult {
  /** Answers inside the measured window. */
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: ReturnType<LatencyRecorder["percentiles"]>;
  /** Every answer of the run (warm-up and wind-down included), by status: all are checked. */
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
}

interface Instance {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
interface AutocannonResult {
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>, done: (err: Error | null, r: AutocannonResult) => void) => Instance;

// autocannon ships no types; this is the slice of its programmatic API used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

async function runJob(job: LoadJob): Promise<LoadResult> {
  const lat = new LatencyRecorder();
  let measuring = false;
  let requests = 0;
  let t0 = 0n;
  let t1 = 0n;
  const r = await new Promise<AutocannonResult>((done, fail) => {
    const inst = autocannon(
      // The run outlasts the window by half a second, so the window never sees autocannon stopping.
      {
        url: job.url,
        connections: job.connections,
        duration: job.warmupSeconds + job.seconds + 0.5,
        requests: job.requests,
        timeout: 5,
      },
      (err, res) => (err ? fail(err) : done(res)),
    );
    inst.on("response", (_c, _status, _bytes, ms) => {
      if (!measuring) return;
      requests++;
      lat.recordMs(ms);
    });
    setTimeout(() => {
      measuring = true;
      t0 = process.hrtime.bigint();
      reply({ phase: "measure" });
    }, job.warmupSeconds * 1000);
    setTimeout(
      () => {
        measuring = false;
        t1 = process.hrtime.bigint();
        reply({ phase: "end" });
      },
      (job.warmupSeconds + job.seconds) * 1000,
    );
  });
  const seconds = Number(t1 - t0) / 1e9;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    latencyMs: lat.percentiles(),
    statusCounts: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

let queue = Promise.resolve();
stdinMessages((job: LoadJob) => {
  queue = queue.then(async () => reply(await runJob(job)));
});

import http from "node:http";
import { LatencyRecorder } from "../lib/stats.js";
import { reply, stdinMessages } from "../lib/proc.js";
import type { LoadJob, LoadResult } from "./http-load.js";

/**
 * Sends a fixed list of HTTP requests, each exactly once, over `connections` keep-alive connections from
 * its own process (pinned by the parent to the load core): for calls that must not repeat, such as one
 * signed payment callback per order. Replies {"phase":"start"} when it starts sending, then the result.
 */
export interface RequestListJob extends Pick<LoadJob, "connections" | "requests"> {
  port: number;
}

/** As http-load's result (every request is in the window here), plus what the client itself spent. */
export interface RequestListResult extends Omit<LoadResult, "timeouts"> {
  /** This client's CPU microseconds per request (to show it is not the bottleneck). */
  clientCpuUsPerRequest: number;
}

async function runJob(job: RequestListJob): Promise<RequestListResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const lat = new LatencyRecorder();
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  reply({ phase: "start" });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const one = (r: RequestListJob["requests"][number]) =>
    new Promise<void>((done) => {
      const started = performance.now();
      const req = http.request(
        {
          host: "127.0.0.1",
          port: job.port,
          method: r.method,
          path: r.path,
          agent,
          headers: r.body ? { ...r.headers, "content-length": Buffer.byteLength(r.body) } : r.headers,
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            lat.recordMs(performance.now() - started);
            statusCounts[res.statusCode ?? 0] = (statusCounts[res.statusCode ?? 0] ?? 0) + 1;
            done();
          });
        },
      );
      req.on("error", () => {
        errors++;
        done();
      });
      req.end(r.body);
    });
  await Promise.all(
    Array.from({ length: job.connections }, async () => {
      while (next < job.requests.length) await one(job.requests[next++]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  return {
    requests: job.requests.length,
    seconds,
    rps: job.requests.length / seconds,
    latencyMs: lat.percentiles(),
    statusCounts,
    errors,
    clientCpuUsPerRequest: (cpu.user + cpu.system) / job.requests.length,
  };
}

let queue = Promise.resolve();
stdinMessages((job: RequestListJob) => {
  queue = queue.then(async () => reply(await runJob(job)));
});

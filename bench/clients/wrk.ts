import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinned } from "../lib/proc.js";

/**
 * wrk (https://github.com/wg/wrk) as a second load generator where it is installed (it is not a dependency:
 * `apt-get install wrk`). It is written in C and needs far less CPU per request than autocannon, so on a
 * 2-core box it can keep a server core busier. The pool of requests is pre-formatted in the script's init()
 * and sent round robin, one thread, every connection on the load core.
 */
export interface WrkJob {
  url: string;
  connections: number;
  seconds: number;
  core: number;
  requests: { method: string; path: string; headers: Record<string, string>; body?: string }[];
}

export interface WrkResult {
  /** Completed requests over the whole run (wrk has no warm-up window). */
  requests: number;
  seconds: number;
  rps: number;
  /** Answers with a status ≥ 400 (wrk's "Non-2xx or 3xx"); the reject path expects all of them. */
  statusErrors: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  latencyMs: { p50: number; p99: number };
}

let available: boolean | undefined;

/** Whether `wrk` is on PATH. */
export function wrkAvailable(): boolean {
  available ??= spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;
  return available;
}

const lua = (s: string) => JSON.stringify(s); // ASCII headers, paths and bodies: a JSON string is a Lua string

function script(requests: WrkJob["requests"]): string {
  const pool = requests
    .map(
      (r) =>
        `{${lua(r.method)},${lua(r.path)},{${Object.entries(r.headers)
          .map(([k, v]) => `[${lua(k)}]=${lua(v)}`)
          .join(",")}},${r.body === undefined ? "nil" : lua(r.body)}}`,
    )
    .join(",\n");
  return `local pool = {\n${pool}\n}
local reqs = {}
local n, i = 0, 0
function init(args)
  for k, r in ipairs(pool) do reqs[k] = wrk.format(r[1], r[2], r[3], r[4]) end
  n = #reqs
end
function request()
  i = i % n + 1
  return reqs[i]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests":%d,"durationUs":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50Us":%d,"p99Us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(99)))
end
`;
}

/** One wrk run, pinned to `job.core`; resolves when it has exited. */
export async function runWrk(job: WrkJob): Promise<WrkResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-wrk-"));
  try {
    const file = join(dir, "requests.lua");
    writeFileSync(file, script(job.requests));
    const [cmd, args] = pinned(job.core, "wrk", [
      "-t1",
      `-c${job.connections}`,
      `-d${job.seconds}s`,
      "--timeout",
      "5s",
      "-s",
      file,
      job.url,
    ]);
    const out = await new Promise<string>((done, fail) => {
      const p = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"] });
      let text = "";
      p.stdout.on("data", (d: Buffer) => (text += d.toString()));
      p.on("error", fail);
      p.on("exit", (code) => (code === 0 ? done(text) : fail(new Error(`wrk exited ${code}: ${text}`))));
    });
    const line = out.split("\n").find((l) => l.startsWith("WRK-RESULT "));
    if (!line) throw new Error(`wrk printed no result: ${out}`);
    const r = JSON.parse(line.slice("WRK-RESULT ".length)) as Record<string, number>;
    const seconds = r.durationUs! / 1e6;
    return {
      requests: r.requests!,
      seconds,
      rps: r.requests! / seconds,
      statusErrors: r.status!,
      socketErrors: { connect: r.connect!, read: r.read!, write: r.write!, timeout: r.timeout! },
      latencyMs: { p50: r.p50Us! / 1000, p99: r.p99Us! / 1000 },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

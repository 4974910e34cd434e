import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { repoRoot } from "../../src/util/repo-root.js";

/**
 * `npm run bench` compiles first (bench/run.ts: `tsc -p tsconfig.bench.json`): src/ into dist/src as
 * `npm run build` emits it, and the bench's servers and clients beside it in dist/bench, importing that
 * build. Every process a benchmark starts runs from there under plain node, so the gateway it measures is
 * the compiled JavaScript production runs, not tsx; result files say so (`"gateway": "dist"`).
 */
export const BENCH_TSCONFIG = "tsconfig.bench.json";

/** The compiled file of a source script: `bench/servers/app-server.ts` → `dist/bench/servers/app-server.js`. */
export function compiledScript(source: string): string {
  return `dist/${source.replace(/\.ts$/, ".js")}`;
}

/** Cores of this 2-core machine: the measured server on one, whatever drives it on the other. */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;

export function pinningAvailable(): boolean {
  return hasTaskset;
}

/** `cmd args` pinned to one core when taskset exists (affinity set before exec covers every thread). */
export function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return hasTaskset ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
}

/** Moves a running process, every thread of it, onto one core when taskset exists; false when it could not. */
export function pinPid(core: number, pid: number): boolean {
  return (
    hasTaskset && spawnSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" }).status === 0
  );
}

/** CPU seconds every core of the machine has spent busy so far (Linux /proc/stat), or NaN. */
export function machineBusySeconds(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    const busy = f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3]! - f[4]!;
    return busy / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** User + system CPU seconds a live process has used so far (Linux /proc), or NaN where unavailable. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/**
 * A live process's CPU seconds so far, split: user and system time, and the main thread's share of their
 * sum (the JavaScript thread; the rest is GC helpers, libuv's pool, the native addons' threads). NaN where
 * /proc is unavailable.
 */
export function cpuSplit(pid: number): { user: number; system: number; mainThread: number } {
  const fields = (path: string) => {
    const stat = readFileSync(path, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  };
  try {
    const f = fields(`/proc/${pid}/stat`);
    const m = fields(`/proc/${pid}/task/${pid}/stat`);
    return {
      user: Number(f[11]) / CLK_TCK,
      system: Number(f[12]) / CLK_TCK,
      mainThread: (Number(m[11]) + Number(m[12])) / CLK_TCK,
    };
  } catch {
    return { user: NaN, system: NaN, mainThread: NaN };
  }
}

/** A process whose CPU a run reports, by label (pid null: not found, its figures NaN). */
export interface Watched {
  label: string;
  pid: number | null;
}

/** CPU seconds so far of each watched process, in order (NaN where its pid is unknown). */
export function cpuOfEach(watched: readonly Watched[]): number[] {
  return watched.map((w) => (w.pid ? cpuSeconds(w.pid) : NaN));
}

/**
 * A script in its own Node process, pinned to a core: a compiled `dist/…/*.js` file runs under plain node
 * (what the benchmarks start: see compiledScript), a `.ts` file under tsx (the demo's crowd). It speaks one
 * JSON object per stdout line; stderr passes through so a failing child explains itself.
 */
export class TsChild {
  readonly proc: ChildProcess;
  private readonly queue: unknown[] = [];
  private waiting: { ok: (v: unknown) => void; fail: (e: Error) => void } | null = null;
  private exited: Error | null = null;
  private readonly exit: Promise<number | null>;

  constructor(
    script: string,
    opts: { core: number; env?: Record<string, string>; args?: string[]; nodeArgs?: string[] },
  ) {
    const root = repoRoot();
    const file = join(root, script);
    const ts = script.endsWith(".ts");
    if (!existsSync(file))
      throw new Error(
        `${script} not found${ts ? "" : `: \`npm run bench\` compiles it first (tsc -p ${BENCH_TSCONFIG})`}`,
      );
    const loader = ts ? ["--import", "tsx"] : [];
    const node = [...(opts.nodeArgs ?? []), ...loader, file, ...(opts.args ?? [])];
    const [cmd, args] = pinned(opts.core, process.execPath, node);
    this.proc = spawn(cmd, args, {
      cwd: root,
      env: { ...process.env, ...opts.env },
      stdio: ["pipe", "pipe", "inherit"],
    });
    createInterface({ input: this.proc.stdout! }).on("line", (line) => {
      let msg: unknown;
      try {
        msg = JSON.parse(line);
      } catch {
        process.stderr.write(`[${script}] ${line}\n`);
        return;
      }
      if (this.waiting) {
        this.waiting.ok(msg);
        this.waiting = null;
      } else this.queue.push(msg);
    });
    this.exit = new Promise((done) =>
      this.proc.on("exit", (code, signal) => {
        this.exited = new Error(`${script} exited (${signal ?? code}) before answering`);
        this.waiting?.fail(this.exited);
        this.waiting = null;
        done(code);
      }),
    );
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The child's next JSON line. */
  next<T>(): Promise<T> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift() as T);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise<T>((ok, fail) => {
      this.waiting = { ok: ok as (v: unknown) => void, fail };
    });
  }

  /** Sends one JSON line to the child's stdin. */
  send(msg: unknown): void {
    this.proc.stdin!.write(`${JSON.stringify(msg)}\n`);
  }

  /** Asks the child to stop (SIGTERM) and waits for it; SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), 5000);
    await this.exit;
    clearTimeout(timer);
  }
}

/** `p`, or an error naming `what` when it has not settled within `timeoutMs`. */
export async function within<T>(p: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, fail) => (timer = setTimeout(() => fail(new Error(`no answer to ${what} within ${timeoutMs} ms`)), timeoutMs)),
  );
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sends one job to a child and waits for its answer; an {"error"} answer throws. */
export async function ask<T, M extends { cmd: string } = { cmd: string }>(
  child: TsChild,
  msg: M,
  timeoutMs = 120_000,
): Promise<T> {
  child.send(msg);
  const r = await within(child.next<T & { error?: string }>(), timeoutMs, msg.cmd);
  if (r.error) throw new Error(r.error);
  return r;
}

/** Reads JSON lines from stdin (a child's side of TsChild.send); the child ends when its parent does. */
export function stdinMessages(onMessage: (msg: any) => void): void {
  createInterface({ input: process.stdin })
    .on("line", (line) => onMessage(JSON.parse(line)))
    .on("close", () => process.exit(0));
}

/** Writes one JSON line to stdout (a child's side of TsChild.next). */
export function reply(msg: unknown): void {
  process.stdout.write(`${JSON.stringify(msg)}\n`);
}

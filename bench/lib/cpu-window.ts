import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { pidListeningOn } from "../../stack/proc.js";
import type { Config } from "../../src/config/schema.js";
import { cpuOfEach, type Watched } from "./proc.js";

/**
 * /proc sampling for the benchmarks that run the whole durable path (end-to-end, cost): the CPU of each
 * watched process over a window, the RocketMQ proxy's per thread group, and the machine's and each core's.
 */
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;
/** CPU seconds per thread group of a process (thread names with their numbers taken out). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, "utf8");
      const name = stat
        .slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
        .replace(/[-_]?\d+$/g, "")
        .replace(/\d+/g, "#");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) / CLK_TCK);
    } catch {
      /* thread gone */
    }
  }
  return out;
}

/** Busy and total jiffies of the whole machine ("cpu") and of each core ("cpu0", "cpu1", ...). */
function machineJiffies(): Map<string, { busy: number; total: number }> {
  const out = new Map<string, { busy: number; total: number }>();
  for (const line of readFileSync("/proc/stat", "utf8").split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const [name, ...rest] = line.trim().split(/\s+/);
    const f = rest.map(Number);
    const total = f.reduce((a, b) => a + b, 0);
    out.set(name!, { busy: total - f[3]! - (f[4] ?? 0), total });
  }
  return out;
}

export class CpuWindow {
  private readonly t0 = performance.now();
  private readonly cpu0: number[];
  private readonly threads0: Map<string, number> | null;
  private readonly machine0 = machineJiffies();

  constructor(
    private readonly watched: Watched[],
    private readonly threadsOf: number | null,
  ) {
    this.cpu0 = cpuOfEach(watched);
    this.threads0 = threadsOf ? threadCpu(threadsOf) : null;
  }

  /** Busy share of one core per process, the machine's busy share of all cores, the hottest thread groups. */
  end(): {
    seconds: number;
    busy: Record<string, number>;
    machineBusy: number;
    coreBusy: number[];
    proxyThreads?: Record<string, number>;
  } {
    const seconds = (performance.now() - this.t0) / 1000;
    const busy: Record<string, number> = {};
    const cpu1 = cpuOfEach(this.watched);
    this.watched.forEach((w, i) => {
      if (w.pid) busy[w.label] = round3((cpu1[i]! - this.cpu0[i]!) / seconds);
    });
    const m = machineJiffies();
    const share = (k: string) => {
      const a = this.machine0.get(k);
      const b = m.get(k);
      return a && b ? round3((b.busy - a.busy) / Math.max(1, b.total - a.total)) : NaN;
    };
    const machineBusy = share("cpu");
    const coreBusy = [...m.keys()].filter((k) => k !== "cpu").map(share);
    if (!this.threadsOf || !this.threads0) return { seconds, busy, machineBusy, coreBusy };
    const now = threadCpu(this.threadsOf);
    const deltas = [...now]
      .map(([k, v]) => [k, (v - (this.threads0!.get(k) ?? 0)) / seconds] as const)
      .filter(([, v]) => v >= 0.01);
    deltas.sort((a, b) => b[1] - a[1]);
    return {
      seconds,
      busy,
      machineBusy,
      coreBusy,
      proxyThreads: Object.fromEntries(deltas.slice(0, 10).map(([k, v]) => [k, round3(v)])),
    };
  }
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** What a CpuWindow saw. */
export type CpuSeen = ReturnType<CpuWindow["end"]>;

/**
 * The stack's shared processes on the durable path, found by the ports the configuration names: the
 * RocketMQ proxy (its broker runs in the same JVM), Redis and MariaDB (the first shard's server).
 */
export function stackProcesses(cfg: Config): { proxyPid: number | null; watched: Watched[] } {
  const redisPort = Number(new URL(cfg.redis.url).port || 6379);
  const mysqlPort = cfg.mysql.shards[0]!.port;
  const rmqPort = Number(cfg.rocketmq.endpoints.split(":")[1]);
  const proxyPid = pidListeningOn(rmqPort);
  return {
    proxyPid,
    watched: [
      { label: "rocketmq-proxy", pid: proxyPid },
      { label: "redis", pid: pidListeningOn(redisPort) },
      { label: "mariadb", pid: pidListeningOn(mysqlPort) },
    ],
  };
}

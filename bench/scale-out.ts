import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";
import { loadavg } from "node:os";
import { startLocalCluster, type LocalCluster } from "../stack/redis-cluster.js";
import type { ScaleJob, ScaleResult } from "./clients/scale-out-caller.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchEnv, rid } from "./lib/config.js";
import {
  ask,
  compiledScript,
  cpuSeconds,
  LOAD_CORE,
  machineBusySeconds,
  pinned,
  pinningAvailable,
  pinPid,
  SERVER_CORE,
  TsChild,
  within,
} from "./lib/proc.js";

/**
 * Reserve calls/s against a Redis Cluster of 1, 2 and 3 primaries, all on this machine: the gateway's
 * reservation path (ReservationService.reserve through the cluster client createRedis makes) from its own
 * process, on a 32-shard sale with stock and per-buyer limit no call can reach, each call by its own buyer
 * with a fresh token (every call writes a full reservation), buyers spread over all shards by their home
 * shard. Closed loop, 256 calls in flight.
 *
 * Two cores: every redis-server is pinned to one core and the client to the other, so the clusters differ
 * only in how the same core's work is split over processes, not in how much CPU Redis has. What carries
 * over to a real deployment is the CPU each process spends per call (from /proc), reported per primary.
 * The three clusters run side by side and their rounds alternate (1 2 3 1 2 3 ...); each size's best round
 * is its figure. BENCH_SCALE_REPLICAS=1 gives every primary a replica (same core).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = Number(process.env.BENCH_SCALE_CALLS ?? 60_000);
const REPLICAS = Number(process.env.BENCH_SCALE_REPLICAS ?? 0);
// AOF as the stack runs it (everysec); BENCH_SCALE_AOF=0 turns it off to show what it costs per call.
const AOF = process.env.BENCH_SCALE_AOF !== "0";
const SHARDS = 32;
const CONCURRENCY = 256;
const SIZES = [1, 2, 3];

interface Node {
  port: number;
  pid: number;
  role: "primary" | "replica";
  conn: Redis;
}

interface Size {
  primaries: number;
  cluster: LocalCluster;
  nodes: Node[];
  caller: TsChild;
  samples: Sample[];
}

/** Script calls a node has run (EVALSHA, and EVAL after a NOSCRIPT). */
async function scriptCalls(conn: Redis): Promise<number> {
  const info = await conn.info("commandstats");
  const calls = (cmd: string) => Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
  return calls("evalsha") + calls("eval");
}

const round1 = (x: number, d = 1) => Number(x.toFixed(d));

async function measure(s: Size, saleId: string): Promise<Sample> {
  const prepared = await ask<{ warmed: number }, ScaleJob>(
    s.caller,
    { cmd: "prepare", saleId, shards: SHARDS, calls: CALLS },
    180_000,
  );
  if (prepared.warmed !== SHARDS) throw new Error(`scale-out: ${prepared.warmed} of ${SHARDS} shards warmed`);
  const primaries = s.nodes.filter((n) => n.role === "primary");
  s.caller.send({
    cmd: "run",
    saleId,
    shards: SHARDS,
    calls: CALLS,
    concurrency: CONCURRENCY,
    warmupSeconds: s.samples.length === 0 ? 2 : 0.5,
  } satisfies ScaleJob);
  await within(s.caller.next<{ phase: string }>(), 60_000, "warm-up");
  const cpu0 = s.nodes.map((n) => cpuSeconds(n.pid));
  const client0 = cpuSeconds(s.caller.pid);
  const runner0 = process.cpuUsage();
  const machine0 = machineBusySeconds();
  const calls0 = await Promise.all(primaries.map((n) => scriptCalls(n.conn)));
  const t0 = performance.now();
  const r = await within(s.caller.next<ScaleResult & { error?: string }>(), 180_000, "reserve run");
  if (r.error) throw new Error(r.error);
  const wall = (performance.now() - t0) / 1000;
  const cpu = s.nodes.map((n, i) => cpuSeconds(n.pid) - cpu0[i]!);
  const client = cpuSeconds(s.caller.pid) - client0;
  const runnerUsage = process.cpuUsage(runner0);
  const runner = (runnerUsage.user + runnerUsage.system) / 1e6;
  const machine = machineBusySeconds() - machine0;
  const calls = (await Promise.all(primaries.map((n) => scriptCalls(n.conn)))).map((c, i) => c - calls0[i]!);
  if (r.outcomes.reserved !== CALLS)
    throw new Error(`scale-out: outcomes ${JSON.stringify(r.outcomes)} (every call should reserve)`);
  const redisCpu = cpu.reduce((a, b) => a + b, 0);
  const ours = redisCpu + client + runner;
  return {
    opsPerSec: r.opsPerSec,
    ops: r.calls,
    seconds: r.seconds,
    latencyMs: r.latencyMs,
    redisCores: round1(redisCpu / wall, 2),
    redisCpuPerCallUs: round1((redisCpu * 1e6) / CALLS),
    clientCores: round1(client / wall, 2),
    clientCpuPerCallUs: round1((client * 1e6) / CALLS),
    // What else ran on the machine during the round (other sessions' work): busy cores not ours.
    otherCores: round1(Math.max(0, machine - ours) / wall, 2),
    nodes: s.nodes.map((n, i) => ({
      port: n.port,
      role: n.role,
      cores: round1(cpu[i]! / wall, 2),
      cpuPerCallUs: round1((cpu[i]! * 1e6) / CALLS),
      // Script calls this primary ran (its shards' share), and its CPU per call it ran.
      ...(n.role === "primary"
        ? {
            calls: calls[primaries.indexOf(n)],
            cpuPerOwnCallUs: round1((cpu[i]! * 1e6) / Math.max(1, calls[primaries.indexOf(n)]!)),
          }
        : {}),
    })),
  };
}

const PROBE_MESSAGES = 100_000;

/**
 * reserve-5.lua PUBLISHes every accepted token, and a cluster broadcasts a PUBLISH to every node over its bus.
 * This probe sends plain PUBLISHes (redis-benchmark, unpipelined) to one node of the largest cluster and
 * reports each node's CPU µs per message: the share every other node pays for every reservation anywhere.
 */
function publishProbe(s: Size): {
  messages: number;
  cpuPerMessageUs: { port: number; role: string; sender: boolean; us: number }[];
} {
  const before = s.nodes.map((n) => cpuSeconds(n.pid));
  const [cmd, args] = pinned(LOAD_CORE, "redis-benchmark", [
    "-p",
    String(s.nodes[0]!.port),
    "-n",
    String(PROBE_MESSAGES),
    "-c",
    "50",
    "-q",
    "PUBLISH",
    "bench-accepted",
    "sale-0123|token-0123456789abcdef",
  ]);
  execFileSync(cmd, args, { stdio: "ignore" });
  return {
    messages: PROBE_MESSAGES,
    cpuPerMessageUs: s.nodes.map((n, i) => ({
      port: n.port,
      role: n.role,
      sender: i === 0,
      us: round1(((cpuSeconds(n.pid) - before[i]!) * 1e6) / PROBE_MESSAGES),
    })),
  };
}

/** Where the CPU went in a size's best round, for the printed report. */
function cpuLine(label: string, samples: Sample[]): string {
  const b = [...samples].sort((x, y) => y.opsPerSec - x.opsPerSec)[0]!;
  const nodes = (b.nodes as { role: string; cores: number; cpuPerOwnCallUs?: number; calls?: number }[])
    .map((n) =>
      n.role === "primary"
        ? `${n.cores} (${n.cpuPerOwnCallUs} µs per own call, ${n.calls} calls)`
        : `replica ${n.cores}`,
    )
    .join(", ");
  return (
    `${label}: ${Math.round(b.opsPerSec)} calls/s; redis-server cores ${nodes}, together ${b.redisCores} cores = ${b.redisCpuPerCallUs} µs/call; ` +
    `client ${b.clientCores} cores = ${b.clientCpuPerCallUs} µs/call; other processes ${b.otherCores} cores`
  );
}

async function startSize(primaries: number): Promise<Size> {
  const cluster = await startLocalCluster({
    name: `bench-scale-${primaries}p-${rid()}`,
    primaries,
    replicas: REPLICAS,
  });
  const nodes: Node[] = [];
  try {
    for (const [i, n] of cluster.nodes.entries()) {
      const conn = new Redis({ host: n.host, port: n.port, lazyConnect: false });
      conn.on("error", () => {});
      const role = (await conn.info("replication")).includes("role:master") ? "primary" : "replica";
      nodes.push({ port: n.port, pid: cluster.pids[i]!, role, conn });
      if (!AOF) await conn.config("SET", "appendonly", "no");
      // The server core holds every redis-server of every size: the sizes differ in processes, not in CPU.
      pinPid(SERVER_CORE, cluster.pids[i]!);
    }
    const env = benchEnv({
      FLASHSALE__REDIS__MODE: "cluster",
      FLASHSALE__REDIS__NODES: JSON.stringify(cluster.nodes.map((n) => `${n.host}:${n.port}`)),
      FLASHSALE__REDIS__MINREPLICAACKS: "0",
    });
    const caller = new TsChild(compiledScript("bench/clients/scale-out-caller.ts"), { core: LOAD_CORE, env });
    return { primaries, cluster, nodes, caller, samples: [] };
  } catch (err) {
    for (const n of nodes) n.conn.disconnect();
    await cluster.stop();
    throw err;
  }
}

export const scaleOut: Benchmark = {
  name: "scale-out",
  description: `reserve calls/s on a Redis Cluster of 3 primaries ÷ 1 primary (${SHARDS}-shard sale, every call a fresh reservation; all primaries share one core)`,
  // Two cores leave no CPU for more primaries to add: the target is that spreading the shards costs little.
  target: 0.9,
  async run() {
    const sizes: Size[] = [];
    let probe: ReturnType<typeof publishProbe> | undefined;
    try {
      for (const n of SIZES) sizes.push(await startSize(n));
      for (let round = 0; round < ROUNDS; round++) {
        for (const s of sizes) s.samples.push(await measure(s, `so${round}-${rid()}`));
      }
      probe = publishProbe(sizes[sizes.length - 1]!);
    } finally {
      for (const s of sizes) {
        await s.caller.stop();
        for (const n of s.nodes) n.conn.disconnect();
        await s.cluster.stop();
      }
    }
    const [one, two, three] = sizes.map((s) =>
      side(`${s.primaries} primar${s.primaries === 1 ? "y" : "ies"}`, s.samples),
    ) as [ReturnType<typeof side>, ReturnType<typeof side>, ReturnType<typeof side>];
    for (const s of [one, two, three]) process.stdout.write(`[scale-out] ${cpuLine(s.label, s.samples)}\n`);
    const others = probe.cpuPerMessageUs.filter((n) => !n.sender).map((n) => n.us);
    process.stdout.write(
      `[scale-out] PUBLISH on a ${SIZES[SIZES.length - 1]}-primary cluster: sender ${probe.cpuPerMessageUs.find((n) => n.sender)!.us} µs, ` +
        `every other node ${Math.min(...others)}–${Math.max(...others)} µs of CPU per message\n`,
    );
    const warnings: string[] = [];
    const busiest = Math.max(...sizes.flatMap((s) => s.samples.map((x) => Number(x.otherCores))));
    if (busiest > 0.25) warnings.push(`up to ${busiest} cores busy with other work during rounds`);
    if (!pinningAvailable()) warnings.push("no taskset: processes not pinned");
    return {
      unit: "calls/s",
      candidate: three,
      baseline: one,
      references: [two],
      extraRatios: {
        "2÷1": two.opsPerSec / one.opsPerSec,
        "3÷1": three.opsPerSec / one.opsPerSec,
        "2÷1 median": two.medianOpsPerSec / one.medianOpsPerSec,
        "3÷1 median": three.medianOpsPerSec / one.medianOpsPerSec,
      },
      warnings,
      details: {
        shards: SHARDS,
        callsPerRound: CALLS,
        rounds: ROUNDS,
        concurrency: CONCURRENCY,
        replicasPerPrimary: REPLICAS,
        aof: AOF ? "everysec" : "off",
        pinned: pinningAvailable() ? { redisServers: SERVER_CORE, client: LOAD_CORE } : false,
        loadAverageAtEnd: loadavg(),
        publishProbe: probe,
        cpu: "cores = CPU seconds per second of the round; per call = CPU µs over all calls of the round (/proc)",
      },
    };
  },
};

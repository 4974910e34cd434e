import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, isListening, log, spawnDaemon, STACK_DIR, stopPid, waitFor, which } from "./proc.js";
import { aofArgs, redisServerBinary } from "./redis.js";

export interface LocalCluster {
  nodes: { host: string; port: number }[];
  pids: number[];
  stop(): Promise<void>;
}

function cli(port: number, ...args: string[]): string {
  const r = spawnSync(which("redis-cli") ?? "redis-cli", ["-p", String(port), ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(" ")}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

export interface ClusterShape {
  /** Primaries, each owning an equal range of the 16384 slots (default 3). */
  primaries?: number;
  /** Replicas per primary (default 1). */
  replicas?: number;
}

/**
 * redis-server processes joined into a cluster, by default six (three primaries, one replica each), waiting
 * for cluster_state:ok on every node. Ports are given (the first `primaries` become the primaries) or
 * chosen by the OS.
 */
export async function startLocalCluster(
  opts: { ports?: number[]; name?: string } & ClusterShape = {},
): Promise<LocalCluster> {
  const shape = { primaries: opts.primaries ?? 3, replicas: opts.replicas ?? 1 };
  const count = shape.primaries * (1 + shape.replicas);
  if (shape.primaries < 1 || shape.replicas < 0)
    throw new Error(`a cluster needs at least one primary (asked ${shape.primaries}, ${shape.replicas} replicas each)`);
  if (opts.ports) {
    if (opts.ports.length !== count)
      throw new Error(
        `${count} ports needed for ${shape.primaries} primaries with ${shape.replicas} replicas each, ${opts.ports.length} given`,
      );
    return startOn(opts.ports, shape, opts.name);
  }
  // OS-chosen ports can be taken by another process before a node binds them: then once more, on new ones.
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
    try {
      return await startOn(ports, shape, opts.name);
    } catch (err) {
      if (attempt >= 3) throw err;
      log(
        `redis cluster on ports ${ports.join(",")} failed (${(err as Error).message.split("\n")[0]}); trying other ports`,
      );
    }
  }
}

/**
 * Joins fresh nodes by hand, for shapes `redis-cli --cluster create` refuses (it wants three primaries):
 * equal slot ranges to the primaries, MEET, then each replica follows its primary.
 */
function joinByHand(ports: number[], shape: Required<ClusterShape>): void {
  // A node learns its own address from a peer's MEET; a lone primary has none and would announce an empty one.
  for (const p of ports) cli(p, "config", "set", "cluster-announce-ip", "127.0.0.1");
  const primaries = ports.slice(0, shape.primaries);
  primaries.forEach((p, i) => {
    const from = Math.floor((16384 * i) / primaries.length);
    const to = Math.floor((16384 * (i + 1)) / primaries.length) - 1;
    cli(p, "cluster", "addslotsrange", String(from), String(to));
    // Distinct epochs, as --cluster create gives them, so no two nodes start out in a config-epoch collision.
    cli(p, "cluster", "set-config-epoch", String(i + 1));
  });
  for (const p of ports.slice(1)) cli(p, "cluster", "meet", "127.0.0.1", String(ports[0]));
}

async function followPrimaries(ports: number[], shape: Required<ClusterShape>): Promise<void> {
  const ids = ports.slice(0, shape.primaries).map((p) => cli(p, "cluster", "myid").trim());
  const replicas = ports.slice(shape.primaries);
  for (const [j, p] of replicas.entries()) {
    const primaryId = ids[Math.floor(j / shape.replicas)]!;
    // A node can follow a primary only once the gossip has told it that node exists.
    await waitFor(`node ${p} knows its primary`, async () => cli(p, "cluster", "nodes").includes(primaryId), 30_000);
    cli(p, "cluster", "replicate", primaryId);
  }
}

/**
 * One node's view of the cluster, as a string two nodes share when they agree: each node's role, its primary
 * and its slots (links and ping times left out). A replica a primary does not know of yet shows as absent.
 */
function topologyView(port: number): string {
  return cli(port, "cluster", "nodes")
    .trim()
    .split("\n")
    .map((line) => {
      const [id, , flags, primary, , , , , ...slots] = line.split(" ");
      const role = flags!.split(",").find((f) => f === "master" || f === "slave") ?? flags;
      return `${id} ${role} ${primary} ${slots.join(" ")}`;
    })
    .sort()
    .join("\n");
}

/** redis-server's arguments for a cluster node on `port` keeping its files in `dir`. */
export function clusterNodeArgs(port: number, dir: string): string[] {
  return [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    join(dir, "nodes.conf"),
    "--cluster-node-timeout",
    "2000",
    // While one primary fails over, the other primaries' slots keep serving (the default stops them all).
    "--cluster-require-full-coverage",
    "no",
    ...aofArgs(dir),
    // A replica's first sync starts at once instead of after the default 5 s diskless-sync delay.
    "--repl-diskless-sync-delay",
    "0",
  ];
}

async function startOn(ports: number[], shape: Required<ClusterShape>, givenName?: string): Promise<LocalCluster> {
  const name = givenName ?? `cluster-${ports[0]}`;
  const server = redisServerBinary();
  const pids: number[] = [];
  for (const port of ports) {
    if (await isListening(port)) throw new Error(`port ${port} is taken; cannot start a cluster node there`);
    const dir = join(STACK_DIR, name, String(port));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    pids.push(spawnDaemon(`${name}-${port}`, server, clusterNodeArgs(port, dir)));
  }
  const stop = async () => {
    await Promise.all(pids.map((p) => stopPid(p, 2000)));
    rmSync(join(STACK_DIR, name), { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitFor(`cluster node ${port}`, () => isListening(port), 10_000);
    const byHand = shape.primaries < 3;
    if (byHand) joinByHand(ports, shape);
    else
      cli(
        ports[0]!,
        "--cluster",
        "create",
        ...ports.map((p) => `127.0.0.1:${p}`),
        "--cluster-replicas",
        String(shape.replicas),
        "--cluster-yes",
      );
    await waitFor(
      "cluster_state:ok",
      async () => ports.every((p) => cli(p, "cluster", "info").includes("cluster_state:ok")),
      30_000,
    );
    if (byHand) await followPrimaries(ports, shape);
    // Up means replicated too: a replica still waiting for its first sync acknowledges nothing (WAIT 0).
    await waitFor(
      "every replica in sync",
      async () =>
        ports.every((p) => {
          const info = cli(p, "info", "replication");
          return info.includes("role:master") || info.includes("master_link_status:up");
        }),
      30_000,
    );
    // Up means agreed too: a primary that has not yet heard of its replica sends it none of its shard's
    // SPUBLISH messages, and a node with an old view answers CLUSTER SLOTS with it.
    await waitFor("every node agrees on the topology", async () => new Set(ports.map(topologyView)).size === 1, 30_000);
    log(`redis cluster up on ports ${ports.join(",")}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: ports.map((port) => ({ host: "127.0.0.1", port })), pids, stop };
}

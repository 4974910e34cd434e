import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, isListening, log, spawnDaemon, STACK_DIR, stopPid, waitFor, which } from "./proc.js";
import { redisServerBinary } from "./redis.js";

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

/**
 * Six redis-server processes (three primaries, one replica each) joined into a cluster, waiting for
 * cluster_state:ok on every node. Ports are given or chosen by the OS.
 */
export async function startLocalCluster(opts: { ports?: number[]; name?: string } = {}): Promise<LocalCluster> {
  if (opts.ports) return startOn(opts.ports, opts.name);
  // OS-chosen ports can be taken by another process before a node binds them: then once more, on new ones.
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
    try {
      return await startOn(ports, opts.name);
    } catch (err) {
      if (attempt >= 3) throw err;
      log(`redis cluster on ports ${ports.join(",")} failed (${(err as Error).message.split("\n")[0]}); trying other ports`);
    }
  }
}

async function startOn(ports: number[], givenName?: string): Promise<LocalCluster> {
  const name = givenName ?? `cluster-${ports[0]}`;
  const server = redisServerBinary();
  const pids: number[] = [];
  for (const port of ports) {
    if (await isListening(port)) throw new Error(`port ${port} is taken; cannot start a cluster node there`);
    const dir = join(STACK_DIR, name, String(port));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    pids.push(
      spawnDaemon(`${name}-${port}`, server, [
        "--port", String(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
        "--cluster-config-file", join(dir, "nodes.conf"), "--cluster-node-timeout", "2000",
        // While one primary fails over, the other primaries' slots keep serving (the default stops them all).
        "--cluster-require-full-coverage", "no",
        // AOF (fsync every second): a node that restarts comes back with its data, as production Redis should.
        "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir,
        // A replica's first sync starts at once instead of after the default 5 s diskless-sync delay.
        "--repl-diskless-sync-delay", "0",
      ]),
    );
  }
  const stop = async () => {
    await Promise.all(pids.map((p) => stopPid(p, 2000)));
    rmSync(join(STACK_DIR, name), { recursive: true, force: true });
  };
  try {
    for (const port of ports) await waitFor(`cluster node ${port}`, () => isListening(port), 10_000);
    cli(ports[0]!, "--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes");
    await waitFor(
      "cluster_state:ok",
      async () => ports.every((p) => cli(p, "cluster", "info").includes("cluster_state:ok")),
      30_000,
    );
    // Up means replicated too: a replica still waiting for its first sync acknowledges nothing (WAIT 0).
    await waitFor(
      "every replica in sync",
      async () => ports.every((p) => {
        const info = cli(p, "info", "replication");
        return info.includes("role:master") || info.includes("master_link_status:up");
      }),
      30_000,
    );
    log(`redis cluster up on ports ${ports.join(",")}`);
  } catch (err) {
    await stop();
    throw err;
  }
  return { nodes: ports.map((port) => ({ host: "127.0.0.1", port })), pids, stop };
}

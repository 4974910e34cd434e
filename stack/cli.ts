import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log, ROOT, STACK_DIR, stopPid } from "./proc.js";
import { redis } from "./redis.js";
import { mariadb } from "./mariadb.js";
import { rocketmq } from "./rocketmq.js";
import { startLocalCluster } from "./redis-cluster.js";
import type { Service } from "./service.js";

const SERVICES: Service[] = [redis, mariadb, rocketmq];
const STATE_FILE = join(STACK_DIR, "state.json");
/** Fixed ports of the cluster `stack:up -- --cluster` starts (config/cluster.json points at them). */
const CLUSTER_PORTS = [7000, 7001, 7002, 7003, 7004, 7005];

type State = Record<string, number[]>;

function readState(): State {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, "utf8")) as State) : {};
}
function writeState(s: State): void {
  mkdirSync(STACK_DIR, { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(s, null, 2));
}

async function up(withCluster: boolean): Promise<State> {
  const started: State = {};
  const state = readState();
  for (const svc of SERVICES) {
    const pids = await svc.up();
    if (pids.length) started[svc.name] = pids;
    if (pids.length) state[svc.name] = [...(state[svc.name] ?? []), ...pids];
    writeState(state);
  }
  if (withCluster && !state["redis-cluster"]) {
    const c = await startLocalCluster({ ports: CLUSTER_PORTS, name: "redis-cluster" });
    started["redis-cluster"] = c.pids;
    state["redis-cluster"] = c.pids;
    writeState(state);
  }
  return started;
}

async function down(only?: State): Promise<void> {
  const state = readState();
  const target = only ?? state;
  for (const name of Object.keys(target).reverse()) {
    for (const pid of [...(target[name] ?? [])].reverse()) await stopPid(pid);
    log(`${name}: stopped`);
    delete state[name];
  }
  writeState(state);
}

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === "up") {
    await up(rest.includes("--cluster"));
    log("stack is up");
  } else if (cmd === "down") {
    await down();
  } else if (cmd === "test-env") {
    // Brings up whatever is missing, runs the command, then stops only what this invocation started.
    const sep = rest.indexOf("--");
    const command = sep >= 0 ? rest.slice(sep + 1) : rest;
    const started = await up(false);
    const code = await new Promise<number>((done) => {
      const child = spawn(command[0]!, command.slice(1), { stdio: "inherit", cwd: ROOT, shell: false,
        env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` } });
      child.on("exit", (c, sig) => done(c ?? (sig ? 1 : 0)));
    });
    await down(started);
    process.exit(code);
  } else {
    process.stderr.write("usage: tsx stack/cli.ts up [--cluster] | down | test-env -- <command...>\n");
    process.exit(2);
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

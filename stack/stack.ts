import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { log, STACK_DIR, stopPid } from "./proc.js";
import { redis } from "./redis.js";
import { mariadb } from "./mariadb.js";
import { rocketmq } from "./rocketmq.js";
import { startLocalCluster } from "./redis-cluster.js";
import type { Service } from "./service.js";
import { loadConfig } from "../src/config/load.js";
import { migrate } from "../src/persistence/migrate.js";

const SERVICES: Service[] = [redis, mariadb, rocketmq];
const STATE_FILE = join(STACK_DIR, "state.json");
/** Fixed ports of the cluster `stack:up -- --cluster` starts (config/cluster.json points at them). */
const CLUSTER_PORTS = [7000, 7001, 7002, 7003, 7004, 7005];

export type State = Record<string, number[]>;

function readState(): State {
  return existsSync(STATE_FILE) ? (JSON.parse(readFileSync(STATE_FILE, "utf8")) as State) : {};
}
function writeState(s: State): void {
  mkdirSync(STACK_DIR, { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(s, null, 2));
}

/** Brings up every service (reusing what listens); returns what this call started. */
export async function up(withCluster: boolean): Promise<State> {
  const started: State = {};
  const state = readState();
  for (const svc of SERVICES) {
    const pids = await svc.up();
    if (pids.length) started[svc.name] = pids;
    if (pids.length) state[svc.name] = [...(state[svc.name] ?? []), ...pids];
    writeState(state);
  }
  // The default shard databases and tables, so `npm start` finds them (the gateway migrates at start too).
  const shards = await migrate(loadConfig().mysql);
  log(`mysql: ${shards.map((m) => `${m.database} (${m.createdTables.length} tables created)`).join(", ")}`);
  if (withCluster && !state["redis-cluster"]) {
    const c = await startLocalCluster({ ports: CLUSTER_PORTS, name: "redis-cluster" });
    started["redis-cluster"] = c.pids;
    state["redis-cluster"] = c.pids;
    writeState(state);
  }
  return started;
}

/** Stops what `up` started: all of it, or only the given part. */
export async function down(only?: State): Promise<void> {
  const state = readState();
  const target = only ?? state;
  for (const name of Object.keys(target).reverse()) {
    for (const pid of [...(target[name] ?? [])].reverse()) await stopPid(pid);
    log(`${name}: stopped`);
    delete state[name];
  }
  writeState(state);
}

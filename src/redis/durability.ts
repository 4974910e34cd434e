import type { Redis } from "ioredis";
import type { RedisClient } from "./scripts.js";

/** What keeps one primary's writes if it dies or restarts. */
export interface NodeDurability {
  node: string;
  replicas: number;
  aof: boolean;
  /** RDB snapshots configured (CONFIG save); they lose the writes since the last snapshot. */
  snapshots: boolean;
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
}

async function nodeDurability(node: Redis, name: string): Promise<NodeDurability> {
  const [replication, persistence] = await Promise.all([node.info("replication"), node.info("persistence")]);
  const save = await node.config("GET", "save").catch(() => ["save", ""]);
  return {
    node: name,
    replicas: Number(field(replication, "connected_slaves") ?? 0),
    aof: field(persistence, "aof_enabled") === "1",
    snapshots: String((save as string[])[1] ?? "").trim() !== "",
  };
}

/** Every primary's replicas and persistence (standalone: the one server). */
export async function redisDurability(client: RedisClient): Promise<NodeDurability[]> {
  if ("nodes" in client && typeof client.nodes === "function") {
    return Promise.all(client.nodes("master").map((n) => nodeDurability(n, `${n.options.host}:${n.options.port}`)));
  }
  const r = client as Redis;
  return [await nodeDurability(r, `${r.options.host}:${r.options.port}`)];
}

/**
 * A warning for primaries that keep nothing if they die (no replica) and nothing if they restart (no AOF):
 * on such a Redis an accepted reservation can vanish. Null when every primary has one or the other.
 */
export function durabilityWarning(nodes: NodeDurability[]): string | null {
  const bare = nodes.filter((n) => n.replicas === 0 && !n.aof);
  if (bare.length === 0) return null;
  return (
    `Redis ${bare.map((n) => n.node).join(", ")} has neither replicas nor AOF persistence${bare.some((n) => n.snapshots) ? " (RDB snapshots only)" : ""}: ` +
    "a crash or restart loses reservations already answered 202; run Redis with replicas (redis.mode cluster) or appendonly yes"
  );
}

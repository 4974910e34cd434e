import { Cluster, Redis } from "ioredis";
import type { Config } from "../config/schema.js";
import { defineScripts, type RedisClient } from "./scripts.js";

export type { RedisClient } from "./scripts.js";

/** How often a sharded subscriber re-reads the cluster's slot table (one CLUSTER SLOTS per gateway). */
const SUBSCRIBER_SLOTS_REFRESH_MS = 2000;

/** The node ("host:port") serving a slot in the cluster client's current table; null for a standalone client. */
export function slotOwner(client: RedisClient): ((slot: number) => string | undefined) | null {
  if (!(client instanceof Cluster)) return null;
  return (slot) => client.slots[slot]?.[0];
}

/** A standalone or cluster client per config, with the gateway's scripts defined on it. */
export function createRedis(
  cfg: Config["redis"],
  opts: { lazyConnect?: boolean; shardedSubscribers?: boolean } = {},
): RedisClient {
  const common = {
    commandTimeout: cfg.commandTimeoutMs,
    maxRetriesPerRequest: 2,
    enableAutoPipelining: false,
    lazyConnect: opts.lazyConnect ?? false,
  };
  const client: RedisClient =
    cfg.mode === "cluster"
      ? new Cluster(
          cfg.nodes.map((n) => {
            const [host, port] = n.split(":");
            return { host: host!, port: Number(port) };
          }),
          {
            redisOptions: common,
            scaleReads: "master",
            slotsRefreshTimeout: 2000,
            enableAutoPipelining: false,
            // SSUBSCRIBE needs a subscriber per primary, resubscribed by the client when its slot table changes.
            // A subscriber sends nothing that could meet a MOVED, and a demoted primary drops its subscribers
            // without closing them: only a periodic refresh tells it that slots moved.
            ...(opts.shardedSubscribers
              ? { shardedSubscribers: true, slotsRefreshInterval: SUBSCRIBER_SLOTS_REFRESH_MS }
              : {}),
            // Empty map: every node is dialled at the address the cluster announces.
            ...(Object.keys(cfg.natMap).length > 0 ? { natMap: cfg.natMap } : {}),
          },
        )
      : new Redis(cfg.url, common);
  defineScripts(client);
  // ioredis emits connection errors as events; without a listener they would crash the process.
  client.on("error", () => {});
  return client;
}

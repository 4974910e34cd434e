import type { Config } from "../../src/config/schema.js";
import { startLocalCluster, type LocalCluster } from "../../stack/redis-cluster.js";

/**
 * A six-node Redis Cluster of the calling file's own, and `cfg` pointed at it. For a file that freezes a
 * cluster's replicas (SIGSTOP) or promotes them: on the shared cluster, another file running at the same time
 * thaws them mid-test or finds them frozen (two files run at once). Stop it in afterAll.
 */
export async function ownCluster<T extends { redis: Config["redis"] }>(
  cfg: T,
  name: string,
): Promise<{ cfg: T; cluster: LocalCluster }> {
  const cluster = await startLocalCluster({ name: `${name}-${process.pid}` });
  const nodes = cluster.nodes.map((n) => `${n.host}:${n.port}`);
  return { cfg: { ...cfg, redis: { ...cfg.redis, mode: "cluster", nodes } }, cluster };
}

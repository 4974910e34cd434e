import type { TestProject } from "vitest/node";
import { startLocalCluster, type LocalCluster } from "../../stack/redis-cluster.js";

declare module "vitest" {
  export interface ProvidedContext {
    redisClusterNodes: string[];
  }
}

let cluster: LocalCluster | undefined;

/** A six-node Redis Cluster on OS-chosen ports for the whole run, stopped at the end. */
export async function setup(project: TestProject): Promise<void> {
  cluster = await startLocalCluster({ name: `test-cluster-${process.pid}` });
  project.provide(
    "redisClusterNodes",
    cluster.nodes.map((n) => `${n.host}:${n.port}`),
  );
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}

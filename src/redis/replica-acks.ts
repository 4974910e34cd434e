import type { Cluster, Redis } from "ioredis";
import type { RedisClient } from "./scripts.js";
import { keySlot } from "./key-slot.js";

/**
 * "Acknowledged means replicated": after writes and before they are acknowledged (the commit and the 202),
 * WAIT until each primary that took one has passed it to `minAcks` replicas, one WAIT per primary however
 * many writes it took. WAIT covers every earlier write of the connection it runs on, and ioredis sends all
 * of a node's commands over one connection, so it is sent on that node's own connection.
 */
export class ReplicaAcks {
  readonly stats = { waits: 0, shortfalls: 0 };

  constructor(
    private readonly client: RedisClient,
    readonly minAcks: number,
    private readonly timeoutMs: number,
  ) {}

  get enabled(): boolean {
    return this.minAcks > 0;
  }

  /** True when every primary holding one of `keys` has `minAcks` replicas' acknowledgement (or acks are off). */
  async replicated(keys: Iterable<string>): Promise<boolean> {
    if (!this.enabled) return true;
    const nodes = this.nodesOf(keys);
    if (!nodes) {
      this.stats.shortfalls++;
      return false;
    }
    const acked = await Promise.all(
      [...nodes].map(async (node) => {
        this.stats.waits++;
        const n = (await node.call("WAIT", this.minAcks, this.timeoutMs)) as number;
        return n >= this.minAcks;
      }),
    );
    const ok = acked.every(Boolean);
    if (!ok) this.stats.shortfalls++;
    return ok;
  }

  /** The primaries holding `keys`; null when one of them is unknown right now. */
  private nodesOf(keys: Iterable<string>): Set<Redis> | null {
    const client = this.client;
    if (!isCluster(client)) return new Set([client]);
    const masters = new Map(client.nodes("master").map((n) => [`${n.options.host}:${n.options.port}`, n]));
    const out = new Set<Redis>();
    for (const key of keys) {
      const owner = client.slots[keySlot(key)]?.[0];
      const node = owner ? masters.get(owner) : undefined;
      // A slot whose owner is unknown right now (a failover in progress, its connection just lost) cannot be
      // vouched for: not acknowledged, an unknown outcome (503, retry with the same key), never a crash (500).
      if (!node) return null;
      out.add(node);
    }
    return out;
  }
}

function isCluster(c: RedisClient): c is Cluster {
  return "nodes" in c && typeof (c as Cluster).nodes === "function" && Array.isArray((c as Cluster).slots);
}

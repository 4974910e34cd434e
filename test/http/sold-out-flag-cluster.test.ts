import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { waitFor } from "../../stack/proc.js";
import { startLocalCluster, type LocalCluster } from "../../stack/redis-cluster.js";
import { pool, rid, startGateway, testConfig, type Api } from "../helpers/env.js";

interface Node {
  id: string;
  port: number;
  master: boolean;
  masterId: string | null;
  slots: [number, number][];
}

/** One command on one node over a short-lived connection. */
async function ask(port: number, ...args: string[]): Promise<string> {
  const c = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  c.on("error", () => {});
  try {
    await c.connect();
    return String(await c.call(args[0]!, ...args.slice(1)));
  } finally {
    c.disconnect();
  }
}

/**
 * A manual failover of the replica on `port`, waited for in its own view. Under a loaded machine the primary and
 * replica may not finish the hand-over within Redis's 5 s manual-failover limit, which aborts it: then the
 * replica takes the slots over without the primary's agreement (TAKEOVER), as an operator would.
 */
async function promote(port: number): Promise<void> {
  const promoted = async () => (await ask(port, "ROLE")).startsWith("master");
  expect(await ask(port, "CLUSTER", "FAILOVER")).toBe("OK");
  try {
    await waitFor("the replica promoted by CLUSTER FAILOVER", promoted, 10_000, 100);
  } catch {
    expect(await ask(port, "CLUSTER", "FAILOVER", "TAKEOVER")).toBe("OK");
    await waitFor("the replica promoted by CLUSTER FAILOVER TAKEOVER", promoted, 20_000, 100);
  }
}

async function topology(port: number): Promise<Node[]> {
  return (await ask(port, "CLUSTER", "NODES"))
    .trim()
    .split("\n")
    .map((line) => {
      const [id, addr, flags, master, , , , , ...slots] = line.split(" ");
      return {
        id: id!,
        port: Number(/:(\d+)@/.exec(addr!)![1]),
        master: flags!.split(",").includes("master"),
        masterId: master === "-" ? null : master!,
        slots: slots
          .filter((s) => !s.startsWith("["))
          .map((s) => {
            const [a, b] = s.split("-").map(Number);
            return [a!, b ?? a!] as [number, number];
          }),
      };
    });
}

/** Pub/sub messages each node received over the cluster bus: broadcast (PUBLISH) and per shard (SPUBLISH). */
async function busMessages(ports: number[]): Promise<Map<number, { publish: number; shard: number }>> {
  const out = new Map<number, { publish: number; shard: number }>();
  for (const p of ports) {
    const info = await ask(p, "CLUSTER", "INFO");
    const n = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, "m").exec(info)?.[1] ?? 0);
    out.set(p, {
      publish: n("cluster_stats_messages_publish_received"),
      shard: n("cluster_stats_messages_publishshard_received"),
    });
  }
  return out;
}

/**
 * The sold-out flag's messages on a Redis Cluster of this file's own (its bus counters must see this test's
 * messages only, and a failover must not disturb other files): they travel by sharded pub/sub, so a flag set
 * or cleared on one gateway reaches another, and the messages reach only the sale's shard's primary and its
 * replicas, never the other nodes as a PUBLISH did; after a failover the subscriptions follow the slot.
 */
describe("sold-out flag on a Redis Cluster: sharded pub/sub", () => {
  const name = `soldout-cluster-${process.pid}-${rid(2)}`;
  let cluster: LocalCluster;
  let ports: number[];
  let a: { gw: GatewayProcess; api: Api };
  let b: { gw: GatewayProcess; api: Api };

  beforeAll(async () => {
    cluster = await startLocalCluster({ name });
    ports = cluster.nodes.map((n) => n.port);
    const cfg: Config = testConfig("cluster", {
      redis: { nodes: cluster.nodes.map((n) => `${n.host}:${n.port}`) },
      soldOut: { ttlMs: 60_000 },
      sales: { metaCacheMs: 60_000 },
    });
    a = await startGateway(cfg);
    b = await startGateway(cfg);
  }, 120_000);
  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
    await cluster?.stop();
  });

  it("accepted tokens and returned stock reach the other gateway; only the sale's shard's nodes see them, and after a failover too", async () => {
    const saleId = `sc${rid()}`;
    // One stock shard: every message of the sale's stock lives on that shard's slot.
    expect((await a.api.putSale(saleId, { stock: 3, perUserLimit: 1, shards: 1 })).status).toBe(201);
    const slot = keySlot(`{${saleId}:0}`);
    // The replicas attach a moment after the cluster answers: wait until the slot's primary has its replica.
    const ownerOf = (ns: Node[]) => ns.find((n) => n.master && n.slots.some(([x, y]) => slot >= x && slot <= y));
    let nodes: Node[] = [];
    await waitFor(
      "the slot's primary with its replica",
      async () => {
        nodes = await topology(ports[0]!);
        const owner = ownerOf(nodes);
        return owner !== undefined && nodes.some((n) => n.masterId === owner.id);
      },
      30_000,
      100,
    );
    const primary = ownerOf(nodes)!;
    const shardNodes = new Set([primary.port, ...nodes.filter((n) => n.masterId === primary.id).map((n) => n.port)]);
    const others = ports.filter((p) => !shardNodes.has(p));
    expect(others.length).toBeGreaterThanOrEqual(4);
    // Gateway b knows the sale (and so listens to it) before gateway a sells.
    expect((await b.api.call("GET", `/v1/sales/${saleId}`)).status).toBe(200);

    const bus0 = await busMessages(ports);
    const users = Array.from({ length: 5 }, (_, i) => `u${i}-${rid(2)}`);
    const tokens = await pool(users, 5, (u) => a.api.token(saleId, u));
    const first = await pool(users, 5, (u, i) => a.api.order(saleId, u, tokens[i]!));
    const accepted = first.flatMap((r, i) => (r.status === 202 ? [i] : []));
    expect(accepted).toHaveLength(3);
    // Gateway b heard every accepted token from a's reservations (their replays must pass its flag).
    await waitFor(
      "b heard the accepted tokens",
      async () => accepted.every((i) => b.gw.soldOut.wasAccepted(saleId, tokens[i]!)),
      10_000,
      20,
    );
    // b's own SOLD_OUT sets its flag; a release on a (stock back) clears it.
    const late = `late-${rid(2)}`;
    expect((await b.api.order(saleId, late, await b.api.token(saleId, late).catch(() => "x".repeat(32)))).status).toBe(
      409,
    );
    expect(b.gw.soldOut.isSoldOut(saleId)).toBe(true);
    const orderId = first[accepted[0]!]!.body.orderId as string;
    expect(await a.gw.reservations.release(saleId, 0, orderId)).toEqual({ kind: "released", quantity: 1 });
    await waitFor("b's flag cleared by the release", async () => !b.gw.soldOut.isSoldOut(saleId), 10_000, 20);

    // The bus: 3 accepted + 1 returned messages reached the shard's replicas, and no other node. b may hear the
    // last one from the primary before the cluster bus has brought it to a replica: wait for the replicas.
    let bus1 = await busMessages(ports);
    const replicas = [...shardNodes].filter((p) => p !== primary.port);
    await waitFor(
      "the shard's replicas got every message",
      async () => {
        bus1 = await busMessages(ports);
        return replicas.every((p) => bus1.get(p)!.shard - bus0.get(p)!.shard >= 4);
      },
      10_000,
      50,
    ).catch(() => undefined);
    const delta = (p: number) => ({
      publish: bus1.get(p)!.publish - bus0.get(p)!.publish,
      shard: bus1.get(p)!.shard - bus0.get(p)!.shard,
    });
    expect(others.map((p) => [p, delta(p)])).toEqual(others.map((p) => [p, { publish: 0, shard: 0 }]));
    for (const p of shardNodes) if (p !== primary.port) expect(delta(p).shard).toBeGreaterThanOrEqual(4);
    // Both gateways listen on the shard's channels, at its primary.
    const returned = a.gw.keys.shard(saleId, 0).returned;
    expect((await ask(primary.port, "PUBSUB", "SHARDNUMSUB", returned)).split(",")).toEqual([returned, "2"]);

    // A failover: the replica takes the slot; both gateways' subscriptions follow it.
    const replica = nodes.find((n) => n.masterId === primary.id)!;
    await promote(replica.port);
    const subscribers = async () =>
      (await ask(replica.port, "PUBSUB", "SHARDNUMSUB", returned).catch(() => "")).split(",")[1];
    await waitFor(
      "both gateways subscribed at the promoted primary",
      async () => (await subscribers()) === "2",
      30_000,
      100,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await subscribers()} subscriber(s) of ${returned} at the promoted primary`);
    });
    const buyer = `after-${rid(2)}`;
    const token = await a.api.token(saleId, buyer);
    // The first calls after the promotion may meet the old primary (503, retried with the same key).
    let again = await a.api.order(saleId, buyer, token);
    for (let i = 0; again.status === 503 && i < 50; i++) again = await a.api.order(saleId, buyer, token);
    expect(again.status).toBe(202);
    await waitFor(
      "b heard the token accepted after the failover",
      async () => b.gw.soldOut.wasAccepted(saleId, token),
      10_000,
      20,
    );
    const late2 = `late2-${rid(2)}`;
    expect(
      (await b.api.order(saleId, late2, await b.api.token(saleId, late2).catch(() => "x".repeat(32)))).status,
    ).toBe(409);
    expect(b.gw.soldOut.isSoldOut(saleId)).toBe(true);
    expect(await a.gw.reservations.release(saleId, 0, again.body.orderId as string)).toEqual({
      kind: "released",
      quantity: 1,
    });
    await waitFor(
      "b's flag cleared by a release after the failover",
      async () => !b.gw.soldOut.isSoldOut(saleId),
      10_000,
      20,
    );
  }, 180_000);
});

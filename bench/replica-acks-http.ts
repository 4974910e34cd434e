import mysql from "mysql2/promise";
import { ensureGatewayTopics } from "../stack/rocketmq.js";
import { startLocalCluster, type LocalCluster } from "../stack/redis-cluster.js";
import { down, up, type State } from "../stack/stack.js";
import type { Config } from "../src/config/schema.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import { ApiClient, expectStatus } from "../support/api-client.js";
import type { FloodJob, FloodResult, PrepareJob } from "./clients/flood.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, durableBenchEnv, rid, rootConnection } from "./lib/config.js";
import {
  ask,
  compiledScript,
  cpuSeconds,
  LOAD_CORE,
  pinningAvailable,
  SERVER_CORE,
  TsChild,
  within,
} from "./lib/proc.js";
import { checkRows, drainedRows, unitsIn } from "./lib/sale-rows.js";
import { median } from "./lib/stats.js";

/**
 * What "acknowledged means replicated" costs a buyer over HTTP: the same flood through two gateways
 * (bench/servers/app-server.ts, pinned to the server core) on one six-node Redis Cluster of our own (three
 * primaries with a replica each, AOF), identical but for redis.minReplicaAcks, 1 (a WAIT per primary and
 * group before the commit and the 202s) against 0. Each gateway has its own MySQL databases, topics,
 * groups and key prefix; one load process on the load core (bench/clients/flood.ts) plays the crowd.
 *
 * A round is one sale per side with twice as much stock as buyers (it never sells out, so every attempt is
 * on the selling path), each buyer one attempt with a pre-issued token, CONNECTIONS connections in a closed
 * loop. Accepted orders/s = 202s ÷ the whole flood; p50/p99 are of the 202s. Sides alternate (on off, off
 * on, ...) after an untimed warm-up sale on each; a side's best round is its figure. Every round is audited
 * after MySQL drained (every 202 a row and every row a 202, no duplicate, buyer limit, Redis drift 0) and a
 * broken invariant fails the benchmark.
 *
 * Knobs: BENCH_ROUNDS (3), BENCH_ACKS_HTTP_BUYERS (6000), BENCH_ACKS_HTTP_CONNECTIONS (96).
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const BUYERS = Number(process.env.BENCH_ACKS_HTTP_BUYERS ?? 6000);
const CONNECTIONS = Number(process.env.BENCH_ACKS_HTTP_CONNECTIONS ?? 96);
const WARMUP_BUYERS = 3000;
const SHARDS = 8;
const DRAIN_TIMEOUT_MS = 30_000;
const FLOOD_TIMEOUT_MS = 120_000;

interface Gateway {
  label: string;
  minReplicaAcks: number;
  child: TsChild;
  port: number;
  api: ApiClient;
  shards: MysqlShards;
}

/** One sale through one gateway: tokens (untimed), the flood, the audit once MySQL has every order. */
async function round(
  gw: Gateway,
  load: TsChild,
  buyers: number,
  tag: string,
): Promise<{ sample: Sample; invariants: Record<string, boolean> }> {
  const saleId = `acks-${rid()}`;
  expectStatus(
    `replica-acks-http ${gw.label}: create sale`,
    await gw.api.putSale(saleId, { stock: 2 * buyers, perUserLimit: 1, shards: SHARDS }),
    201,
  );
  await ask(
    load,
    {
      cmd: "prepare",
      port: gw.port,
      saleId,
      userPrefix: `${tag}-`,
      buyers,
      tokens: "http",
      tokenConnections: 64,
    } satisfies PrepareJob,
    FLOOD_TIMEOUT_MS,
  );
  await ask(gw.child, { cmd: "reset" });
  const cpu0 = cpuSeconds(gw.child.pid);
  // The first answer is flood.ts's {"phase"} line (it marks a sell-out, which this sale never has).
  await ask(load, { cmd: "flood", port: gw.port, connections: CONNECTIONS } satisfies FloodJob, FLOOD_TIMEOUT_MS);
  const r = await within(load.next<FloodResult & { error?: string }>(), FLOOD_TIMEOUT_MS, "flood");
  if (r.error) throw new Error(r.error);
  const serverCpu = cpuSeconds(gw.child.pid) - cpu0;

  const { rows, drainMs } = await drainedRows(gw.shards, saleId, r.accepted.length, DRAIN_TIMEOUT_MS);
  const stats = (await gw.api.stats(saleId)).body;
  const steps = await ask<{ steps: Record<string, unknown> }>(gw.child, { cmd: "stats" });
  const invariants = checkRows(`replica-acks-http ${gw.label}`, r, rows, buyers, {
    unitsEqualAccepted: unitsIn(rows) === r.accepted.length,
    notSoldOut: stats?.redisRemaining > 0,
    noDrift: stats?.drift === 0,
  });
  const seconds = r.totalMs / 1000;
  return {
    invariants,
    sample: {
      opsPerSec: r.accepted.length / seconds,
      ops: r.accepted.length,
      seconds,
      latencyMs: r.latencyMs.accepted,
      serverBusy: serverCpu / seconds,
      serverCpuUsPerOrder: Math.round((serverCpu * 1e6) / Math.max(1, r.accepted.length)),
      answers: r.answers,
      drainAfterFloodMs: drainMs,
      gatewaySteps: steps.steps,
    },
  };
}

/**
 * One gateway per side on the cluster, pinned to the server core; each child and gateway is added to the
 * caller's lists as soon as it exists, so the clean-up stops it even when a later one fails to start.
 */
async function startGateways(
  sides: { minReplicaAcks: number; env: Record<string, string> }[],
  nodes: string,
  auth: Config["auth"],
  children: TsChild[],
  gateways: Gateway[],
): Promise<void> {
  for (const s of sides) {
    const env = {
      ...s.env,
      FLASHSALE__REDIS__MODE: "cluster",
      FLASHSALE__REDIS__NODES: nodes,
      FLASHSALE__REDIS__MINREPLICAACKS: String(s.minReplicaAcks),
    };
    const child = new TsChild(compiledScript("bench/servers/app-server.ts"), { core: SERVER_CORE, env });
    children.push(child);
    const { port, opsPort } = await within(child.next<{ port: number; opsPort: number }>(), 60_000, "gateway start");
    const label = `minReplicaAcks ${s.minReplicaAcks}`;
    gateways.push({
      label,
      minReplicaAcks: s.minReplicaAcks,
      child,
      port,
      api: new ApiClient(`http://127.0.0.1:${port}`, auth, `http://127.0.0.1:${opsPort}`),
      shards: new MysqlShards(benchConfig(env).mysql),
    });
  }
}

/** An untimed warm-up on each side, then ROUNDS rounds with the sides alternating; samples per side. */
async function alternateRounds(
  gateways: Gateway[],
  load: TsChild,
): Promise<{ samples: Sample[][]; invariants: Record<string, Record<string, boolean>> }> {
  // Untimed warm-up: the JIT, pools, cluster slot maps, RocketMQ routes; audited already.
  for (const gw of gateways) await round(gw, load, WARMUP_BUYERS, `w${gw.minReplicaAcks}`);
  const samples: Sample[][] = gateways.map(() => []);
  const invariants: Record<string, Record<string, boolean>> = {};
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which side goes first, so a neighbour's drift over the run falls on both alike.
    const order = i % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) {
      const g = await round(gateways[k]!, load, BUYERS, `r${i}`);
      samples[k]!.push(g.sample);
      invariants[gateways[k]!.label] = g.invariants;
    }
  }
  return { samples, invariants };
}

/** The shared-machine caveat, and any side that answered something other than 202. */
function warningsFor(gateways: Gateway[], on: Sample[], off: Sample[]): string[] {
  const warnings = [
    `a shared 2-core machine: the gateways, the six redis-servers, RocketMQ, MariaDB and the load share it with other sessions' tests; figures are noisy`,
  ];
  for (const [k, ss] of [on, off].entries()) {
    const not202 = ss.flatMap((s) => Object.entries(s.answers as Record<string, number>).filter(([a]) => a !== "202"));
    if (not202.length > 0) warnings.push(`${gateways[k]!.label}: answers other than 202: ${JSON.stringify(not202)}`);
  }
  return warnings;
}

export const replicaAcksHttp: Benchmark = {
  name: "replica-acks-http",
  description:
    "accepted orders/s over HTTP through a gateway on a 3-primary Redis Cluster with redis.minReplicaAcks 1 ÷ the same gateway with 0",
  target: 0.7,
  async run() {
    const started: State = await up(false);
    const sides = [1, 0].map((minReplicaAcks) => ({ minReplicaAcks, ...durableBenchEnv(rid(3)) }));
    const cfg = benchConfig(sides[0]!.env);
    const root = await mysql.createConnection(rootConnection(cfg));
    const children: TsChild[] = [];
    const gateways: Gateway[] = [];
    // The cluster starts while the topics are created; the clean-up waits for it even when a topic fails.
    const clusterUp: Promise<LocalCluster> = startLocalCluster({ name: `bench-acks-http-${rid()}` });
    try {
      const [cluster] = await Promise.all([clusterUp, ...sides.map((s) => ensureGatewayTopics(s.topics))]);
      const nodes = JSON.stringify(cluster.nodes.map((n) => `${n.host}:${n.port}`));
      await startGateways(sides, nodes, cfg.auth, children, gateways);
      const load = new TsChild(compiledScript("bench/clients/flood.ts"), { core: LOAD_CORE, env: sides[0]!.env });
      children.push(load);

      const { samples, invariants } = await alternateRounds(gateways, load);
      const [on, off] = samples as [Sample[], Sample[]];
      const p = (ss: Sample[], q: "p50" | "p99") => median(ss.map((s) => s.latencyMs[q]));
      return {
        unit: "accepted orders/s",
        candidate: side("minReplicaAcks 1", on),
        baseline: side("minReplicaAcks 0", off),
        extraRatios: {
          "p50 on÷off (median rounds)": p(on, "p50") / p(off, "p50"),
          "p99 on÷off (median rounds)": p(on, "p99") / p(off, "p99"),
        },
        warnings: warningsFor(gateways, on, off),
        details: {
          method:
            "one flood per side and round through the whole gateway, same load process and settings; accepted/s = 202s ÷ whole flood (the sale never sells out); latency of the 202s",
          buyers: BUYERS,
          stock: 2 * BUYERS,
          stockShards: SHARDS,
          perUserLimit: 1,
          connections: CONNECTIONS,
          rounds: ROUNDS,
          warmupBuyers: WARMUP_BUYERS,
          cluster: "6 redis-server processes started for this run: 3 primaries with a replica each, AOF everysec",
          acceptedPerSec: { on: on.map((s) => Math.round(s.opsPerSec)), off: off.map((s) => Math.round(s.opsPerSec)) },
          p50Ms: { on: on.map((s) => s.latencyMs.p50), off: off.map((s) => s.latencyMs.p50) },
          p99Ms: { on: on.map((s) => s.latencyMs.p99), off: off.map((s) => s.latencyMs.p99) },
          pinned: pinningAvailable()
            ? { gateways: SERVER_CORE, load: LOAD_CORE, unpinned: "Redis Cluster, MariaDB, RocketMQ" }
            : false,
          invariants,
          databases: sides.flatMap((s) => s.dbs),
          topics: sides.map((s) => s.topics.orderTopic),
        },
      };
    } finally {
      for (const c of children.reverse()) await c.stop();
      for (const gw of gateways) await gw.shards.close();
      for (const db of sides.flatMap((s) => s.dbs))
        await root.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
      await root.end().catch(() => {});
      await (await clusterUp.catch(() => undefined))?.stop();
      await down(started);
    }
  },
};

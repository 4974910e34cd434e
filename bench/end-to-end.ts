import { ApiClient } from "../support/api-client.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { ensureGatewayTopics } from "../stack/rocketmq.js";
import { down, up, type State } from "../stack/stack.js";
import type { Config } from "../src/config/schema.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import { createRedis } from "../src/redis/client.js";
import type { FloodJob, FloodResult, Percentiles, PrepareJob } from "./clients/flood.js";
import { percentiles } from "./lib/percentiles.js";
import { median } from "./lib/stats.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, durableBenchEnv, rid, rootConnection } from "./lib/config.js";
import { pidListeningOn } from "../stack/proc.js";
import { CpuWindow, round3, stackProcesses, type CpuSeen } from "./lib/cpu-window.js";
import {
  ask,
  compiledScript,
  LOAD_CORE,
  pinningAvailable,
  SERVER_CORE,
  TsChild,
  within,
  type Watched,
} from "./lib/proc.js";
import { checkRows, drainedRows, unitsIn, type RowSeen } from "./lib/sale-rows.js";
import { dropPrefix } from "./lib/redis.js";

/**
 * End to end: a flash sale with far more demand than stock (STOCK units on SHARDS stock shards, per-buyer
 * limit 1, BUYERS buyers each trying once with a pre-issued purchase token), through
 *
 * - the gateway: src/app.ts's App (uWS HTTP → Redis Lua reservation inside a RocketMQ transactional message
 *   → order writer → sharded MySQL), in a child process pinned to the server core, with databases, topic,
 *   producer/consumer groups and Redis key prefix of its own (bench/servers/app-server.ts); and
 * - the naive design: one MySQL transaction per request, row-locked `UPDATE ... WHERE stock >= n` plus the
 *   order INSERT, behind the same uWS request glue and admission checks (bench/servers/naive-server.ts),
 *   pinned to the same core, with a database of its own.
 *
 * One load process on the load core (bench/clients/flood.ts) plays the crowd for both, CONNECTIONS keep-alive
 * connections in a closed loop, each buyer one attempt. Per side and round:
 * - accepted orders/s: 202s ÷ the selling phase (first request sent → last 202 received);
 * - attempts/s: every answer ÷ the whole flood (the rejects after sell-out included, which the gateway's
 *   local sold-out flag answers and the naive server answers with a MySQL transaction that changes nothing);
 * - p50/p99 latency of the 202s; for the gateway the lag from each 202 (client receive time) to its MySQL row
 *   (the row's updated_at; one machine, one clock), after waiting until every accepted order is in MySQL.
 * Invariants, fatal when broken: MySQL rows = accepted orders (same ids), no duplicate order, no buyer twice,
 * units sold = stock, no transport error.
 *
 * Rounds interleave the sides (G N G N ...) after an untimed warm-up sale on each; each side's best round is
 * its figure (side()), medians are reported too. While the gateway floods, the CPU of every process on the
 * way (gateway, RocketMQ proxy with its in-process broker, Redis, MariaDB, the load generator) is sampled
 * from /proc, the proxy's per thread pool, and the gateway times each step of its buy path (app-server.ts).
 *
 * With BUYERS/STOCK = 10× demand, attempts/s is bounded by the selling phase: even free rejects give at most
 * 10 × accepted/s. "rejects/s after sell-out" (answers after the last 202 ÷ that time) is the figure a much
 * larger crowd would converge to.
 *
 * Clean-up: the bench databases and Redis keys are dropped; the topic stays on the broker (stack/ has no
 * topic deletion), a few MB of consume-queue files per run.
 *
 * Knobs: BENCH_ROUNDS (3), BENCH_E2E_STOCK (2000), BENCH_E2E_BUYERS (20000), BENCH_E2E_CONNECTIONS (2000: a flash sale is thousands of open connections);
 * BENCH_PROFILE=1 has the gateway write a V8 CPU profile of the first round's selling phase into a temporary
 * folder named in the result file.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const STOCK = Number(process.env.BENCH_E2E_STOCK ?? 2000);
const BUYERS = Number(process.env.BENCH_E2E_BUYERS ?? 20_000);
const SHARDS = 8;
const CONNECTIONS = Number(process.env.BENCH_E2E_CONNECTIONS ?? 2000);
const NAIVE_POOL = 16;
// The gateway's warm-up is larger: the RocketMQ proxy's JIT (C2) takes most of a core for its first few
// thousand transactions, and other sessions on a shared machine restart the stack now and then.
const WARMUP = { gateway: { stock: 1000, buyers: 4000 }, naive: { stock: 200, buyers: 2000 } };
const DRAIN_TIMEOUT_MS = 30_000;
const FLOOD_TIMEOUT_MS = 120_000;
const LAG_TARGET_MS = 1000;

type Kind = "gateway" | "naive";

/** Root connection settings of the MySQL server the configuration names (its first shard's). */

const round1 = (x: number) => Math.round(x * 10) / 10;
const roundP = (p: Percentiles): Percentiles => ({
  p50: round3(p.p50),
  p90: round3(p.p90),
  p99: round3(p.p99),
  max: round3(p.max),
});

// ---- one sale on one side ----

interface Ctx {
  cfg: Config;
  gwPort: number;
  /** The gateway's ops listener (admin API). */
  gwOpsPort: number;
  gwChild: TsChild;
  naivePort: number;
  naiveDb: string;
  load: TsChild;
  shards: MysqlShards;
  root: mysql.Connection;
  watched: Record<Kind, Watched[]>;
  proxyPid: number | null;
  /** CPU profiles of the gateway's selling phase (BENCH_PROFILE=1). */
  profiles: string[];
}

/**
 * One flood with the CPU of every watched process sampled over the selling phase (start → first reject) and
 * over the whole flood.
 */
async function floodWatched(ctx: Ctx, port: number, watched: Watched[], threadsOf: number | null, profiled?: TsChild) {
  if (profiled) await ask(profiled, { cmd: "profile-start" });
  const whole = new CpuWindow(watched, threadsOf);
  const sellWin = new CpuWindow(watched, threadsOf);
  ctx.load.send({ cmd: "flood", port, connections: CONNECTIONS } satisfies FloodJob);
  const marker = await within(
    ctx.load.next<{ phase?: string; accepted: number; error?: string }>(),
    FLOOD_TIMEOUT_MS,
    "flood",
  );
  if (marker.error) throw new Error(marker.error);
  const selling = sellWin.end();
  if (profiled) profiled.send({ cmd: "profile-stop" });
  const r = await within(ctx.load.next<FloodResult & { error?: string }>(), FLOOD_TIMEOUT_MS, "flood");
  if (r.error) throw new Error(r.error);
  return { selling: { ...selling, accepted: marker.accepted }, cpu: whole.end(), r };
}

interface RoundResult {
  sample: Sample;
  invariants: Record<string, boolean>;
}

function sampleOf(
  r: FloodResult,
  cpu: CpuSeen,
  selling: CpuSeen & { accepted: number },
  extra: Record<string, unknown>,
): Sample {
  const sellSeconds = r.sellMs / 1000;
  // CPU each process spent per accepted order while selling (the window ends at the first reject).
  const accepted = Math.max(1, selling.accepted);
  const cpuMsPerAccepted = Object.fromEntries(
    Object.entries(selling.busy).map(([k, v]) => [k, round3((v * selling.seconds * 1000) / accepted)]),
  );
  return {
    opsPerSec: r.accepted.length / sellSeconds,
    ops: r.accepted.length,
    seconds: round3(sellSeconds),
    latencyMs: roundP(r.latencyMs.accepted),
    serverBusy: cpu.busy.server,
    attemptsPerSec: round1(r.attempts / (r.totalMs / 1000)),
    attempts: r.attempts,
    floodSeconds: round3(r.totalMs / 1000),
    afterSellOut: {
      attempts: r.afterSellOut.attempts,
      seconds: round3(r.afterSellOut.ms / 1000),
      perSec: round1(r.afterSellOut.attempts / (r.afterSellOut.ms / 1000)),
    },
    answers: r.answers,
    retries: r.retries,
    retried: r.retried,
    latencyAllMs: roundP(r.latencyMs.all),
    cpuBusy: cpu.busy,
    machineBusy: cpu.machineBusy,
    coreBusy: cpu.coreBusy,
    selling: {
      seconds: round3(selling.seconds),
      accepted: selling.accepted,
      cpuBusy: selling.busy,
      machineBusy: selling.machineBusy,
      coreBusy: selling.coreBusy,
      cpuMsPerAccepted,
      ...(selling.proxyThreads ? { proxyThreads: selling.proxyThreads } : {}),
    },
    ...extra,
  };
}

async function gatewayRound(
  ctx: Ctx,
  stock: number,
  buyers: number,
  tag: string,
  profile = false,
): Promise<RoundResult> {
  const base = `http://127.0.0.1:${ctx.gwPort}`;
  const api = new ApiClient(base, ctx.cfg.auth, `http://127.0.0.1:${ctx.gwOpsPort}`);
  const admin = api.admin();
  const saleId = `e2e-${rid()}`;
  const startsAt = Date.now() - 1000;
  const put = await api.call("PUT", `/v1/admin/sales/${saleId}`, {
    headers: admin,
    body: {
      skuId: `sku-${saleId}`,
      stock,
      perUserLimit: 1,
      shards: SHARDS,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 3_600_000).toISOString(),
    },
  });
  if (put.status !== 201) throw new Error(`end-to-end: sale not created: ${put.status} ${JSON.stringify(put.body)}`);
  await ask(ctx.load, {
    cmd: "prepare",
    port: ctx.gwPort,
    saleId,
    userPrefix: `${tag}-`,
    buyers,
    tokens: "http",
    tokenConnections: 64,
  } satisfies PrepareJob);
  await ask(ctx.gwChild, { cmd: "reset" });
  const { selling, cpu, r } = await floodWatched(
    ctx,
    ctx.gwPort,
    ctx.watched.gateway,
    ctx.proxyPid,
    profile ? ctx.gwChild : undefined,
  );

  // Wait until every accepted order is a row, then read them all.
  const { rows, drainMs } = await drainedRows(ctx.shards, saleId, r.accepted.length, DRAIN_TIMEOUT_MS);
  const stats = await api.call("GET", `/v1/admin/sales/${saleId}/stats`, { headers: admin });
  if (profile) {
    const saved = await within(ctx.gwChild.next<{ profile?: string; error?: string }>(), 30_000, "profile");
    if (!saved.profile) throw new Error(`the gateway saved no profile: ${saved.error}`);
    ctx.profiles.push(saved.profile);
  }
  const steps = await ask<{ steps: Record<string, unknown>; writer: Record<string, number> }>(ctx.gwChild, {
    cmd: "stats",
  });
  const invariants = checkRows("end-to-end gateway", r, rows, buyers, {
    soldEqualsStock: unitsIn(rows) === stock && r.accepted.length === stock,
    redisRemainingZero: stats.body?.redisRemaining === 0,
    noDrift: stats.body?.drift === 0,
  });

  const at = new Map(rows.map((x) => [x.order_id, x.updated_at.getTime()]));
  const raw = r.accepted.map((a) => at.get(a.orderId)! - a.receivedAt);
  const lag = percentiles(raw.map((x) => Math.max(0, x)));
  return {
    invariants,
    sample: sampleOf(r, cpu, selling, {
      lag202ToRowMs: roundP(lag),
      rowsBefore202Seen: raw.filter((x) => x < 0).length,
      drainAfterFloodMs: drainMs,
      gatewaySteps: steps.steps,
      writer: steps.writer,
    }),
  };
}

async function naiveRound(ctx: Ctx, stock: number, buyers: number, tag: string): Promise<RoundResult> {
  const saleId = `e2e-${rid()}`;
  await ctx.root.query(`INSERT INTO \`${ctx.naiveDb}\`.naive_stock (id, stock) VALUES (?, ?)`, [saleId, stock]);
  await ask(ctx.load, {
    cmd: "prepare",
    port: ctx.naivePort,
    saleId,
    userPrefix: `${tag}-`,
    buyers,
    tokens: "mint",
    tokenConnections: 0,
  } satisfies PrepareJob);
  const { selling, cpu, r } = await floodWatched(ctx, ctx.naivePort, ctx.watched.naive, null);
  const [x] = await ctx.root.query<mysql.RowDataPacket[]>(
    `SELECT order_id, user_id, quantity, updated_at FROM \`${ctx.naiveDb}\`.naive_orders WHERE sale_id = ?`,
    [saleId],
  );
  const [s] = await ctx.root.query<mysql.RowDataPacket[]>(
    `SELECT stock FROM \`${ctx.naiveDb}\`.naive_stock WHERE id = ?`,
    [saleId],
  );
  const rows = x as RowSeen[];
  const invariants = checkRows("end-to-end naive", r, rows, buyers, {
    soldEqualsStock: unitsIn(rows) === stock && r.accepted.length === stock,
    stockRowZero: Number(s[0]?.stock) === 0,
  });
  return { invariants, sample: sampleOf(r, cpu, selling, { lag202ToRowMs: { p50: 0, p90: 0, p99: 0, max: 0 } }) };
}

const NAIVE_DDL = [
  `CREATE TABLE naive_stock (id VARCHAR(64) NOT NULL PRIMARY KEY, stock INT NOT NULL) ENGINE=InnoDB`,
  `CREATE TABLE naive_orders (
    order_id VARCHAR(100) NOT NULL PRIMARY KEY,
    sale_id VARCHAR(64) NOT NULL,
    user_id VARCHAR(64) NOT NULL,
    quantity INT UNSIGNED NOT NULL,
    created_at DATETIME(3) NOT NULL,
    updated_at DATETIME(3) NOT NULL,
    UNIQUE KEY uq_sale_user (sale_id, user_id)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`,
];

function cpuPerOrder(samples: Sample[]): Record<string, number> {
  const per = samples.map((s) => (s.selling as { cpuMsPerAccepted: Record<string, number> }).cpuMsPerAccepted);
  return Object.fromEntries(
    Object.keys(per[0] ?? {}).map((k) => [k, round3(median(per.map((p) => p[k]!).filter((x) => Number.isFinite(x))))]),
  );
}

function best(samples: Sample[], key: string): number {
  return Math.max(...samples.map((s) => s[key] as number));
}
function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export const endToEnd: Benchmark = {
  name: "end-to-end",
  description:
    "flash sale over HTTP to MySQL rows: gateway (Redis + RocketMQ tx + MySQL writer) accepted orders/s ÷ naive MySQL-transaction-per-request accepted orders/s",
  target: 3,
  async run() {
    const started: State = await up(false);
    const id = rid(3);
    const { env, dbs, topics } = durableBenchEnv(id);
    const topic = topics.orderTopic;
    const naiveDb = `fs_bench_${id}_naive`;
    const cfg = benchConfig(env);
    const root = await mysql.createConnection(rootConnection(cfg));
    const children: TsChild[] = [];
    const shards = new MysqlShards(cfg.mysql);
    try {
      const topicT0 = Date.now();
      await ensureGatewayTopics(topics);
      const topicMs = Date.now() - topicT0;
      await root.query(`CREATE DATABASE \`${naiveDb}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
      for (const ddl of NAIVE_DDL) await root.query(ddl.replace("CREATE TABLE ", `CREATE TABLE \`${naiveDb}\`.`));

      const profileDir = process.env.BENCH_PROFILE ? mkdtempSync(join(tmpdir(), "app-cpu-prof-")) : undefined;
      const ctx = await startSides(cfg, env, naiveDb, profileDir, children, shards, root);

      const { samples, invariants, restarts } = await measure(ctx, profileDir);
      return await result(ctx, samples, invariants, restarts, {
        topic,
        topicMs,
        profileDir,
        databases: [...dbs, naiveDb],
      });
    } finally {
      for (const c of children.reverse()) await c.stop();
      await shards.close();
      for (const db of [...dbs, naiveDb]) await root.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
      await root.end().catch(() => {});
      const redis = createRedis(cfg.redis) as Redis;
      await dropPrefix(redis, cfg.redis.keyPrefix);
      redis.disconnect();
      await down(started);
    }
  },
};

/**
 * The gateway (with BENCH_E2E_SPLIT=1 its order writer as a process of its own), the naive server and the
 * flood client, each pinned; and the processes whose CPU each side's rounds watch.
 */
async function startSides(
  cfg: Config,
  env: Record<string, string>,
  naiveDb: string,
  profileDir: string | undefined,
  children: TsChild[],
  shards: MysqlShards,
  root: mysql.Connection,
): Promise<Ctx> {
  // BENCH_E2E_SPLIT=1: the order writer runs as its own process (npm run writer) beside the load, and the
  // gateway process only serves HTTP and the producer (rocketmq.consumer.enabled=false).
  const split = process.env.BENCH_E2E_SPLIT === "1";
  const gwEnv = split ? { ...env, FLASHSALE__ROCKETMQ__CONSUMER__ENABLED: "false" } : env;
  const gwChild = new TsChild(compiledScript("bench/servers/app-server.ts"), {
    core: SERVER_CORE,
    env: profileDir ? { ...gwEnv, BENCH_PROFILE_DIR: profileDir } : gwEnv,
  });
  children.push(gwChild);
  if (split) children.push(new TsChild(compiledScript("src/writer-main.ts"), { core: LOAD_CORE, env }));
  const { port: gwPort, opsPort: gwOpsPort } = await within(
    gwChild.next<{ port: number; opsPort: number }>(),
    60_000,
    "gateway start",
  );
  const naiveChild = new TsChild(compiledScript("bench/servers/naive-server.ts"), {
    core: SERVER_CORE,
    env: { ...env, NAIVE_DB: naiveDb, NAIVE_POOL: String(NAIVE_POOL) },
  });
  children.push(naiveChild);
  const naivePort = (await naiveChild.next<{ port: number }>()).port;
  const load = new TsChild(compiledScript("bench/clients/flood.ts"), { core: LOAD_CORE, env });
  children.push(load);

  const stack = stackProcesses(cfg);
  const proxyPid = stack.proxyPid;
  const shared: Watched[] = [...stack.watched, { label: "load", pid: load.pid }];
  return {
    cfg,
    gwPort,
    gwOpsPort,
    gwChild,
    naivePort,
    naiveDb,
    load,
    shards,
    root,
    proxyPid,
    profiles: [],
    watched: {
      gateway: [{ label: "server", pid: gwChild.pid }, ...shared],
      naive: [{ label: "server", pid: naiveChild.pid }, ...shared],
    },
  };
}

/** The untimed warm-up, then ROUNDS rounds of a gateway flood and a naive flood, noting any stack restart. */
async function measure(ctx: Ctx, profileDir: string | undefined) {
  // Untimed warm-up: the JIT, connection pools, RocketMQ routes; invariants are checked already.
  await gatewayRound(ctx, WARMUP.gateway.stock, WARMUP.gateway.buyers, "wg");
  await naiveRound(ctx, WARMUP.naive.stock, WARMUP.naive.buyers, "wn");

  // Other sessions on a shared machine may restart the stack: a figure taken across a restart is noted.
  const restarts: string[] = [];
  const rmqPort = Number(ctx.cfg.rocketmq.endpoints.split(":")[1]);
  const { proxyPid } = ctx;
  const checkStack = (when: string) => {
    const pid = pidListeningOn(rmqPort);
    if (pid !== proxyPid) restarts.push(`RocketMQ proxy on ${rmqPort} changed (${proxyPid} → ${pid}) ${when}`);
  };
  checkStack("during the warm-up");
  const samples: Record<Kind, Sample[]> = { gateway: [], naive: [] };
  let invariants: Record<Kind, Record<string, boolean>> = { gateway: {}, naive: {} };
  for (let round = 0; round < ROUNDS; round++) {
    const g = await gatewayRound(ctx, STOCK, BUYERS, `r${round}`, profileDir !== undefined && round === 0);
    samples.gateway.push(g.sample);
    checkStack(`by the end of gateway round ${round + 1}`);
    const n = await naiveRound(ctx, STOCK, BUYERS, `r${round}`);
    samples.naive.push(n.sample);
    invariants = { gateway: g.invariants, naive: n.invariants };
  }
  return { samples, invariants, restarts };
}

/** Each side's figures, the ratios and the details the result file keeps. */
async function result(
  ctx: Ctx,
  samples: Record<Kind, Sample[]>,
  invariants: Record<Kind, Record<string, boolean>>,
  restarts: string[],
  run: { topic: string; topicMs: number; profileDir: string | undefined; databases: string[] },
) {
  const { topic, topicMs, profileDir, databases } = run;
  const G = samples.gateway;
  const N = samples.naive;
  const lagP99 = G.map((s) => (s.lag202ToRowMs as Percentiles).p99);
  const lagMax = G.map((s) => (s.lag202ToRowMs as Percentiles).max);
  const warnings: string[] = [...restarts];
  const worstLag = Math.max(...lagP99);
  warnings.push(
    `p99 lag 202 → MySQL row: ${lagP99.map((x) => x.toFixed(0)).join(" / ")} ms per round (target < ${LAG_TARGET_MS} ms${worstLag < LAG_TARGET_MS ? ", met" : ", MISSED"}), max ${Math.max(...lagMax).toFixed(0)} ms`,
  );
  const proxyBusy = G.map((s) => (s.cpuBusy as Record<string, number>)["rocketmq-proxy"] ?? NaN);
  const machineBusy = G.map((s) => s.machineBusy as number);
  if (mean(machineBusy) > 0.85)
    warnings.push(
      `the machine was ${(mean(machineBusy) * 100).toFixed(0)}% busy (both cores) during the gateway floods: every process on the path competes for 2 cores`,
    );
  const attemptsRatio = best(G, "attemptsPerSec") / best(N, "attemptsPerSec");
  const afterSellOut = (ss: Sample[]) => Math.max(...ss.map((s) => (s.afterSellOut as { perSec: number }).perSec));
  return {
    unit: "accepted orders/s",
    candidate: side("gateway", G),
    baseline: side("naive", N),
    extraRatios: {
      "attempts/s (target ≥ 20)": attemptsRatio,
      "attempts/s median":
        median(G.map((s) => s.attemptsPerSec as number)) / median(N.map((s) => s.attemptsPerSec as number)),
      "rejects/s after sell-out": afterSellOut(G) / afterSellOut(N),
    },
    warnings,
    details: {
      sides: {
        gateway:
          "src/app.ts App: uWS → Redis Lua reservation inside a RocketMQ transactional message → order writer → 2 MySQL shards × 4 tables",
        naive: `uWS + one MySQL transaction per request (UPDATE stock row-locked, INSERT order, UNIQUE (sale,user)), mysql2 pool ${NAIVE_POOL}`,
      },
      method:
        "one flood per side and round, same buyers, stock and load process; accepted/s = 202s ÷ (first request → last 202); attempts/s = answers ÷ whole flood; lag = row updated_at − client receive time of the 202",
      stock: STOCK,
      buyers: BUYERS,
      stockShards: SHARDS,
      perUserLimit: 1,
      connections: CONNECTIONS,
      rounds: ROUNDS,
      warmup: WARMUP,
      naivePool: NAIVE_POOL,
      httpServer: "uWebSockets.js (the gateway's own build and request glue) on both sides",
      pinned: pinningAvailable()
        ? { servers: SERVER_CORE, load: LOAD_CORE, unpinned: "Redis, MariaDB, RocketMQ (shared, not ours)" }
        : false,
      attemptsPerSec: { gateway: G.map((s) => s.attemptsPerSec), naive: N.map((s) => s.attemptsPerSec) },
      acceptedPerSec: { gateway: G.map((s) => round1(s.opsPerSec)), naive: N.map((s) => round1(s.opsPerSec)) },
      lag202ToRowP99Ms: lagP99,
      // Where the CPU goes: per process, median over rounds of CPU ms per accepted order while selling.
      cpuMsPerAcceptedMedian: { gateway: cpuPerOrder(G), naive: cpuPerOrder(N) },
      coreBusyWhileSelling: {
        gateway: G.map((s) => (s.selling as { coreBusy: number[] }).coreBusy),
        naive: N.map((s) => (s.selling as { coreBusy: number[] }).coreBusy),
      },
      rocketmqProxyBusy: proxyBusy,
      machineBusyDuringGatewayFloods: machineBusy,
      invariants,
      topic,
      topicCreateMs: topicMs,
      ...(profileDir ? { gatewaySellingCpuProfiles: ctx.profiles } : {}),
      databases,
      mysqlSettings: (
        await ctx.root.query<mysql.RowDataPacket[]>(
          "SELECT @@version AS version, @@innodb_flush_log_at_trx_commit AS flushAtCommit, @@tx_isolation AS isolation",
        )
      )[0][0],
    },
  };
}

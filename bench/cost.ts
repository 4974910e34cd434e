import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { ensureGatewayTopics, ensureTopic } from "../stack/rocketmq.js";
import { down, up, type State } from "../stack/stack.js";
import type { Config } from "../src/config/schema.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import { tableName } from "../src/persistence/order-routing.js";
import { createRedis } from "../src/redis/client.js";
import { ApiClient, expectSoldOut, expectStatus } from "../support/api-client.js";
import type { FloodJob, FloodResult, PrepareJob } from "./clients/flood.js";
import type { TxConsumeJob, TxSendJob, TxSendResult } from "./clients/tx-sender.js";
import type { Measurement } from "./lib/benchmark.js";
import { benchConfig, durableBenchEnv, rid, rootConnection } from "./lib/config.js";
import { costRows, costTable, stepsOf, type StepFloors } from "./lib/cost-model.js";
import { CpuWindow, round3, stackProcesses, type CpuSeen } from "./lib/cpu-window.js";
import type { Watched } from "./lib/proc.js";
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
import { dropPrefix } from "./lib/redis.js";
import { awaitRows, countRows } from "./lib/sale-rows.js";
import { PIPELINE, redisBenchmarkRound, scriptTarget } from "./reserve-script.js";

/**
 * The cost model (issue 21, item 1): the CPU an order costs, per process, against floors measured in the
 * same run.
 *
 * Phase A, accepted: a sale with more stock than buyers (never sold out), ORDERS buyers each trying once
 * from CONNECTIONS keep-alive connections (bench/clients/flood.ts on the load core), through the whole
 * durable path (bench/servers/app-server.ts on the server core: HTTP → Redis reservation inside a RocketMQ
 * transactional message → order writer → MySQL; BENCH_E2E_SPLIT=1 runs the writer as a process of its own,
 * src/writer-main.ts). The window runs from the first request to the last order's MySQL row; each
 * process's CPU over it ÷ the 202s.
 *
 * Phase B, rejected: a sold-out sale answered from the gateway's sold-out flag, REJECTS attempts by as many
 * distinct buyers (pre-signed JWTs and purchase tokens: every JWT and token cache misses, as in a crowd),
 * then REPEATED_REJECTS attempts by buyers repeating their JWT and token (every cache hits, as the reject-path
 * bench measures). CPU of each process ÷ answers.
 *
 * Floors, microbenchmarks in the same invocation:
 * - uwsAnswer / loadRequest: bench/servers/uws-hello.ts on the server core, flooded by the same client with
 *   the same requests: server CPU and load generator CPU per answer;
 * - reserveScript: redis-benchmark EVALSHA of the reserve script at -P 16 (bench/reserve-script.ts):
 *   Redis CPU per call;
 * - txBroker / txSender / txConsumer: transactional messages of N orders (N = the gateway's median group
 *   size in phase A), half message + commit, from one bench/clients/tx-sender.ts process to a push consumer
 *   in another that decodes and acknowledges them: proxy CPU, sender CPU and consumer CPU per order;
 * - insertServer / insertClient: one multi-row INSERT of M rows per statement (M = the writer's median batch
 *   size; with BENCH_E2E_SPLIT=1, rocketmq.consumer.batchMax) into one order table, the writer's statement
 *   without the outbox events, autocommit: MariaDB CPU and client CPU per row;
 * - replicaWait: only when redis.minReplicaAcks is set (it is not in the default configuration: skipped).
 * A process's floor is the sum of the floors of the steps it does per order (bench/lib/cost-model.ts).
 *
 * Knobs: BENCH_COST_ORDERS (20000), BENCH_COST_CONNECTIONS (1000), BENCH_COST_REJECTS (100000),
 * BENCH_E2E_SPLIT=1; BENCH_PROFILE=1 writes a V8 CPU profile of the gateway over the accepted phase and the distinct rejects (its
 * file named in the result's details).
 */
const ORDERS = Number(process.env.BENCH_COST_ORDERS ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_COST_CONNECTIONS ?? 1000);
const REJECTS = Number(process.env.BENCH_COST_REJECTS ?? 100_000);
const REPEATED_REJECTS = Math.ceil(REJECTS / 2);
/**
 * The repeated buyers of phase B: each comes back ten times with the same JWT and token. Not one buyer:
 * the per-buyer rate limit (rateLimits.buyer, 10/s) would answer 429 long before the flag did.
 */
const REPEAT_POOL = Math.ceil(REPEATED_REJECTS / 10);
/** Untimed: the JIT, pools, routes; the RocketMQ proxy's JIT takes most of a core for its first few thousand. */
const WARMUP_ORDERS = 4000;
const SHARDS = 8;
const TX_ORDERS = 20_000;
const INSERT_ROWS = 20_000;
/** How long the floor's consumer may take to receive the messages sent (else the shortfall is reported). */
const TX_DELIVERY_MS = 30_000;
const DRAIN_TIMEOUT_MS = 60_000;
const FLOOD_TIMEOUT_MS = 180_000;
const SPLIT = process.env.BENCH_E2E_SPLIT === "1";
/** BENCH_PROFILE=1: a V8 CPU profile of the gateway over the accepted phase, in a temporary folder. */
const PROFILE_DIR = process.env.BENCH_PROFILE ? mkdtempSync(join(tmpdir(), "cost-gateway-prof-")) : undefined;
const GATEWAY_RUNTIME = "dist";
/**
 * The idle windows before and after each measured phase: the mean of their CPU of the shared processes is
 * taken off (see usPer); before each floor, one window.
 */
const BACKGROUND_MS = 2000;
/** With the writer in a process of its own, the window ends by counting rows: seldom, as counting costs MariaDB. */
const SPLIT_POLL_MS = 500;

interface Ctx {
  cfg: Config;
  env: Record<string, string>;
  api: ApiClient;
  gw: TsChild;
  gwPort: number;
  load: TsChild;
  shards: MysqlShards;
  watched: Watched[];
  /** The shared processes: RocketMQ proxy, Redis, MariaDB. */
  stack: Watched[];
  proxyPid: number | null;
  mariadbPid: number | null;
}

/** A phase's CPU: µs per answer by process label, and how the window went. */
interface Phase {
  usPer: Record<string, number>;
  answers: number;
  seconds: number;
  machineBusy: number;
  extra: Record<string, unknown>;
}

/**
 * CPU µs per answer of each process over a window; `background` (busy share by label, from an idle window
 * just before) is taken off first: Redis, MariaDB and RocketMQ are shared with other work on this machine.
 */
function usPer(cpu: CpuSeen, n: number, background: Record<string, number> = {}): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cpu.busy).map(([k, v]) => [
      k,
      round3((Math.max(0, v - (background[k] ?? 0)) * cpu.seconds * 1e6) / Math.max(1, n)),
    ]),
  );
}

/** The mean of two background samples, by label. */
function meanOf(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(a).map((k) => [k, round3(((a[k] ?? 0) + (b[k] ?? a[k] ?? 0)) / 2)]));
}

/** Busy share of each shared stack process while we send it nothing (others' work, its own timers). */
async function background(ctx: Ctx): Promise<Record<string, number>> {
  const win = new CpuWindow(ctx.stack, null);
  await sleep(BACKGROUND_MS);
  return win.end().busy;
}

/** One flood of already prepared requests at `port`, the CPU of `watched` sampled until `settled` resolves. */
async function flood(ctx: Ctx, port: number, watched: Watched[], settled?: (r: FloodResult) => Promise<unknown>) {
  const win = new CpuWindow(watched, null);
  ctx.load.send({ cmd: "flood", port, connections: CONNECTIONS } satisfies FloodJob);
  const marker = await within(ctx.load.next<{ error?: string }>(), FLOOD_TIMEOUT_MS, "flood");
  if (marker.error) throw new Error(marker.error);
  const r = await within(ctx.load.next<FloodResult & { error?: string }>(), FLOOD_TIMEOUT_MS, "flood");
  if (r.error) throw new Error(r.error);
  if (r.errors > 0) throw new Error(`cost: ${r.errors} attempts without an answer`);
  const settledAt = settled ? await settled(r) : undefined;
  return { r, cpu: win.end(), settledAt };
}

async function prepare(ctx: Ctx, port: number, saleId: string, buyers: number, userPrefix: string, pool?: number) {
  await ask(
    ctx.load,
    {
      cmd: "prepare",
      port,
      saleId,
      userPrefix,
      buyers,
      tokens: "mint",
      tokenConnections: 0,
      pool,
    } satisfies PrepareJob,
    FLOOD_TIMEOUT_MS,
  );
}

/**
 * Until the gateway's writer has written `total` rows in all: asked of the gateway process, which answers
 * from a counter, so the window's end costs MariaDB nothing (counting rows every 50 ms would).
 */
async function writtenBy(ctx: Ctx, total: number): Promise<number> {
  const t0 = Date.now();
  while ((await ask<{ written: number }>(ctx.gw, { cmd: "written" })).written < total) {
    if (Date.now() - t0 > DRAIN_TIMEOUT_MS) throw new Error(`cost: rows not written within ${DRAIN_TIMEOUT_MS} ms`);
    await sleep(20);
  }
  return Date.now() - t0;
}

type StepStats = Record<string, { p50: number; mean: number; n: number }>;

/** Phase A: a never-sold-out sale; every attempt a 202, the window closed when the last row is in MySQL. */
async function acceptedPhase(ctx: Ctx, orders: number, tag: string, profile = false): Promise<Phase> {
  const saleId = `cost-${rid()}`;
  expectStatus("cost: create sale", await ctx.api.putSale(saleId, { stock: 2 * orders, shards: SHARDS }), 201);
  await prepare(ctx, ctx.gwPort, saleId, orders, `${tag}-`);
  await ask(ctx.gw, { cmd: "reset" });
  const written0 = SPLIT ? 0 : (await ask<{ written: number }>(ctx.gw, { cmd: "written" })).written;
  const bgBefore = await background(ctx);
  if (profile) await ask(ctx.gw, { cmd: "profile-start" });
  const { r, cpu, settledAt } = await flood(ctx, ctx.gwPort, ctx.watched, () =>
    SPLIT ? awaitRows(ctx.shards, saleId, orders, DRAIN_TIMEOUT_MS, SPLIT_POLL_MS) : writtenBy(ctx, written0 + orders),
  );
  const profiled = profile ? (await ask<{ profile: string }>(ctx.gw, { cmd: "profile-stop" }, 60_000)).profile : null;
  const bg = meanOf(bgBefore, await background(ctx));
  if (r.accepted.length !== orders)
    throw new Error(`cost: ${r.accepted.length} of ${orders} accepted: ${JSON.stringify(r.answers)}`);
  // Every order a row (counted once the window is closed, so the counting is not in it).
  const rows = await countRows(ctx.shards, saleId);
  if (rows !== orders) throw new Error(`cost: ${rows} rows for ${orders} accepted orders`);
  const { steps } = await ask<{ steps: StepStats }>(ctx.gw, { cmd: "stats" });
  return {
    usPer: usPer(cpu, orders, bg),
    answers: orders,
    seconds: round3(cpu.seconds),
    machineBusy: cpu.machineBusy,
    extra: {
      background: bg,
      grossUsPer: usPer(cpu, orders),
      ...(profiled ? { gatewayCpuProfile: profiled } : {}),
      sellSeconds: round3(r.sellMs / 1000),
      drainAfterFloodMs: settledAt,
      groupSize: steps.groupSize,
      batchSize: steps.batchSize,
      latency202Ms: r.latencyMs.accepted,
      coreBusy: cpu.coreBusy,
    },
  };
}

/** Phase B: a sold-out sale (one unit, bought), then `attempts` attempts answered SOLD_OUT from the flag. */
async function rejectedPhase(ctx: Ctx, attempts: number, pool?: number, profile = false): Promise<Phase> {
  const saleId = `cost-so-${rid()}`;
  expectStatus("cost: create sold-out sale", await ctx.api.putSale(saleId, { stock: 1, shards: 1 }), 201);
  await ctx.api.storefront("whale").placeOrder(saleId, { quantity: 1 });
  await expectSoldOut("cost: a late order", ctx.api.storefront("late").placeOrder(saleId, { quantity: 1 }));
  await prepare(ctx, ctx.gwPort, saleId, attempts, `rej-${rid(2)}-`, pool);
  const bgBefore = await background(ctx);
  const sc0 = (await ask<{ shortCircuits: number }>(ctx.gw, { cmd: "stats" })).shortCircuits;
  if (profile) await ask(ctx.gw, { cmd: "profile-start" });
  const { r, cpu } = await flood(ctx, ctx.gwPort, ctx.watched);
  const profiled = profile ? (await ask<{ profile: string }>(ctx.gw, { cmd: "profile-stop" }, 60_000)).profile : null;
  const sc = (await ask<{ shortCircuits: number }>(ctx.gw, { cmd: "stats" })).shortCircuits - sc0;
  const bg = meanOf(bgBefore, await background(ctx));
  // A key whose SOLD_OUT came from Redis (the flag lapses every soldOut.ttlMs) is answered "replayed" after.
  const soldOut = Object.entries(r.answers).reduce((n, [k, v]) => n + (k.startsWith("409 SOLD_OUT") ? v : 0), 0);
  if (soldOut !== attempts) throw new Error(`cost: sold-out answers ${JSON.stringify(r.answers)}`);
  return {
    usPer: usPer(cpu, attempts, bg),
    answers: attempts,
    seconds: round3(cpu.seconds),
    machineBusy: cpu.machineBusy,
    extra: {
      background: bg,
      grossUsPer: usPer(cpu, attempts),
      answers: r.answers,
      answersFromFlag: sc,
      ...(profiled ? { gatewayCpuProfile: profiled } : {}),
      perSec: Math.round(attempts / (r.totalMs / 1000)),
      coreBusy: cpu.coreBusy,
    },
  };
}

export const cost: Measurement = {
  name: "cost",
  gateway: GATEWAY_RUNTIME,
  description:
    "CPU µs per accepted order and per rejected attempt of each process on the durable path, against floors measured in the same run",
  async run() {
    const started: State = await up(false);
    const id = rid(3);
    const { env, dbs, topics } = durableBenchEnv(id);
    const floorTopic = `fs-bench-floor-${id}`;
    const cfg = benchConfig(env);
    const children: TsChild[] = [];
    const shards = new MysqlShards(cfg.mysql);
    const root = await mysql.createConnection(rootConnection(cfg));
    try {
      await Promise.all([ensureGatewayTopics(topics), ensureTopic(floorTopic, "TRANSACTION")]);
      const ctx = await start(cfg, env, children, shards);
      await acceptedPhase(ctx, WARMUP_ORDERS, "warm");
      const accepted = await acceptedPhase(ctx, ORDERS, "a", PROFILE_DIR !== undefined);
      const rejected = await rejectedPhase(ctx, REJECTS, undefined, PROFILE_DIR !== undefined);
      const rejectedRepeated = await rejectedPhase(ctx, REPEATED_REJECTS, REPEAT_POOL);
      const sizes = {
        group: Math.max(1, Math.round((accepted.extra.groupSize as { p50: number } | undefined)?.p50 ?? 1)),
        // A writer of its own reports no batch sizes to the gateway process: its configured largest batch then.
        batch: SPLIT
          ? cfg.rocketmq.consumer.batchMax
          : Math.max(1, Math.round((accepted.extra.batchSize as { p50: number } | undefined)?.p50 ?? 1)),
      };
      const floors = await measureFloors(ctx, children, sizes, floorTopic, dbs[0]!);
      return report(accepted, rejected, rejectedRepeated, floors, sizes, cfg);
    } finally {
      for (const c of children.reverse()) await c.stop();
      await shards.close();
      for (const db of dbs) await root.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
      await root.end().catch(() => {});
      const redis = createRedis(cfg.redis) as Redis;
      await dropPrefix(redis, cfg.redis.keyPrefix);
      redis.disconnect();
      await down(started);
    }
  },
};

/** The gateway (and with BENCH_E2E_SPLIT=1 its writer) on the server core, the flood client on the load core. */
async function start(cfg: Config, env: Record<string, string>, children: TsChild[], shards: MysqlShards): Promise<Ctx> {
  const gwEnv = SPLIT ? { ...env, FLASHSALE__ROCKETMQ__CONSUMER__ENABLED: "false" } : env;
  const gw = new TsChild(compiledScript("bench/servers/app-server.ts"), {
    core: SERVER_CORE,
    env: PROFILE_DIR ? { ...gwEnv, BENCH_PROFILE_DIR: PROFILE_DIR } : gwEnv,
  });
  children.push(gw);
  const writer = SPLIT ? new TsChild(compiledScript("src/writer-main.ts"), { core: LOAD_CORE, env }) : null;
  if (writer) children.push(writer);
  const { port: gwPort, opsPort } = await within(gw.next<{ port: number; opsPort: number }>(), 60_000, "gateway start");
  const load = new TsChild(compiledScript("bench/clients/flood.ts"), { core: LOAD_CORE, env });
  children.push(load);
  const stack = stackProcesses(cfg);
  const api = new ApiClient(`http://127.0.0.1:${gwPort}`, cfg.auth, `http://127.0.0.1:${opsPort}`);
  return {
    cfg,
    env,
    api,
    gw,
    gwPort,
    load,
    shards,
    stack: stack.watched,
    proxyPid: stack.proxyPid,
    mariadbPid: stack.watched.find((w) => w.label === "mariadb")?.pid ?? null,
    watched: [
      { label: "gateway", pid: gw.pid },
      ...(writer ? [{ label: "writer", pid: writer.pid }] : []),
      ...stack.watched,
      { label: "load", pid: load.pid },
    ],
  };
}

/** Every floor of the cost model, each its own microbenchmark (see the comment at the top). */
async function measureFloors(
  ctx: Ctx,
  children: TsChild[],
  sizes: { group: number; batch: number },
  floorTopic: string,
  database: string,
): Promise<{ floors: StepFloors; details: Record<string, unknown> }> {
  const uws = await uwsFloor(ctx, children);
  // The shared processes' background, taken off each of their floors below (as in the phases).
  const bg = await background(ctx);
  const redis = createRedis(ctx.cfg.redis) as Redis;
  let reserve;
  try {
    reserve = await redisBenchmarkRound(await scriptTarget(ctx.cfg, redis), PIPELINE);
  } finally {
    redis.disconnect();
  }
  const redisBgUs = ((bg.redis ?? 0) * reserve.seconds * 1e6) / reserve.ops;
  const tx = await txFloor(ctx, children, sizes.group, floorTopic, bg["rocketmq-proxy"] ?? 0);
  const insert = await insertFloor(ctx, database, sizes.batch, bg.mariadb ?? 0);
  const floors: StepFloors = {
    uwsAnswer: uws.server,
    loadRequest: uws.load,
    reserveScript: round3(Math.max(0, (reserve.redisCpuPerCallUs as number) - redisBgUs)),
    txBroker: tx.broker,
    txSender: tx.sender,
    txConsumer: tx.consumer,
    insertServer: insert.server,
    insertClient: insert.client,
    replicaWait: null,
  };
  return {
    floors,
    details: {
      background: bg,
      uws,
      reserve: {
        pipeline: PIPELINE,
        callsPerSec: reserve.opsPerSec,
        freshShare: reserve.freshShare,
        grossRedisUsPerCall: reserve.redisCpuPerCallUs,
      },
      tx,
      insert,
    },
  };
}

/** uws-hello under the same flood client and requests: server and load generator CPU per answer. */
async function uwsFloor(ctx: Ctx, children: TsChild[]) {
  const hello = new TsChild(compiledScript("bench/servers/uws-hello.ts"), { core: SERVER_CORE });
  children.push(hello);
  const { port } = await within(hello.next<{ port: number }>(), 30_000, "uws-hello start");
  const watched: Watched[] = [
    { label: "server", pid: hello.pid },
    { label: "load", pid: ctx.load.pid },
  ];
  await prepare(ctx, port, "cost-uws", Math.ceil(REJECTS / 5), "uw-");
  await flood(ctx, port, watched);
  await prepare(ctx, port, "cost-uws", REJECTS, "u-");
  const { r, cpu } = await flood(ctx, port, watched);
  await hello.stop();
  if (r.answers["409 SOLD_OUT"] !== REJECTS) throw new Error(`cost: uws-hello answers ${JSON.stringify(r.answers)}`);
  const per = usPer(cpu, REJECTS);
  return {
    server: per.server!,
    load: per.load!,
    perSec: Math.round(REJECTS / (r.totalMs / 1000)),
    coreBusy: cpu.coreBusy,
  };
}

/**
 * Transactional messages of `group` orders from a sender through the proxy to a consumer (two tx-sender
 * processes): proxy + broker CPU per order from the first send until the consumer has decoded the last
 * order, and the sender's and the consumer's CPU per order.
 */
async function txFloor(ctx: Ctx, children: TsChild[], group: number, topic: string, proxyBackground: number) {
  const client = () => {
    const c = new TsChild(compiledScript("bench/clients/tx-sender.ts"), {
      core: LOAD_CORE,
      env: { ...ctx.env, FLASHSALE_RMQ_LOG: "silent" },
    });
    children.push(c);
    return c;
  };
  const [sender, consumer] = [client(), client()];
  await ask(consumer, { cmd: "consume", topic, group: `${topic}-consumer` } satisfies TxConsumeJob, 60_000);
  const job = (orders: number): TxSendJob => ({
    cmd: "send",
    topic,
    orders: group,
    messages: Math.max(1, Math.ceil(orders / group)),
    inFlight: ctx.cfg.rocketmq.groupCommit.maxInFlight,
  });
  const warm = await ask<TxSendResult>(sender, job(TX_ORDERS / 4), FLOOD_TIMEOUT_MS);
  await receivedAll(consumer, warm.orders);
  const t0 = performance.now();
  const proxy0 = ctx.proxyPid ? cpuSeconds(ctx.proxyPid) : NaN;
  const consumer0 = cpuSeconds(consumer.pid);
  const r = await ask<TxSendResult>(sender, job(TX_ORDERS), FLOOD_TIMEOUT_MS);
  const received = (await receivedAll(consumer, warm.orders + r.orders)) - warm.orders;
  const seconds = (performance.now() - t0) / 1000;
  const proxy = ctx.proxyPid ? cpuSeconds(ctx.proxyPid) - proxy0 : NaN;
  const consumerCpu = cpuSeconds(consumer.pid) - consumer0;
  await Promise.all([sender.stop(), consumer.stop()]);
  return {
    ordersPerMessage: group,
    messages: r.messages,
    received,
    grossBroker: round3((proxy * 1e6) / r.orders),
    broker: round3((Math.max(0, proxy - proxyBackground * seconds) * 1e6) / r.orders),
    sender: round3((r.cpuSeconds * 1e6) / r.orders),
    consumer: round3((consumerCpu * 1e6) / Math.max(1, received)),
    ordersPerSec: Math.round(r.orders / seconds),
  };
}

/** Waits (at most TX_DELIVERY_MS) until the consumer has decoded `orders` orders; answers how many it has. */
async function receivedAll(consumer: TsChild, orders: number): Promise<number> {
  const t0 = Date.now();
  for (;;) {
    const n = (await ask<{ orders: number }>(consumer, { cmd: "received" })).orders;
    if (n >= orders || Date.now() - t0 > TX_DELIVERY_MS) return n;
    await sleep(20);
  }
}

/** Multi-row INSERTs of `rows` rows into one order table of the bench's first shard: MariaDB and client CPU per row. */
async function insertFloor(ctx: Ctx, database: string, rows: number, serverBackground: number) {
  const conn = await mysql.createConnection({ ...rootConnection(ctx.cfg), database });
  const table = tableName(0);
  const statements = Math.max(1, Math.ceil(INSERT_ROWS / rows));
  const tag = rid();
  const run = async (n: number, prefix: string) => {
    for (let s = 0; s < n; s++) {
      const params: unknown[] = [];
      const now = new Date();
      for (let i = 0; i < rows; i++)
        params.push(
          `${tag}${prefix}.${s}.${i}`,
          "cost-floor",
          "sku-cost-floor",
          `floor-${prefix}${s}-${i}`,
          1,
          "CONFIRMED",
          now,
          now,
          "AQFkAAABk9b4c2Vfbm9uY2Vfbm9uY2VfbWFjX21hY19tYWNfbWFj",
        );
      await conn.query(
        `INSERT INTO \`${table}\` (order_id, sale_id, sku_id, user_id, quantity, status, created_at, updated_at, purchase_token) VALUES ${Array.from({ length: rows }, () => "(?,?,?,?,?,?,?,?,?)").join(",")} ON DUPLICATE KEY UPDATE order_id = order_id`,
        params,
      );
    }
  };
  try {
    await run(Math.ceil(statements / 4), "w");
    const server0 = ctx.mariadbPid ? cpuSeconds(ctx.mariadbPid) : NaN;
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    await run(statements, "m");
    const seconds = (performance.now() - t0) / 1000;
    const client = process.cpuUsage(client0);
    const server = ctx.mariadbPid ? cpuSeconds(ctx.mariadbPid) - server0 : NaN;
    const n = statements * rows;
    return {
      rowsPerStatement: rows,
      statements,
      grossServer: round3((server * 1e6) / n),
      server: round3((Math.max(0, server - serverBackground * seconds) * 1e6) / n),
      client: round3((client.user + client.system) / n),
      rowsPerSec: Math.round(n / seconds),
    };
  } finally {
    await conn.end();
  }
}

const pct = (x: number | undefined) => (x === undefined ? "n/a" : `${(x * 100).toFixed(0)}%`);

/** The table and the result file's details. */
function report(
  accepted: Phase,
  rejected: Phase,
  rejectedRepeated: Phase,
  { floors, details }: { floors: StepFloors; details: Record<string, unknown> },
  sizes: { group: number; batch: number },
  cfg: Config,
) {
  const steps = stepsOf(SPLIT, floors.replicaWait !== null);
  const rows = costRows(
    { accepted: accepted.usPer, rejected: rejected.usPer, rejectedRepeated: rejectedRepeated.usPer },
    floors,
    steps,
  );
  const table = [
    ...costTable(rows),
    `accepted: ${ORDERS} orders from ${CONNECTIONS} connections, ${Math.round(ORDERS / (accepted.extra.sellSeconds as number))}/s, ${accepted.seconds} s to the last row (machine ${(accepted.machineBusy * 100).toFixed(0)}% busy); rejected: ${REJECTS} distinct buyers, then ${rejectedRepeated.answers} by ${REPEAT_POOL} buyers ten times each`,
    `before taking the background off, µs/accepted: ${Object.entries(
      accepted.extra.grossUsPer as Record<string, number>,
    )
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ")}`,
    `background taken off (busy share of a core around each window, others' work included): ${["rocketmq-proxy", "redis", "mariadb"].map((k) => `${k} ${[accepted, rejected, rejectedRepeated].map((p) => pct((p.extra.background as Record<string, number>)[k])).join("/")}`).join(", ")}`,
    `floors µs: uWS answer ${floors.uwsAnswer}, load per request ${floors.loadRequest}, EVALSHA -P ${PIPELINE} ${floors.reserveScript}, tx message of ${sizes.group} orders ${floors.txBroker} (proxy) + ${floors.txSender} (sender) + ${floors.txConsumer} (consumer) per order, INSERT of ${sizes.batch} rows ${floors.insertServer} (MariaDB) + ${floors.insertClient} (client) per row`,
    `floor of each process: ${Object.entries(steps)
      .map(([p, s]) => `${p} = ${s.accepted.join(" + ") || "0"} / ${s.rejected.join(" + ") || "0"}`)
      .join("; ")}`,
    cfg.redis.minReplicaAcks
      ? "replica WAIT: not measured (redis.minReplicaAcks is set)"
      : "replica WAIT: off in this configuration (redis.minReplicaAcks null): no floor",
  ];
  const gross = accepted.extra.grossUsPer as Record<string, number>;
  const hidden = Object.keys(accepted.usPer).filter((k) => accepted.usPer[k] === 0 && gross[k]! > 0);
  if (hidden.length > 0)
    table.push(
      `${hidden.join(", ")}: 0 µs per accepted order means no more than the background (others' work varies); see the figures before it was taken off`,
    );
  return {
    table,
    details: {
      split: SPLIT,
      orders: ORDERS,
      connections: CONNECTIONS,
      rejects: REJECTS,
      repeatedRejects: REPEATED_REJECTS,
      repeatPool: REPEAT_POOL,
      rows,
      floors,
      floorRuns: details,
      phases: { accepted, rejected, rejectedRepeated: rejectedRepeated },
      pinned: pinningAvailable()
        ? { servers: SERVER_CORE, load: LOAD_CORE, unpinned: "Redis, MariaDB, RocketMQ" }
        : false,
    },
  };
}

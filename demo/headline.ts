import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import { ask, cpuOfEach, LOAD_CORE, pinned, SERVER_CORE, TsChild, type Watched } from "../bench/lib/proc.js";
import type { Accepted, CrowdPrepare, CrowdResult, CrowdRun, SecondBucket } from "../bench/clients/crowd.js";
import type { Redis } from "ioredis";
import mysql from "mysql2/promise";
import { benchConfig, durableBenchEnv, rid, rootConnection } from "../bench/lib/config.js";
import { dropPrefix } from "../bench/lib/redis.js";
import { atPercentile as pct } from "../bench/lib/percentiles.js";
import { ensureGatewayTopics } from "../stack/rocketmq.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import type { Config } from "../src/config/schema.js";
import { createRedis } from "../src/redis/client.js";
import { Keys } from "../src/redis/keys.js";
import { freePort, ROOT } from "../stack/proc.js";
import { pidListeningOn } from "../stack/proc.js";
import { down, up } from "../stack/stack.js";
import { ApiClient, expectStatus } from "../support/api-client.js";
import { pool } from "../support/pool.js";
import { writeCheckedReport } from "./report/check.js";
import { fmtInt, fmtMs, histogram, OUTCOME_LABELS, OUTCOMES, renderReport, type ReportData } from "./report/render.js";
import { GATEWAY_NODE_FLAGS } from "../src/process/node-flags.js";

/**
 * `npm run demo -- --headline`: the sale the gateway exists for, on this machine. 100,000 units on 32
 * shards, at most 2 per buyer, 250,000 buyers who take their purchase tokens before the start (one in five
 * takes a second), then 1,000,000 order attempts: everyone presses at once, presses again with the same key,
 * and tries the second key. The gateway (HTTP, Redis, RocketMQ transactional hand-off) and the order writer
 * (RocketMQ → sharded MySQL) run as separate processes, the crowd (bench/clients/crowd.ts) as a third, pinned
 * to the other core. Afterwards a share of the orders is paid and a few are cancelled, and an auditor checks
 * every invariant against the crowd's answers, MySQL, the outbox and Redis. Every second it samples the
 * stock left in Redis, the rows in MySQL, Redis memory and the CPU of every process. It runs in MySQL
 * databases, RocketMQ topics and groups and a Redis key prefix of its own, all dropped at the end.
 *
 * Knobs (environment): HEADLINE_BUYERS (250000), HEADLINE_STOCK (100000), HEADLINE_SHARDS (32),
 * HEADLINE_REPEATS (3), HEADLINE_CONNECTIONS (2000), HEADLINE_MODE (closed | open) and HEADLINE_RATE
 * (attempts/s, open loop), HEADLINE_WARMUP_BUYERS (8000: a warm-up sale first; 0: none). Report:
 * demo/out/headline.json and demo/out/headline.html. Exit code 1 when an invariant fails; missed targets
 * (sell phase under 60 s, 202 → row p99 under 1 s) are reported, not fatal.
 */
const BUYERS = Number(process.env.HEADLINE_BUYERS ?? 250_000);
export const STOCK = Number(process.env.HEADLINE_STOCK ?? 100_000);
const SHARDS = Number(process.env.HEADLINE_SHARDS ?? 32);
const REPEATS = Number(process.env.HEADLINE_REPEATS ?? 3);
const CONNECTIONS = Number(process.env.HEADLINE_CONNECTIONS ?? 2000);
const MODE = (process.env.HEADLINE_MODE ?? "closed") as "closed" | "open";
const RATE = Number(process.env.HEADLINE_RATE ?? 20_000);
const WARMUP_BUYERS = Number(process.env.HEADLINE_WARMUP_BUYERS ?? 8000);
/** Each process's node flags unless HEADLINE_GATEWAY_NODE_ARGS or HEADLINE_WRITER_NODE_ARGS say otherwise: production's. */
const NODE_ARGS = { gateway: GATEWAY_NODE_FLAGS, writer: "" } as const;
const LIMIT = 2;
const SECOND_KEY_EVERY = 5;
const PAY_EVERY = 10;
const CANCEL_EVERY = 50;
const OUT = join(ROOT, "demo", "out");
const SELL_TARGET_MS = 60_000;
const LAG_TARGET_MS = 1000;

const round1 = (x: number) => Math.round(x * 10) / 10;

/** One sample per second while the crowd runs. */
export interface Sample {
  t: number;
  remaining: number;
  rows: number;
  redisBytes: number;
  /** Share of one core per watched process over the last second. */
  cpu: Record<string, number>;
}

/** The run's processes, stores and clients, shared by its phases. */
export interface Ctx {
  saleId: string;
  port: number;
  dir: string;
  cfg: Config;
  /** The last 20 kB a process logged (its stderr goes to `<dir>/<name>.log`). */
  logTail: (name: "gateway" | "writer") => string;
  gw: ChildProcess;
  writer: ChildProcess;
  api: ApiClient;
  shards: MysqlShards;
  redis: ReturnType<typeof createRedis>;
  keys: Keys;
  crowd: TsChild;
}

export type Spec = {
  skuId: string;
  stock: number;
  perUserLimit: number;
  durationMs: number;
  shards: number;
  paymentTimeoutSeconds: number;
};
type Buyers = Omit<CrowdPrepare, "cmd" | "port" | "saleId">;
type Prep = { prepared: number; tokens: number; tokenMs: number; tokenCpuSeconds: number };
export type Row = {
  order_id: string;
  user_id: string;
  quantity: number;
  status: string;
  version: number;
  purchase_token: string | null;
  updated_at: Date;
};

/** The flood's outcome, as the crowd reported it and as sampled beside it. */
interface Flood {
  prep: Prep;
  redisBefore: number;
  watched: Watched[];
  samples: Sample[];
  run: CrowdResult;
  floodSeconds: number;
  cpuFlood: number[];
  accepted: Accepted[];
  series: SecondBucket[];
  latencyCurves: Record<"all" | "accepted", [number, number][]>;
  drainMs: number;
  lags: number[];
}

/** After the flood: the payments and cancels, one sweeper pass, and what MySQL and the outbox hold. */
/** The sale as MySQL, the outbox and the stats hold it once the buyers are done. */
export interface SettledState {
  reconcile: unknown;
  stats: any;
  rows: Row[];
  outbox: number;
  unpublished: number;
}

interface Settled extends SettledState {
  paid: Set<string>;
  cancelled: Set<string>;
  payFailures: number;
}

export async function headline(): Promise<boolean> {
  const started = await up(false);
  // Databases, topics, consumer groups and a Redis key prefix of its own, dropped at the end: a sale of
  // 100,000 orders left in the shared stores would keep every later gateway's sweeper busy for its
  // lifetime, and its payment timers would fire into the next demo.
  const { env, dbs, topics } = durableBenchEnv(`hl${rid(3)}`);
  const cfg = benchConfig(env);
  await ensureGatewayTopics(topics);
  const ctx = await startProcesses(cfg, env);
  let ok = false;
  try {
    for (let i = 0; ; i++) {
      if (await ctx.api.ready()) break;
      if (i > 150 || ctx.gw.exitCode !== null)
        throw new Error(`gateway did not become ready:\n${ctx.logTail("gateway")}`);
      await sleep(200);
    }
    const spec: Spec = {
      skuId: "headline-sneaker",
      stock: STOCK,
      perUserLimit: LIMIT,
      durationMs: 1_800_000,
      shards: SHARDS,
      paymentTimeoutSeconds: 1800,
    };
    if (WARMUP_BUYERS > 0) await warmUp(ctx, spec);
    const flood = await theFlood(ctx, spec);
    const settled = await settle(ctx, flood.accepted);
    ok = await report(ctx, flood, settled);
  } finally {
    await stopAndDrop(ctx, dbs, started);
  }
  return ok;
}

/** The gateway (pinned to the server core), the order writer, and the crowd (pinned to the other core). */
export async function startProcesses(cfg: Config, env: Record<string, string>): Promise<Ctx> {
  const port = await freePort();
  const opsPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fs-headline-"));
  const common = {
    server: { port, host: "127.0.0.1", ops: { host: "127.0.0.1", port: opsPort } },
    admission: { shedding: { maxInFlight: Math.max(4096, CONNECTIONS * 2) } },
  };
  // The gateway takes no order messages; the writer process does (and answers back-checks, sweeps).
  writeFileSync(join(dir, "gateway.json"), JSON.stringify({ ...common, rocketmq: { consumer: { enabled: false } } }));
  writeFileSync(join(dir, "writer.json"), JSON.stringify(common));
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")],
    { stdio: "inherit" },
  );
  // Each process logs to a file of the run's folder, not a pipe to this busy process: a full pipe made pino's
  // synchronous writes wait (1.8 s of a profiled gateway's drop went to access-log lines, sleeps included).
  const logOf = (name: string) => join(dir, `${name}.log`);
  const start = (name: "gateway" | "writer", script: string, core: number | null): ChildProcess => {
    // HEADLINE_PROFILE=1: V8 CPU profiles of both processes (and the crowd's), written when they stop, into the run's folder.
    const node = [
      ...(process.env.HEADLINE_PROFILE === "1" ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, `${name}-profile`)}`] : []),
      ...(process.env[`HEADLINE_${name.toUpperCase()}_NODE_ARGS`] ?? NODE_ARGS[name]).split(" ").filter(Boolean),
      join(ROOT, "dist", "src", script),
    ];
    const [cmd, args] = core === null ? [process.execPath, node] : pinned(core, process.execPath, node);
    const log = openSync(logOf(name), "a");
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...env, FLASHSALE_CONFIG: join(dir, `${name}.json`), FLASHSALE_RMQ_LOG: "silent" },
      stdio: ["ignore", "ignore", log],
    });
    closeSync(log); // the child holds its own copy
    return child;
  };
  const gw = start("gateway", "main.js", SERVER_CORE);
  const writer = start("writer", "writer-main.js", null);
  return {
    saleId: `headline-${Date.now().toString(36)}`,
    port,
    dir,
    cfg,
    logTail: (name) => readFileSync(logOf(name), "utf8").slice(-20_000),
    gw,
    writer,
    api: new ApiClient(
      `http://127.0.0.1:${port}`,
      { ...cfg.auth, webhookSecret: cfg.payments.webhookSecret },
      `http://127.0.0.1:${opsPort}`,
    ),
    shards: new MysqlShards(cfg.mysql),
    redis: createRedis(cfg.redis),
    keys: new Keys(cfg.redis.keyPrefix),
    crowd: new TsChild("bench/clients/crowd.ts", {
      core: LOAD_CORE,
      env,
      nodeArgs:
        process.env.HEADLINE_PROFILE === "1" ? ["--cpu-prof", `--cpu-prof-dir=${join(dir, "crowd-profile")}`] : [],
    }),
  };
}

export async function rowsOf(ctx: Ctx, id: string): Promise<number> {
  let n = 0;
  for (const t of ctx.shards.allTables())
    n += Number(
      (await t.pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM \`${t.table}\` WHERE sale_id = ?`, [id]))[0][0]!
        .n,
    );
  return n;
}

/** Redis is shared (other sales, earlier runs): the sale's own memory is the growth from before its tokens. */
async function redisBytes(ctx: Ctx): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await ctx.redis.info("memory"))?.[1] ?? NaN);
}

/**
 * Tokens are issued from `tokens.leadSeconds` before the start: a sale is put to start within that
 * window, the buyers take their tokens, then it is put again to start in a few seconds.
 */
async function openSale(ctx: Ctx, id: string, s: Spec, buyers: Buyers): Promise<Prep> {
  const { api, crowd, port, cfg } = ctx;
  expectStatus(
    `create sale ${id}`,
    await api.putSaleRetrying(id, { ...s, startInMs: (cfg.tokens.leadSeconds - 30) * 1000 }),
    201,
  );
  const prep = await ask<Prep, CrowdPrepare>(crowd, { cmd: "prepare", port, saleId: id, ...buyers }, 1_800_000);
  const startInMs = 3000;
  const put2 = await api.putSaleRetrying(id, { ...s, startInMs });
  if (put2.status !== 200 && put2.status !== 201)
    throw new Error(`moving the start: ${put2.status} ${JSON.stringify(put2.body)}`);
  await sleep(startInMs + 200);
  return prep;
}

/**
 * A warm-up sale first, as a production broker and gateway would be warm: a cold RocketMQ proxy spends
 * most of a core compiling (JIT) through its first tens of thousands of transactions.
 */
export async function warmUp(ctx: Ctx, spec: Spec): Promise<void> {
  const warmId = `${ctx.saleId}-warm`;
  const t = Date.now();
  await openSale(
    ctx,
    warmId,
    { ...spec, stock: Math.ceil(WARMUP_BUYERS / 3), shards: 8 },
    { userPrefix: "hw-", buyers: WARMUP_BUYERS, secondKeyEvery: SECOND_KEY_EVERY, repeats: 1, tokenConnections: 512 },
  );
  const w = await ask<CrowdResult, CrowdRun>(
    ctx.crowd,
    {
      cmd: "run",
      port: ctx.port,
      connections: CONNECTIONS,
      mode: "closed",
      retryCapMs: 1000,
      out: join(ctx.dir, "warmup.json"),
    },
    600_000,
  );
  for (let i = 0; (await rowsOf(ctx, warmId)) < w.acceptedOrders && i < 600; i++) await sleep(250);
  console.log(
    `warm-up sale ${warmId}: ${WARMUP_BUYERS} buyers, ${w.requests} requests, ${w.acceptedOrders} orders, ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
}

/** The processes whose CPU is sampled over each second of the flood. */
export function watchedProcesses(ctx: Ctx): Watched[] {
  const { cfg } = ctx;
  return [
    { label: "gateway", pid: ctx.gw.pid ?? null },
    { label: "writer", pid: ctx.writer.pid ?? null },
    { label: "rocketmq proxy+broker", pid: pidListeningOn(Number(cfg.rocketmq.endpoints.split(":")[1])) },
    { label: "rocketmq namesrv", pid: pidListeningOn(Number(cfg.rocketmq.namesrv.split(":")[1])) },
    { label: "redis", pid: pidListeningOn(Number(new URL(cfg.redis.url).port || 6379)) },
    { label: "mariadb", pid: pidListeningOn(cfg.mysql.shards[0]!.port) },
    { label: "load generator", pid: ctx.crowd.pid },
    { label: "this auditor", pid: process.pid },
  ];
}

/** Every second until stopped: the stock left in Redis, the rows in MySQL, Redis memory, each process's CPU. */
export function sampleEverySecond(
  ctx: Ctx,
  watched: Watched[],
  t0: number,
  cpuStart: number[],
): { samples: Sample[]; stop: () => Promise<void> } {
  const stockKeys = Array.from({ length: SHARDS }, (_, i) => ctx.keys.shard(ctx.saleId, i).stock);
  const remainingNow = async () =>
    (await Promise.all(stockKeys.map((k) => ctx.redis.get(k)))).reduce((s, v) => s + Number(v ?? 0), 0);
  const samples: Sample[] = [];
  let prevCpu = cpuStart;
  let prevT = performance.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      await sleep(1000);
      const [remaining, rows, bytes] = await Promise.all([remainingNow(), rowsOf(ctx, ctx.saleId), redisBytes(ctx)]);
      const now = performance.now();
      const cpu = cpuOfEach(watched);
      const dt = (now - prevT) / 1000;
      samples.push({
        t: round1((now - t0) / 1000),
        remaining,
        rows,
        redisBytes: bytes,
        cpu: Object.fromEntries(watched.map((w, i) => [w.label, round1(((cpu[i]! - prevCpu[i]!) / dt) * 100)])),
      });
      prevCpu = cpu;
      prevT = now;
    }
  })();
  return {
    samples,
    stop: () => {
      sampling = false;
      return sampler;
    },
  };
}

/** The headline sale: tokens, the crowd's flood, then every accepted order in MySQL and the 202 → row lag. */
async function theFlood(ctx: Ctx, spec: Spec): Promise<Flood> {
  const { saleId, crowd, port, dir } = ctx;
  const redisBefore = await redisBytes(ctx);
  console.log(
    `headline sale ${saleId}: ${STOCK} units on ${SHARDS} shards, limit ${LIMIT}, ${BUYERS} buyers (every ${SECOND_KEY_EVERY}th with a second key), ${MODE} loop over ${CONNECTIONS} connections`,
  );
  const prep = await openSale(ctx, saleId, spec, {
    userPrefix: "hb-",
    buyers: BUYERS,
    secondKeyEvery: SECOND_KEY_EVERY,
    repeats: REPEATS,
    tokenConnections: 512,
  });
  console.log(
    `tokens: ${prep.tokens} in ${(prep.tokenMs / 1000).toFixed(1)} s (${Math.round(prep.tokens / (prep.tokenMs / 1000))}/s); ${prep.prepared} attempts planned`,
  );

  const watched = watchedProcesses(ctx);
  const cpuStart = cpuOfEach(watched);
  const t0 = performance.now();
  const sampler = sampleEverySecond(ctx, watched, t0, cpuStart);
  const run = await ask<CrowdResult, CrowdRun>(
    crowd,
    {
      cmd: "run",
      port,
      connections: CONNECTIONS,
      mode: MODE,
      rate: RATE,
      retryCapMs: 1000,
      out: join(dir, "answers.json"),
    },
    1_800_000,
  );
  const floodSeconds = (performance.now() - t0) / 1000;
  const cpuFlood = cpuOfEach(watched).map((c, i) => c - cpuStart[i]!);
  const { accepted, series, latencyCurves } = JSON.parse(readFileSync(join(dir, "answers.json"), "utf8")) as Pick<
    Flood,
    "accepted" | "series" | "latencyCurves"
  >;
  console.log(
    `flood: ${run.requests} requests (${run.attempts} attempts, ${run.retries} retries of 503/429) in ${(run.totalMs / 1000).toFixed(1)} s; last new 202 at ${(run.lastAcceptedMs / 1000).toFixed(1)} s; ${accepted.length} orders`,
  );

  // Every accepted order in MySQL (the writer catches up), then the 202 → row lag from the rows as written.
  const drainT0 = Date.now();
  while ((await rowsOf(ctx, saleId)) < accepted.length && Date.now() - drainT0 < 180_000) await sleep(250);
  const drainMs = Date.now() - drainT0;
  await sampler.stop();
  const rowAt = new Map((await readRows(ctx)).map((r) => [r.order_id, r.updated_at.getTime()]));
  const lags = accepted
    .flatMap((a) => (rowAt.has(a.orderId) ? [Math.max(0, rowAt.get(a.orderId)! - a.at)] : []))
    .sort((a, b) => a - b);
  return {
    prep,
    redisBefore,
    watched,
    samples: sampler.samples,
    run,
    floodSeconds,
    cpuFlood,
    accepted,
    series,
    latencyCurves,
    drainMs,
    lags,
  };
}

export async function readRows(ctx: Ctx): Promise<Row[]> {
  const rows: Row[] = [];
  for (const t of ctx.shards.allTables()) {
    const [r] = await t.pool.query<RowDataPacket[]>(
      `SELECT order_id, user_id, quantity, status, version, purchase_token, updated_at FROM \`${t.table}\` WHERE sale_id = ?`,
      [ctx.saleId],
    );
    rows.push(...(r as Row[]));
  }
  return rows;
}

/** After the 202: payments and cancels, one sweeper pass, then the rows and the outbox as MySQL holds them. */
async function settle(ctx: Ctx, accepted: Accepted[]): Promise<Settled> {
  const { paid, cancelled, payFailures } = await payAndCancel(ctx, accepted);
  return { paid, cancelled, payFailures, ...(await settledState(ctx)) };
}

/**
 * Once the buyers are done: one sweeper pass, the sale's stats, its rows, and its outbox once the relay
 * drained, waiting up to `outboxWaitMs` for each database's last events.
 */
export async function settledState(ctx: Ctx, outboxWaitMs = 20_000): Promise<SettledState> {
  const reconcile = (await ctx.api.reconcile(ctx.saleId)).body;
  const stats = (await ctx.api.stats(ctx.saleId)).body;
  const rows = await readRows(ctx);
  let unpublished = 0;
  let outbox = 0;
  const tries = Math.ceil(outboxWaitMs / 200);
  for (const { pool: db } of ctx.shards.databases()) {
    // The relay publishes the last events shortly after their rows (or after the drop it held them for).
    for (let i = 0; i < tries; i++) {
      const [r] = await db.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n, SUM(published_at IS NULL) AS u FROM order_events WHERE sale_id = ?",
        [ctx.saleId],
      );
      if (Number(r[0]!.u ?? 0) === 0 || i === tries - 1) {
        outbox += Number(r[0]!.n);
        unpublished += Number(r[0]!.u ?? 0);
        break;
      }
      await sleep(200);
    }
  }
  return { reconcile, stats, rows, outbox, unpublished };
}

/** One in ten pays, one in fifty cancels. */
async function payAndCancel(
  ctx: Ctx,
  accepted: Accepted[],
): Promise<Pick<Settled, "paid" | "cancelled" | "payFailures">> {
  const { api } = ctx;
  const paid = new Set<string>();
  const cancelled = new Set<string>();
  let payFailures = 0;
  await pool(
    accepted.filter((_, i) => i % PAY_EVERY === 0 || i % CANCEL_EVERY === 1),
    32,
    async (a) => {
      if (accepted.indexOf(a) % CANCEL_EVERY === 1) {
        // The buyer cancels through the storefront client, which retries 503s and lost connections itself.
        const done = await api
          .storefront(a.userId, { maxAttempts: 20, maxDelayMs: 250 })
          .cancelOrder(a.orderId)
          .then(
            () => true,
            () => false,
          );
        if (done) cancelled.add(a.orderId);
        else payFailures++;
        return;
      }
      for (let i = 0; i < 20; i++) {
        const r = await api.pay({ eventId: `hl-${a.orderId}`, orderId: a.orderId, status: "SUCCEEDED" });
        if (r.status === 200) {
          paid.add(a.orderId);
          return;
        }
        if (r.status < 500) break;
        await sleep(250);
      }
      payFailures++;
    },
  );
  return { paid, cancelled, payFailures };
}

function checkInvariants({ accepted, run }: Flood, settled: Settled) {
  const { paid, cancelled, payFailures } = settled;
  const { gaveUp, replayMismatches, errors } = run;
  return orderInvariants(
    { accepted, gaveUp, replayMismatches, errors, paid: paid.size, cancelled: cancelled.size, payFailures },
    settled,
  );
}

/** What the crowd saw of a headline drop, as the invariants read it. */
export interface CrowdAnswers {
  accepted: readonly { orderId: string }[];
  /** Attempts given up unanswered (their order may exist without a 202 the crowd saw). */
  gaveUp: number;
  replayMismatches: number;
  errors: number;
  paid: number;
  cancelled: number;
  payFailures: number;
}

/** Today's headline invariants (the plain drop's and the room drop's), from the crowd's answers and MySQL. */
export function orderInvariants(c: CrowdAnswers, { rows, stats, outbox, unpublished }: SettledState) {
  const acceptedIds = new Set(c.accepted.map((a) => a.orderId));
  const rowIds = new Set(rows.map((r) => r.order_id));
  const held = new Map<string, number>();
  for (const r of rows) if (r.status !== "CANCELLED") held.set(r.user_id, (held.get(r.user_id) ?? 0) + r.quantity);
  const soldUnits = [...held.values()].reduce((a, b) => a + b, 0);
  const tokens = rows.map((r) => r.purchase_token);
  return {
    "no oversell": soldUnits <= STOCK && stats.redisRemaining >= 0,
    "no lost order (every 202 is a row)": c.accepted.every((a) => rowIds.has(a.orderId)),
    "no order without a 202": c.gaveUp > 0 || rows.every((r) => acceptedIds.has(r.order_id)),
    "no duplicate (one row per order and per token, replays name the first order)":
      rowIds.size === rows.length && new Set(tokens).size === tokens.length && c.replayMismatches === 0,
    "per-buyer limit": [...held.values()].every((q) => q <= LIMIT),
    "stock conserved (remaining + in transfer + reserved = stock)":
      stats.redisRemaining + stats.inTransfer + stats.reserved === STOCK,
    "sold out (units held + units returned by cancels = stock)": soldUnits + stats.redisRemaining === STOCK,
    "payments and cancels exactly once":
      rows.filter((r) => r.status === "PAID").length === c.paid &&
      rows.filter((r) => r.status === "CANCELLED").length === c.cancelled &&
      c.payFailures === 0,
    "convergence (drift 0)": stats.drift === 0,
    "every order event published (outbox)": unpublished === 0 && outbox === rows.reduce((n, r) => n + r.version, 0),
    "no transport error": c.errors === 0,
  };
}

/** Writes headline.json and the checked headline.html, prints the summary. True when every invariant held. */
async function report(ctx: Ctx, flood: Flood, settled: Settled): Promise<boolean> {
  const invariants = checkInvariants(flood, settled);
  const json = reportJson(ctx, flood, settled, invariants);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "headline.json"), JSON.stringify(json, null, 2));
  // The report as a browser shows it; a broken report fails the run as a failed invariant does.
  const problems = await writeCheckedReport(join(OUT, "headline.html"), renderHtml(ctx, flood, settled, json));
  if (problems.length) console.error(`report check failed:\n  ${problems.join("\n  ")}`);
  printSummary(ctx, flood, settled, json);
  return Object.values(invariants).every(Boolean) && problems.length === 0;
}

function reportJson(ctx: Ctx, flood: Flood, settled: Settled, invariants: ReturnType<typeof checkInvariants>) {
  const { run, accepted, lags, cpuFlood, floodSeconds, prep, samples, redisBefore, series } = flood;
  const sellMs = run.lastAcceptedMs;
  const targets = {
    [`sell phase under ${SELL_TARGET_MS / 1000} s`]: {
      value: `${(sellMs / 1000).toFixed(1)} s`,
      met: sellMs < SELL_TARGET_MS,
    },
    [`202 → row p99 under ${LAG_TARGET_MS} ms`]: {
      value: `${Math.round(pct(lags, 0.99))} ms`,
      met: pct(lags, 0.99) < LAG_TARGET_MS,
    },
  };
  const cpu = Object.fromEntries(
    flood.watched.map((w, i) => [
      w.label,
      {
        seconds: round1(cpuFlood[i]!),
        coreShare: round1((cpuFlood[i]! / floodSeconds) * 100),
        usPerRequest: Math.round((cpuFlood[i]! / run.requests) * 1e6),
      },
    ]),
  );
  const peakRedis = Math.max(...samples.map((s) => s.redisBytes));
  return {
    run: {
      saleId: ctx.saleId,
      buyers: BUYERS,
      stock: STOCK,
      shards: SHARDS,
      perUserLimit: LIMIT,
      secondKeyEvery: SECOND_KEY_EVERY,
      repeats: REPEATS,
      connections: CONNECTIONS,
      mode: MODE,
      rate: MODE === "open" ? RATE : null,
    },
    tokens: {
      issued: prep.tokens,
      seconds: round1(prep.tokenMs / 1000),
      perSecond: Math.round(prep.tokens / (prep.tokenMs / 1000)),
    },
    flood: {
      attempts: run.attempts,
      requests: run.requests,
      retries: run.retries,
      gaveUp: run.gaveUp,
      answers: run.answers,
      sellPhaseSeconds: round1(sellMs / 1000),
      floodSeconds: round1(run.totalMs / 1000),
      requestsPerSecond: Math.round(run.requests / (run.totalMs / 1000)),
      acceptedPerSecondWhileSelling: Math.round(accepted.length / (sellMs / 1000)),
      orders: accepted.length,
      latencyMs: run.latencyMs,
    },
    lag202ToRowMs: {
      p50: Math.round(pct(lags, 0.5)),
      p99: Math.round(pct(lags, 0.99)),
      max: Math.round(lags[lags.length - 1] ?? NaN),
      drainAfterFloodMs: flood.drainMs,
    },
    cpu,
    loadGeneratorVsGateway: Math.round((cpuFlood[6]! / cpuFlood[0]!) * 100) / 100,
    redis: {
      usedMemoryBeforeBytes: redisBefore,
      peakUsedMemoryBytes: peakRedis,
      peakMB: round1(peakRedis / 1e6),
      saleMB: round1((peakRedis - redisBefore) / 1e6),
    },
    lifecycle: { paid: settled.paid.size, cancelled: settled.cancelled.size },
    reconcile: settled.reconcile,
    stats: settled.stats,
    invariants,
    targets,
    samples,
    series,
  };
}

function renderHtml(ctx: Ctx, flood: Flood, settled: Settled, report: ReturnType<typeof reportJson>): string {
  const { series, samples } = flood;
  const { paid, cancelled, outbox, unpublished } = settled;
  const unpaid = settled.rows.length - paid.size - cancelled.size;
  return renderReport({
    title: "Headline sale",
    subtitle: `sale ${ctx.saleId} · ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · gateway, writer and load generator as separate processes on this machine`,
    parameters: headlineParameters(),
    summary: headlineSummary(flood, report),
    invariants: Object.entries(report.invariants).map(([name, ok]) => ({ name, ok })),
    targets: Object.entries(report.targets).map(([name, t]) => ({ name, met: t.met, value: t.value })),
    answers: answersBySecond(series),
    stock: {
      series: [
        { label: "stock left in Redis", points: samples.map((x) => [x.t, x.remaining]) },
        { label: "rows in MySQL", points: samples.map((x) => [x.t, x.rows]) },
      ],
    },
    latency: [
      { label: "every answer", points: flood.latencyCurves.all },
      { label: "accepted (new 202)", points: flood.latencyCurves.accepted },
    ],
    lag: histogram(flood.lags),
    lifecycle: [
      { title: "orders", counts: { paid: paid.size, cancelled: cancelled.size, "confirmed, unpaid": unpaid } },
      { title: "events", counts: { "outbox events": outbox, unpublished } },
    ],
    extra: headlineExtraCharts(flood),
  });
}

/** The run parameters the headline report lists. */
function headlineParameters(): ReportData["parameters"] {
  return {
    buyers: fmtInt(BUYERS),
    stock: `${fmtInt(STOCK)} units`,
    shards: SHARDS,
    "limit per buyer": LIMIT,
    "second key": `1 buyer in ${SECOND_KEY_EVERY}`,
    "presses per key": REPEATS,
    connections: fmtInt(CONNECTIONS),
    loop: MODE === "open" ? `open, ${fmtInt(RATE)} attempts/s` : "closed",
    "warm-up buyers": fmtInt(WARMUP_BUYERS),
  };
}

/** The headline report's tiles: attempts, throughput, latency, lag, tokens and memory. */
function headlineSummary(flood: Flood, report: ReturnType<typeof reportJson>): ReportData["summary"] {
  const { run, accepted, prep, drainMs } = flood;
  return [
    {
      label: "order attempts",
      value: fmtInt(run.attempts),
      note: `${fmtInt(run.requests)} requests, ${fmtInt(run.retries)} retried`,
    },
    {
      label: "sell phase",
      value: `${report.flood.sellPhaseSeconds} s`,
      note: `${fmtInt(accepted.length)} orders, ${fmtInt(report.flood.acceptedPerSecondWhileSelling)}/s`,
    },
    {
      label: "requests per second",
      value: fmtInt(report.flood.requestsPerSecond),
      note: `flood ${report.flood.floodSeconds} s`,
    },
    {
      label: "latency p99",
      value: fmtMs(run.latencyMs.all.p99),
      note: `p50 ${fmtMs(run.latencyMs.all.p50)}; new 202 p99 ${fmtMs(run.latencyMs.accepted.p99)}`,
    },
    {
      label: "202 → MySQL row p99",
      value: fmtMs(report.lag202ToRowMs.p99),
      note: `p50 ${fmtMs(report.lag202ToRowMs.p50)}, all rows ${fmtMs(drainMs)} after the flood`,
    },
    {
      label: "tokens per second",
      value: fmtInt(report.tokens.perSecond),
      note: `${fmtInt(prep.tokens)} in ${report.tokens.seconds} s`,
    },
    {
      label: "peak Redis memory",
      value: `${report.redis.peakMB} MB`,
      note: `${report.redis.saleMB} MB for this sale`,
    },
  ];
}

/** Answers per second of the flood, one series per outcome that occurred. */
function answersBySecond(series: Flood["series"]): ReportData["answers"] {
  return {
    bucketSeconds: 1,
    startSeconds: series.map((b) => b.t),
    // The crowd retries every 503/429 with the same key, so the label says so.
    series: OUTCOMES.filter((k) => series.some((b) => b[k] > 0)).map((k) => ({
      outcome: k,
      label: k === "retryLater" ? "503/429 (retried)" : OUTCOME_LABELS[k],
      counts: series.map((b) => b[k]),
    })),
  };
}

/** The headline's further charts: latency of each second, CPU per process, Redis memory. */
function headlineExtraCharts(flood: Flood): NonNullable<ReportData["extra"]> {
  const { series, samples } = flood;
  return [
    {
      title: "Latency of each second's answers",
      unit: "ms",
      series: [
        { label: "p50", points: series.map((b) => [b.t, b.p50]) },
        { label: "p99", points: series.map((b) => [b.t, b.p99]) },
      ],
    },
    {
      title: "CPU per process (% of one core)",
      unit: "percent",
      series: flood.watched.map((w) => ({
        label: w.label,
        points: samples.map((x) => [x.t, x.cpu[w.label] ?? 0] as [number, number]),
      })),
    },
    {
      title: "Redis used memory",
      unit: "bytes",
      series: [{ label: "used_memory", points: samples.map((x) => [x.t, x.redisBytes]) }],
    },
  ];
}

function printSummary(ctx: Ctx, flood: Flood, settled: Settled, report: ReturnType<typeof reportJson>): void {
  const { run, accepted, prep, drainMs } = flood;
  const { paid, cancelled, stats } = settled;
  console.log(`\n=== headline sale report (${ctx.saleId}) ===`);
  console.log(`tokens          ${prep.tokens} in ${report.tokens.seconds} s (${report.tokens.perSecond}/s)`);
  console.log(
    `sell phase      ${report.flood.sellPhaseSeconds} s: ${accepted.length} orders (${report.flood.acceptedPerSecondWhileSelling}/s); flood ${report.flood.floodSeconds} s, ${run.requests} requests (${report.flood.requestsPerSecond}/s), ${run.retries} retried`,
  );
  console.log(`answers         ${JSON.stringify(run.answers)}`);
  console.log(
    `latency         all p50 ${run.latencyMs.all.p50} ms, p99 ${run.latencyMs.all.p99} ms; new 202 p50 ${run.latencyMs.accepted.p50} ms, p99 ${run.latencyMs.accepted.p99} ms`,
  );
  console.log(
    `202 → row       p50 ${report.lag202ToRowMs.p50} ms, p99 ${report.lag202ToRowMs.p99} ms, max ${report.lag202ToRowMs.max} ms; all rows ${drainMs} ms after the flood`,
  );
  console.log(
    `cpu             ${Object.entries(report.cpu)
      .map(([k, v]) => `${k} ${v.seconds} s (${v.usPerRequest} µs/req)`)
      .join(", ")}`,
  );
  console.log(`load generator  ${report.loadGeneratorVsGateway}× the gateway's CPU`);
  console.log(
    `redis           peak used_memory ${report.redis.peakMB} MB, ${report.redis.saleMB} MB more than before the sale's tokens`,
  );
  console.log(
    `after the 202   ${paid.size} paid, ${cancelled.size} cancelled; stats ${JSON.stringify({ reserved: stats.reserved, remaining: stats.redisRemaining, drift: stats.drift })}`,
  );
  console.log(
    `targets         ${Object.entries(report.targets)
      .map(([k, v]) => `${k}: ${v.value} ${v.met ? "met" : "MISSED"}`)
      .join("; ")}`,
  );
  console.log(
    `invariants      ${Object.entries(report.invariants)
      .map(([k, v]) => `${k}=${v ? "ok" : "FAILED"}`)
      .join("; ")}`,
  );
  console.log(
    `written         demo/out/headline.json, demo/out/headline.html, demo/out/headline.png${process.env.HEADLINE_PROFILE === "1" ? `; CPU profiles in ${ctx.dir}` : ""}`,
  );
}

/** Stops the crowd, drains the gateway and the writer, and drops the run's databases and Redis keys. */
export async function stopAndDrop(ctx: Ctx, dbs: string[], started: Awaited<ReturnType<typeof up>>): Promise<void> {
  const { crowd, gw, writer, shards, cfg, redis } = ctx;
  await crowd.stop().catch(() => {});
  // Both drain and exit on SIGTERM (and write their CPU profiles then).
  const exited = (c: ChildProcess) =>
    c.exitCode !== null || c.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((r) => c.once("exit", () => r()));
  gw.kill("SIGTERM");
  writer.kill("SIGTERM");
  await Promise.race([Promise.all([exited(gw), exited(writer)]), sleep(30_000)]);
  await shards.close();
  const root = await mysql.createConnection(rootConnection(cfg));
  for (const db of dbs) await root.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
  await root.end().catch(() => {});
  await dropPrefix(redis as Redis, cfg.redis.keyPrefix).catch(() => 0);
  redis.disconnect();
  await down(started);
}

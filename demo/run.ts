import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import { loadConfig } from "../src/config/load.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import type { OrderEvent } from "../src/persistence/order-events.js";
import { freePort, ROOT } from "../stack/proc.js";
import { down, up } from "../stack/stack.js";
import { FlashSaleError, FlashSaleTransportError } from "@flashsale/client";
import { ApiClient, expectStatus } from "../support/api-client.js";
import { eventReader } from "../support/event-reader.js";
import { pool } from "../support/pool.js";
import { HttpConnection, requestBytes } from "../bench/lib/http-connection.js";
import { atPercentile as pct } from "../bench/lib/percentiles.js";
import { writeCheckedReport } from "./report/check.js";
import {
  answerBuckets,
  fmtInt,
  fmtMs,
  histogram,
  percentileCurve,
  renderReport,
  type Outcome,
  type ReportData,
} from "./report/render.js";

/**
 * `npm run demo`: a flash sale end to end on the real stack, and the orders' life after it. Thousands of
 * buyers, ten times more demand than stock, some pressing twice. Then the buyers pay, or pay twice, or pay
 * too late, or fail, or cancel, or never pay; the units that come back (timeouts, failures, cancels) sell
 * again to buyers still trying, until every order is PAID or CANCELLED. An auditor then checks guarantees
 * 1-8 against MySQL, Redis and the events topic. Exit code 1 if one fails.
 */
const BUYERS = Number(process.env.DEMO_BUYERS ?? 5000);
const STOCK = Number(process.env.DEMO_STOCK ?? 500);
const LIMIT = 2;
const SHARDS = 8;
const CONCURRENCY = Number(process.env.DEMO_CONCURRENCY ?? 256);
/** Short, so the demo sees its timeouts: an order unpaid this long after its reservation is cancelled. */
const PAYMENT_TIMEOUT_SECONDS = Number(process.env.DEMO_PAYMENT_TIMEOUT_SECONDS ?? 6);
/** Buyers who got SOLD_OUT and keep trying while units come back. */
const HOPEFULS = Math.min(2000, BUYERS);
const OUT = join(ROOT, "demo", "out");

interface Attempt {
  user: string;
  quantity: number;
  start: number;
  ms: number;
  status: number;
  code?: string;
  orderId?: string;
  replayed: boolean;
}

/** What each accepted order of the drop does next (by its index, so every kind is there). */
const PLANS = [
  "pay",
  "pay",
  "pay",
  "pay-redelivered",
  "pay-twice",
  "fail",
  "cancel",
  "never-pay",
  "pay-late",
  "pay",
] as const;
type Plan = (typeof PLANS)[number] | "resale-pay";

type Buyer = { user: string; auth: string; token: string; quantity: number };
type Payment = {
  orderId: string;
  eventId: string;
  ms: number;
  status: number;
  outcome: string;
  replayed: boolean;
  second: boolean;
};
type Pay = (
  orderId: string,
  status: "SUCCEEDED" | "FAILED",
  eventId?: string,
  second?: boolean,
) => Promise<{ r: { status: number }; eventId: string }>;
type Row = {
  order_id: string;
  user_id: string;
  quantity: number;
  status: string;
  version: number;
  created_at: Date;
  updated_at: Date;
};
type StockSample = { t: number; remaining: number; held: number; paid: number };

/** The drop's outcome: every answer, and the stock sampled over it (the sampler runs until stopped). */
interface Drop {
  startsAt: number;
  attempts: Attempt[];
  accepted: Attempt[];
  soldUnits: number;
  trafficMs: number;
  stockSamples: StockSample[];
  stopSampling: () => Promise<void>;
}

/** What happened after the 202s: each order's plan, the payments, the units sold again. */
interface AfterDrop {
  plans: Map<string, { plan: Plan; user: string }>;
  payments: Payment[];
  resales: { orderId: string; at: number; user: string }[];
  retryAttempts: number;
  hopefuls: string[];
}

/** The auditor's view of the sale: MySQL rows and outbox, refunds, and the events downstream received. */
interface Audit {
  rows: Row[];
  outbox: OrderEvent[];
  unpublished: number;
  refunds: { orderId: string; reason: string; eventId: string }[];
  delivered: OrderEvent[];
}

async function main(): Promise<void> {
  const started = await up(false);
  const cfg = loadConfig();
  const port = await freePort();
  const opsPort = await freePort();
  const gateway = startGateway(port, opsPort);
  const api = new ApiClient(
    `http://127.0.0.1:${port}`,
    { ...cfg.auth, webhookSecret: cfg.payments.webhookSecret },
    `http://127.0.0.1:${opsPort}`,
  );
  const shards = new MysqlShards(cfg.mysql);
  const saleId = `demo-${Date.now().toString(36)}`;
  // Downstream's view: every order event of this sale, as delivered (at least once).
  const delivered: OrderEvent[] = [];
  const reader = eventReader(cfg.rocketmq, `demo-events-${saleId}`, ({ event }) => {
    if (event.saleId === saleId) delivered.push(event);
  });
  let failed = false;
  try {
    await waitReady(api, gateway);
    await reader.startup();
    const drop = await theDrop(api, port, saleId);
    const after = await afterTheDrop(api, saleId, drop);
    const { stats: s, reconcile } = await settleAndSweep(api, saleId);
    await drop.stopSampling();
    const audit = await auditSale(api, shards, saleId, delivered);
    failed = !(await report(saleId, drop, after, audit, s, reconcile));
  } finally {
    // The gateway drains on SIGTERM (not ready, then in-flight work and rows); wait for it before the stack goes.
    const gw = gateway.process;
    const exited =
      gw.exitCode !== null || gw.signalCode !== null
        ? Promise.resolve()
        : new Promise<void>((r) => gw.once("exit", () => r()));
    gw.kill("SIGTERM");
    await reader.shutdown().catch(() => {});
    await Promise.race([exited, sleep(30_000)]);
    await shards.close();
    await down(started);
  }
  process.exit(failed ? 1 : 0);
}

/** The gateway as `npm start` runs it: compiled, not through tsx; its stderr kept for a failed start. */
function startGateway(port: number, opsPort: number): { process: ChildProcess; log: () => string } {
  const dir = mkdtempSync(join(tmpdir(), "fs-demo-"));
  // Sweeps every second: the fallback for timeouts and repairs shows up within the demo's minute.
  writeFileSync(
    join(dir, "demo.json"),
    JSON.stringify({
      server: { port, host: "127.0.0.1", ops: { host: "127.0.0.1", port: opsPort } },
      sweeper: { intervalMs: 1000 },
    }),
  );
  execFileSync(
    process.execPath,
    [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")],
    { stdio: "inherit" },
  );
  const gw = spawn(process.execPath, [join(ROOT, "dist", "src", "main.js")], {
    cwd: ROOT,
    env: { ...process.env, FLASHSALE_CONFIG: join(dir, "demo.json"), FLASHSALE_RMQ_LOG: "silent" },
    stdio: ["ignore", "inherit", "pipe"],
  });
  let gwLog = "";
  gw.stderr!.on("data", (d: Buffer) => (gwLog += d.toString()));
  return { process: gw, log: () => gwLog };
}

async function waitReady(api: ApiClient, gateway: { process: ChildProcess; log: () => string }): Promise<void> {
  for (let i = 0; ; i++) {
    if (await api.ready()) return;
    if (i > 150 || gateway.process.exitCode !== null)
      throw new Error(`gateway did not become ready:\n${gateway.log()}`);
    await sleep(200);
  }
}

/** The sale, every buyer with a token before it starts, then the drop: everyone at once. */
async function theDrop(api: ApiClient, port: number, saleId: string): Promise<Drop> {
  const startInMs = 4000;
  const startsAt = Date.now() + startInMs;
  const put = await api.putSaleRetrying(saleId, {
    skuId: "limited-sneaker",
    stock: STOCK,
    perUserLimit: LIMIT,
    startInMs,
    durationMs: 600_000,
    shards: SHARDS,
    paymentTimeoutSeconds: PAYMENT_TIMEOUT_SECONDS,
  });
  expectStatus("create the sale", put, 201);
  console.log(
    `sale ${saleId}: ${STOCK} units on ${SHARDS} shards, ${BUYERS} buyers, limit ${LIMIT} per buyer, payment timeout ${PAYMENT_TIMEOUT_SECONDS} s`,
  );
  const tokensFrom = Date.now();
  const buyers = await takeTokens(api, saleId);
  const tokenMs = Date.now() - tokensFrom;
  console.log(`tokens: ${buyers.length} in ${tokenMs} ms (${Math.round(buyers.length / (tokenMs / 1000))}/s)`);
  await sleep(Math.max(0, startsAt - Date.now()));

  const conns = await HttpConnection.openMany(port, CONCURRENCY);
  const t0 = Date.now();
  const sampler = sampleStock(api, saleId, t0);
  const attempts = await crowd(conns, port, saleId, buyers, t0);
  for (const c of conns) c.close();
  const trafficMs = Date.now() - t0;
  const accepted = attempts.filter((a) => a.status === 202 && !a.replayed);
  const soldUnits = accepted.reduce((s, a) => s + a.quantity, 0);
  console.log(
    `drop: ${attempts.length} attempts in ${trafficMs} ms, ${accepted.length} orders (${soldUnits} units) accepted`,
  );
  return { startsAt, attempts, accepted, soldUnits, trafficMs, ...sampler };
}

/** Before the start: every buyer signs in and takes a purchase token (issued from startsAt - leadSeconds). */
async function takeTokens(api: ApiClient, saleId: string): Promise<Buyer[]> {
  const buyers = Array.from({ length: BUYERS }, (_, i) => {
    const user = `buyer-${i}`;
    return { user, auth: `Bearer ${api.jwt(user, 3600)}`, token: "", quantity: i % 5 === 0 ? 2 : 1 };
  });
  // Through the storefront client, as a shop's page would: a 429 or 503 is waited out and retried.
  await pool(buyers, 64, async (b) => {
    b.token = (await api.storefront(b.user).takeToken(saleId)).token;
  });
  return buyers;
}

/**
 * The stock over time, for the report: one stats call every 250 ms on a connection of its own, nothing
 * next to the crowd's thousands of requests a second.
 */
function sampleStock(
  api: ApiClient,
  saleId: string,
  t0: number,
): { stockSamples: StockSample[]; stopSampling: () => Promise<void> } {
  const stockSamples: StockSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const st = await api.stats(saleId).catch(() => undefined);
      if (st?.status === 200)
        stockSamples.push({
          t: (Date.now() - t0) / 1000,
          remaining: st.body.redisRemaining,
          held: st.body.reserved - st.body.paid,
          paid: st.body.paid,
        });
      await sleep(250);
    }
  })();
  return {
    stockSamples,
    stopSampling: () => {
      sampling = false;
      return sampler;
    },
  };
}

/**
 * Every buyer presses the button; one in ten presses twice (a replay of the same key). The crowd's client
 * (bench/lib/http-connection.ts): keep-alive connections sending prepared bytes, so the buyers cost less
 * than the gateway they measure.
 */
async function crowd(
  conns: HttpConnection[],
  port: number,
  saleId: string,
  buyers: Buyer[],
  t0: number,
): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const wave = [...buyers, ...buyers.filter((_, i) => i % 10 === 3)].map((b) => ({
    b,
    request: requestBytes(
      "POST",
      `/v1/sales/${saleId}/orders`,
      port,
      { Authorization: b.auth, "Idempotency-Key": b.token, "Content-Type": "application/json" },
      JSON.stringify({ quantity: b.quantity }),
    ),
  }));
  let next = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (next < wave.length) {
        const { b, request } = wave[next++]!;
        const start = performance.now();
        const startedAt = Date.now() - t0;
        const r = await c.request(request);
        const body = JSON.parse(r.body.toString()) as { orderId?: string; error?: { code: string } };
        attempts.push({
          user: b.user,
          quantity: b.quantity,
          start: startedAt,
          ms: performance.now() - start,
          status: r.status,
          code: body.error?.code,
          orderId: body.orderId,
          replayed: r.replayed,
        });
      }
    }),
  );
  return attempts;
}

/** After the 202: each order follows its plan, while buyers who missed out keep trying for returned units. */
async function afterTheDrop(api: ApiClient, saleId: string, drop: Drop): Promise<AfterDrop> {
  const plans = new Map<string, { plan: Plan; user: string }>(
    drop.accepted.map((a, i) => [a.orderId!, { plan: PLANS[i % PLANS.length]!, user: a.user }]),
  );
  const { pay, payments } = payer(api, saleId);
  const lifecycle = followPlans(api, plans, pay);
  const hopefuls = drop.attempts
    .filter((a) => a.code === "SOLD_OUT" && !a.replayed)
    .slice(0, HOPEFULS)
    .map((a) => a.user);
  const { resales, retryAttempts } = await resell(api, saleId, hopefuls, lifecycle, plans, pay);
  return { plans, payments, resales, retryAttempts, hopefuls };
}

/** The payment provider: each callback timed and kept for the report. */
function payer(api: ApiClient, saleId: string): { pay: Pay; payments: Payment[] } {
  const payments: Payment[] = [];
  let eventSeq = 0;
  const pay = async (
    orderId: string,
    status: "SUCCEEDED" | "FAILED",
    eventId = `pay-${saleId}-${++eventSeq}`,
    second = false,
  ) => {
    const t = performance.now();
    // As payment providers do: a 5xx (its outcome unknown to the provider) is delivered again, same event.
    let r = await api.pay({ eventId, orderId, status });
    for (let i = 0; i < 20 && r.status >= 500; i++) {
      await sleep(250);
      r = await api.pay({ eventId, orderId, status });
    }
    payments.push({
      orderId,
      eventId,
      ms: performance.now() - t,
      status: r.status,
      outcome: r.body?.status ?? r.body?.error?.code,
      replayed: r.headers.get("idempotent-replayed") === "true",
      second,
    });
    return { r, eventId };
  };
  return { pay, payments };
}

/** Every accepted order of the drop does what its plan says; resolves when all have. */
async function followPlans(api: ApiClient, plans: Map<string, { plan: Plan; user: string }>, pay: Pay): Promise<void> {
  // Late payers wait for their order's timeout on their own, without holding a slot of the payers' pool.
  const late = [...plans].filter(([, p]) => p.plan === "pay-late");
  const latePayments = Promise.all(
    late.map(async ([orderId, { user }]) => {
      await sleep(PAYMENT_TIMEOUT_SECONDS * 1000);
      for (let i = 0; i < 120; i++) {
        if ((await api.orderStatus(orderId, user)).body.status === "CANCELLED") break;
        await sleep(250);
      }
      return pay(orderId, "SUCCEEDED");
    }),
  );
  const prompt = pool(
    [...plans].filter(([, p]) => p.plan !== "pay-late"),
    32,
    async ([orderId, { plan, user }]) => {
      switch (plan) {
        case "pay":
          return pay(orderId, "SUCCEEDED");
        case "pay-redelivered": {
          // The provider delivers one event three times, two of them at once.
          const { eventId } = await pay(orderId, "SUCCEEDED");
          await Promise.all([pay(orderId, "SUCCEEDED", eventId), pay(orderId, "SUCCEEDED", eventId)]);
          return;
        }
        case "pay-twice":
          await pay(orderId, "SUCCEEDED");
          return pay(orderId, "SUCCEEDED", undefined, true);
        case "fail":
          return pay(orderId, "FAILED");
        case "cancel":
          return api.cancel(orderId, user);
        default:
          return;
      }
    },
  );
  await Promise.all([prompt, latePayments]);
}

/** Buyers who got SOLD_OUT try again, in batches, for units that come back, until the plans are done and nothing is left. */
async function resell(
  api: ApiClient,
  saleId: string,
  hopefuls: string[],
  lifecycle: Promise<void>,
  plans: Map<string, { plan: Plan; user: string }>,
  pay: Pay,
): Promise<{ resales: AfterDrop["resales"]; retryAttempts: number }> {
  const resales: AfterDrop["resales"] = [];
  let retryAttempts = 0;
  const retryUntil = Date.now() + (PAYMENT_TIMEOUT_SECONDS + 25) * 1000;
  let lifecycleDone = false;
  // Only notes the end: a rejection reaches the caller through Promise.all below, not as an unhandled one here.
  void lifecycle.then(
    () => (lifecycleDone = true),
    () => {},
  );
  const retrying = (async () => {
    let round = 0;
    while (Date.now() < retryUntil) {
      const s = (await api.stats(saleId)).body;
      // Done when everything the drop sold is settled and nothing is left to sell.
      if (lifecycleDone && s.unpaid === 0 && s.pending === 0 && s.redisRemaining === 0) break;
      if (s.redisRemaining === 0) {
        await sleep(200);
        continue;
      }
      const batch = hopefuls.slice((round * 64) % hopefuls.length, ((round * 64) % hopefuls.length) + 64);
      round++;
      await pool(batch, 32, async (user) => {
        retryAttempts++;
        // A storefront's second chance: token and order in one call, 503s retried with the same key; a
        // final refusal (SOLD_OUT, LIMIT_EXCEEDED) ends this try.
        const placed = await api
          .storefront(user, { maxAttempts: 3, maxDelayMs: 500 })
          .placeOrder(saleId)
          .catch((e: unknown) => {
            if (e instanceof FlashSaleError || e instanceof FlashSaleTransportError) return undefined;
            throw e;
          });
        if (!placed) return;
        const { orderId } = placed.order;
        resales.push({ orderId, at: Date.now(), user });
        plans.set(orderId, { plan: "resale-pay", user });
        await pay(orderId, "SUCCEEDED");
      });
    }
  })();
  await Promise.all([lifecycle, retrying]);
  return { resales, retryAttempts };
}

/** Every order final: no CONFIRMED rows left, nothing pending; then one sweeper pass. */
async function settleAndSweep(api: ApiClient, saleId: string): Promise<{ stats: any; reconcile: unknown }> {
  let s = (await api.stats(saleId)).body;
  for (let i = 0; (s.unpaid !== 0 || s.pending !== 0) && i < 300; i++) {
    await sleep(200);
    s = (await api.stats(saleId)).body;
  }
  const reconcile = (await api.reconcile(saleId)).body;
  s = (await api.stats(saleId)).body;
  return { stats: s, reconcile };
}

/** The auditor: every row, refund and outbox event of the sale, from every shard. */
async function auditSale(api: ApiClient, shards: MysqlShards, saleId: string, delivered: OrderEvent[]): Promise<Audit> {
  const rows: Row[] = [];
  for (const t of shards.allTables()) {
    const [r] = await t.pool.query<RowDataPacket[]>(
      `SELECT order_id, user_id, quantity, status, version, created_at, updated_at FROM \`${t.table}\` WHERE sale_id = ?`,
      [saleId],
    );
    rows.push(...(r as typeof rows));
  }
  // The outbox as MySQL holds it, read again until the relay has published it all and the reader got it.
  let outbox: OrderEvent[] = [];
  let unpublished = 0;
  for (let i = 0; i < 150; i++) {
    outbox = [];
    unpublished = 0;
    for (const { pool: db } of shards.databases()) {
      const [r] = await db.query<RowDataPacket[]>("SELECT body, published_at FROM order_events WHERE sale_id = ?", [
        saleId,
      ]);
      for (const e of r) {
        outbox.push(JSON.parse(String(e.body)) as OrderEvent);
        if (e.published_at === null) unpublished++;
      }
    }
    const got = new Set(delivered.map((d) => d.eventId));
    if (unpublished === 0 && outbox.every((e) => got.has(e.eventId))) break;
    await sleep(200);
  }
  const refunds = (await api.refunds(saleId)).body.refunds as Audit["refunds"];
  return { rows, outbox, unpublished, refunds, delivered };
}

/** Everything the report is made of, derived once from the run. */
type Figures = ReturnType<typeof analyse>;
type Run = { saleId: string; drop: Drop; after: AfterDrop; audit: Audit; s: any; reconcile: unknown };

/** Checks the invariants, writes report.json and the checked report.html, prints the summary. True when all held. */
async function report(
  saleId: string,
  drop: Drop,
  after: AfterDrop,
  audit: Audit,
  s: any,
  reconcile: unknown,
): Promise<boolean> {
  const run: Run = { saleId, drop, after, audit, s, reconcile };
  const f = analyse(run);
  const json = reportJson(run, f);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "report.json"), JSON.stringify(json, null, 2));
  // The report as a browser shows it; a broken report fails the run as a failed invariant does.
  const problems = await writeCheckedReport(join(OUT, "report.html"), renderHtml(run, f, json));
  if (problems.length) console.error(`report check failed:\n  ${problems.join("\n  ")}`);
  printSummary(run, f, json, problems);
  return !Object.values(f.invariants).some((v) => !v) && problems.length === 0;
}

function analyse({ drop, after, audit, s }: Run) {
  const { attempts, accepted } = drop;
  const { plans, payments, resales } = after;
  const { rows, outbox, unpublished, refunds, delivered } = audit;
  const deliveredIds = new Set(delivered.map((e) => e.eventId));
  const orderIds = rows.map((r) => r.order_id);
  const allAccepted = new Set([...accepted.map((a) => a.orderId!), ...resales.map((r) => r.orderId)]);
  const byStatus = (st: string) => rows.filter((r) => r.status === st);
  const heldPerBuyer = new Map<string, number>();
  for (const r of rows)
    if (r.status !== "CANCELLED") heldPerBuyer.set(r.user_id, (heldPerBuyer.get(r.user_id) ?? 0) + r.quantity);
  const paidUnits = byStatus("PAID").reduce((n, r) => n + r.quantity, 0);
  // One refund per payment event that found its order cancelled, and per second payment of a paid order.
  // Every answer to one event is the same (replays included), so each event is judged by its answers.
  const owed = new Set([
    ...payments.filter((p) => p.outcome === "ORDER_CANCELLED").map((p) => p.eventId),
    ...payments.filter((p) => p.second && p.outcome === "PAID").map((p) => p.eventId),
  ]);
  const planOf = (orderId: string) => plans.get(orderId)?.plan;
  const finalByPlan: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    const p = planOf(r.order_id) ?? "unknown";
    finalByPlan[p] ??= {};
    finalByPlan[p]![r.status] = (finalByPlan[p]![r.status] ?? 0) + 1;
  }
  const replays = attempts.filter((a) => a.replayed);
  const invariants = {
    "1 noOversell": paidUnits <= STOCK && s.reserved <= STOCK && s.redisRemaining >= 0,
    "2 noLostOrder": [...allAccepted].every((id) => orderIds.includes(id)) && rows.length === allAccepted.size,
    // One row per order id, and a replayed 202 names the order its key bought the first time.
    "3 noDuplicate":
      new Set(orderIds).size === orderIds.length &&
      replays.filter((r) => r.status === 202).every((r) => allAccepted.has(r.orderId!)),
    "4 perBuyerLimit": [...heldPerBuyer.values()].every((q) => q <= LIMIT),
    "5 nothingStranded": s.redisRemaining + s.inTransfer + s.reserved === STOCK && s.reserved === paidUnits,
    "6 convergence": s.drift === 0,
    "7 paymentsExactlyOnce":
      rows.every((r) => r.status === "PAID" || r.status === "CANCELLED") &&
      refunds.length === owed.size &&
      refunds.every((r) => owed.has(r.eventId)),
    "8 noEventLost":
      unpublished === 0 &&
      outbox.every((e) => deliveredIds.has(e.eventId)) &&
      outbox.length === rows.reduce((n, r) => n + r.version, 0),
  };
  const eventsByType: Record<string, number> = {};
  for (const e of outbox) eventsByType[e.type] = (eventsByType[e.type] ?? 0) + 1;
  const answers: Record<string, number> = {};
  for (const a of attempts) answers[a.code ?? String(a.status)] = (answers[a.code ?? String(a.status)] ?? 0) + 1;
  const payMs = payments.map((p) => p.ms).sort((a, b) => a - b);
  const lat202 = accepted.map((a) => a.ms).sort((a, b) => a - b);
  const latAll = attempts.map((a) => a.ms).sort((a, b) => a - b);
  // Reservation → row, on the server's clock: created_at is the reservation, ORDER_CONFIRMED's occurredAt the insert.
  const confirmedAt = new Map(
    outbox.filter((e) => e.type === "ORDER_CONFIRMED").map((e) => [e.orderId, Date.parse(e.occurredAt)]),
  );
  const lags = rows
    .filter((r) => confirmedAt.has(r.order_id))
    .map((r) => confirmedAt.get(r.order_id)! - r.created_at.getTime());
  return {
    deliveredIds,
    orderIds,
    allAccepted,
    byStatus,
    heldPerBuyer,
    paidUnits,
    owed,
    planOf,
    finalByPlan,
    replays,
    invariants,
    eventsByType,
    answers,
    payMs,
    lat202,
    latAll,
    lags,
    ...idleTimes(rows, resales, planOf),
  };
}

/** Each returned unit against the next resale after it (first come, first matched): how long units sat idle. */
function idleTimes(rows: Row[], resales: AfterDrop["resales"], planOf: (orderId: string) => Plan | undefined) {
  const timedOut = (p: Plan | undefined) => p === "never-pay" || p === "pay-late";
  const returns = rows
    .filter((r) => r.status === "CANCELLED")
    .map((r) => ({ at: r.updated_at.getTime(), timeout: timedOut(planOf(r.order_id)) }))
    .sort((a, b) => a.at - b.at);
  const resaleTimes = resales.map((r) => r.at).sort((a, b) => a - b);
  const idle: number[] = [];
  const idleAfterTimeout: number[] = [];
  for (let i = 0, j = 0; i < returns.length && j < resaleTimes.length; j++) {
    if (resaleTimes[j]! < returns[i]!.at) continue;
    const ms = resaleTimes[j]! - returns[i]!.at;
    idle.push(ms);
    if (returns[i]!.timeout) idleAfterTimeout.push(ms);
    i++;
  }
  return {
    idle,
    idleAfterTimeout,
    idleSorted: [...idle].sort((a, b) => a - b),
    timeoutSorted: [...idleAfterTimeout].sort((a, b) => a - b),
  };
}

/** demo/out/report.json. */
function reportJson({ saleId, drop, after, audit, s, reconcile }: Run, f: Figures) {
  const { attempts, accepted, trafficMs, soldUnits } = drop;
  const { payments, resales, retryAttempts, hopefuls } = after;
  const { rows, refunds, delivered, unpublished } = audit;
  const { byStatus, latAll, lat202, payMs, idle, idleSorted, idleAfterTimeout, timeoutSorted, lags } = f;
  return {
    run: {
      saleId,
      buyers: BUYERS,
      stock: STOCK,
      shards: SHARDS,
      perUserLimit: LIMIT,
      concurrency: CONCURRENCY,
      paymentTimeoutSeconds: PAYMENT_TIMEOUT_SECONDS,
      hopefuls: hopefuls.length,
    },
    drop: {
      attempts: attempts.length,
      trafficMs,
      attemptsPerSecond: Math.round((attempts.length / trafficMs) * 1000),
      accepted: accepted.length,
      soldUnits,
      answers: f.answers,
      latencyMs: {
        p50: pct(latAll, 0.5),
        p99: pct(latAll, 0.99),
        accepted202: { p50: pct(lat202, 0.5), p99: pct(lat202, 0.99) },
      },
    },
    lifecycle: {
      finalStatus: {
        PAID: byStatus("PAID").length,
        CANCELLED: byStatus("CANCELLED").length,
        other: rows.length - byStatus("PAID").length - byStatus("CANCELLED").length,
      },
      finalByPlan: f.finalByPlan,
      refunds: {
        total: refunds.length,
        byReason: Object.fromEntries(
          ["PAID_AFTER_CANCEL", "DUPLICATE_PAYMENT"].map((k) => [k, refunds.filter((r) => r.reason === k).length]),
        ),
      },
      payments: {
        callbacks: payments.length,
        replayed: payments.filter((p) => p.replayed).length,
        latencyMs: { p50: pct(payMs, 0.5), p99: pct(payMs, 0.99) },
      },
      resales: resales.length,
      retryAttempts,
      unitReturnToResaleMs: { n: idle.length, p50: pct(idleSorted, 0.5), p99: pct(idleSorted, 0.99) },
      timeoutToResaleMs: { n: idleAfterTimeout.length, p50: pct(timeoutSorted, 0.5), p99: pct(timeoutSorted, 0.99) },
      events: {
        byType: f.eventsByType,
        delivered: delivered.length,
        distinctDelivered: f.deliveredIds.size,
        unpublished,
      },
    },
    mysqlRows: rows.length,
    paidUnits: f.paidUnits,
    lag202ToRowMs: {
      p50: pct(
        [...lags].sort((a, b) => a - b),
        0.5,
      ),
      p99: pct(
        [...lags].sort((a, b) => a - b),
        0.99,
      ),
    },
    reconcile,
    stats: s,
    invariants: f.invariants,
  };
}

/** Each invariant's name and the figures behind its verdict, for the report page. */
function invariantDetails(
  { drop, after, audit, s }: Run,
  f: Figures,
): Record<keyof Figures["invariants"], [string, string]> {
  const { rows, refunds, outbox, unpublished } = audit;
  const { paidUnits, orderIds, byStatus } = f;
  const maxHeld = Math.max(0, ...f.heldPerBuyer.values());
  const versions = rows.reduce((n, r) => n + r.version, 0);
  return {
    "1 noOversell": [
      "1 no oversell",
      `paid units ${paidUnits} ≤ stock ${STOCK}; reserved ${s.reserved}; left in Redis ${s.redisRemaining}`,
    ],
    "2 noLostOrder": [
      "2 no lost order",
      `${f.allAccepted.size} orders accepted (${drop.accepted.length} in the drop, ${after.resales.length} resold), ${rows.length} MySQL rows`,
    ],
    "3 noDuplicate": [
      "3 no duplicate",
      `${orderIds.length} rows, ${new Set(orderIds).size} distinct order ids; ${f.replays.filter((r) => r.status === 202).length} replayed 202s, each naming its key's order`,
    ],
    "4 perBuyerLimit": ["4 per-buyer limit", `at most ${maxHeld} units held by one buyer (limit ${LIMIT})`],
    "5 nothingStranded": [
      "5 nothing stranded",
      `left ${s.redisRemaining} + in transfer ${s.inTransfer} + reserved ${s.reserved} = ${s.redisRemaining + s.inTransfer + s.reserved} (stock ${STOCK}); paid units ${paidUnits}`,
    ],
    "6 convergence": ["6 convergence", `drift ${s.drift} after a sweeper pass`],
    "7 paymentsExactlyOnce": [
      "7 payments exactly once",
      `${byStatus("PAID").length + byStatus("CANCELLED").length} of ${rows.length} orders PAID or CANCELLED; ${refunds.length} refunds, ${f.owed.size} owed`,
    ],
    "8 noEventLost": [
      "8 no event lost",
      `${outbox.length} outbox events (${versions} order versions), ${unpublished} unpublished, ${f.deliveredIds.size} distinct delivered`,
    ],
  };
}

/** How each order ended, as the report's lifecycle panel counts it. */
function orderOutcomes(rows: Row[], planOf: Figures["planOf"]): Record<string, number> {
  // A planned payer's order CANCELLED is one whose payment came after its timeout.
  const cancelledAs = (plan: Plan | undefined) =>
    plan === "cancel" ? "cancelled by the buyer" : plan === "fail" ? "payment failed" : "expired (payment timeout)";
  const outcomes: Record<string, number> = Object.fromEntries(
    ["paid", "paid (units sold again)", "expired (payment timeout)", "cancelled by the buyer", "payment failed"].map(
      (k) => [k, 0],
    ),
  );
  for (const r of rows) {
    const k =
      r.status === "PAID"
        ? planOf(r.order_id) === "resale-pay"
          ? "paid (units sold again)"
          : "paid"
        : r.status === "CANCELLED"
          ? cancelledAs(planOf(r.order_id))
          : `not final (${r.status})`;
    outcomes[k] = (outcomes[k] ?? 0) + 1;
  }
  return outcomes;
}

function outcomeOf(a: Attempt): Outcome {
  return a.status === 202
    ? a.replayed
      ? "replayed"
      : "accepted"
    : a.code === "SOLD_OUT"
      ? "soldOut"
      : a.code === "LIMIT_EXCEEDED"
        ? "limit"
        : a.status === 503 || a.status === 429
          ? "retryLater"
          : "other";
}

/** demo/out/report.html. */
function renderHtml(run: Run, f: Figures, report: ReturnType<typeof reportJson>): string {
  const { saleId, drop, audit } = run;
  const { attempts, trafficMs, stockSamples } = drop;
  const { lat202, latAll, payMs, invariants } = f;
  const details = invariantDetails(run, f);
  // About 40 bars over the drop, each a round number of milliseconds.
  const bucketMs = [25, 50, 100, 200, 250, 500, 1000, 2000, 5000].find((b) => trafficMs / b <= 50) ?? 10_000;
  return renderReport({
    title: "Flash sale demo",
    subtitle: `sale ${saleId} · ${new Date(drop.startsAt).toISOString().slice(0, 16).replace("T", " ")} UTC · the gateway as npm start runs it, on the local stack`,
    parameters: demoParameters(run),
    summary: demoSummary(run, f, report),
    invariants: Object.entries(invariants).map(([k, ok]) => ({
      name: details[k as keyof typeof invariants][0],
      ok,
      detail: details[k as keyof typeof invariants][1],
    })),
    answers: answerBuckets(
      attempts.map((a) => ({ t: (a.start + a.ms) / 1000, outcome: outcomeOf(a) })),
      bucketMs / 1000,
    ),
    stock: {
      series: [
        { label: "left in Redis", points: stockSamples.map((x) => [x.t, x.remaining]) },
        { label: "held by unpaid orders", points: stockSamples.map((x) => [x.t, x.held]) },
        { label: "paid", points: stockSamples.map((x) => [x.t, x.paid]) },
      ],
    },
    latency: [
      { label: "every answer of the drop", points: percentileCurve(latAll) },
      { label: "accepted (new 202)", points: percentileCurve(lat202) },
      { label: "payment callbacks", points: percentileCurve(payMs) },
    ],
    lag: histogram(f.lags),
    lifecycle: [
      { title: "orders", counts: orderOutcomes(audit.rows, f.planOf) },
      { title: "refunds", counts: report.lifecycle.refunds.byReason },
      { title: "events", counts: f.eventsByType },
    ],
  });
}

/** The run parameters the demo report lists. */
function demoParameters({ after }: Run): ReportData["parameters"] {
  return {
    buyers: fmtInt(BUYERS),
    stock: `${fmtInt(STOCK)} units`,
    shards: SHARDS,
    "limit per buyer": LIMIT,
    "requests in flight": CONCURRENCY,
    "press twice": "1 buyer in 10",
    "payment timeout": `${PAYMENT_TIMEOUT_SECONDS} s`,
    "buyers still trying": fmtInt(after.hopefuls.length),
  };
}

/** The demo report's tiles: throughput, orders, latency, lag, payments, resales and refunds. */
function demoSummary(
  { drop, after, audit }: Run,
  f: Figures,
  report: ReturnType<typeof reportJson>,
): ReportData["summary"] {
  const { attempts, accepted, trafficMs, soldUnits } = drop;
  const { lat202, paidUnits } = f;
  return [
    {
      label: "attempts per second",
      value: fmtInt(report.drop.attemptsPerSecond),
      note: `${fmtInt(attempts.length)} in ${fmtMs(trafficMs)}`,
    },
    {
      label: "orders in the drop",
      value: fmtInt(accepted.length),
      note: `${fmtInt(soldUnits)} of ${fmtInt(STOCK)} units`,
    },
    { label: "202 latency p99", value: fmtMs(pct(lat202, 0.99)), note: `p50 ${fmtMs(pct(lat202, 0.5))}` },
    {
      label: "202 → MySQL row p99",
      value: fmtMs(report.lag202ToRowMs.p99),
      note: `p50 ${fmtMs(report.lag202ToRowMs.p50)}`,
    },
    {
      label: "orders paid / cancelled",
      value: `${fmtInt(report.lifecycle.finalStatus.PAID)} / ${fmtInt(report.lifecycle.finalStatus.CANCELLED)}`,
      note: `${fmtInt(paidUnits)} units paid`,
    },
    {
      label: "units sold again",
      value: fmtInt(after.resales.length),
      note: `returned → sold again p50 ${fmtMs(report.lifecycle.unitReturnToResaleMs.p50)}`,
    },
    {
      label: "refunds",
      value: fmtInt(audit.refunds.length),
      note: `${report.lifecycle.refunds.byReason.PAID_AFTER_CANCEL} paid late · ${report.lifecycle.refunds.byReason.DUPLICATE_PAYMENT} paid twice`,
    },
  ];
}

function printSummary(
  { saleId, drop, after, audit, s }: Run,
  f: Figures,
  report: ReturnType<typeof reportJson>,
  problems: string[],
): void {
  const { attempts, trafficMs } = drop;
  const { lat202, payMs } = f;
  console.log(`\n=== flash sale report (${saleId}) ===`);
  console.log(
    `drop            ${attempts.length} attempts in ${trafficMs} ms (${report.drop.attemptsPerSecond}/s), answers ${JSON.stringify(f.answers)}`,
  );
  console.log(
    `latency         202 p50 ${pct(lat202, 0.5).toFixed(1)} ms, p99 ${pct(lat202, 0.99).toFixed(1)} ms; reservation → row p50 ${report.lag202ToRowMs.p50} ms, p99 ${report.lag202ToRowMs.p99} ms`,
  );
  console.log(
    `after the 202   ${JSON.stringify(report.lifecycle.finalStatus)}; by plan ${JSON.stringify(f.finalByPlan)}`,
  );
  console.log(
    `payments        ${after.payments.length} callbacks (${report.lifecycle.payments.replayed} replayed), p50 ${pct(payMs, 0.5).toFixed(1)} ms, p99 ${pct(payMs, 0.99).toFixed(1)} ms; refunds ${JSON.stringify(report.lifecycle.refunds)}`,
  );
  console.log(
    `resale          ${after.resales.length} units sold again to ${after.hopefuls.length} buyers still trying (${after.retryAttempts} attempts); returned → sold again p50 ${report.lifecycle.unitReturnToResaleMs.p50} ms, p99 ${report.lifecycle.unitReturnToResaleMs.p99} ms; after a timeout p50 ${report.lifecycle.timeoutToResaleMs.p50} ms, p99 ${report.lifecycle.timeoutToResaleMs.p99} ms`,
  );
  console.log(
    `events          ${JSON.stringify(f.eventsByType)}; delivered ${audit.delivered.length} (${f.deliveredIds.size} distinct), unpublished ${audit.unpublished}`,
  );
  console.log(
    `stats           paid ${s.paid}, cancelled ${s.cancelled}, unpaid ${s.unpaid}, remaining ${s.redisRemaining}, drift ${s.drift}`,
  );
  console.log(
    `invariants      ${Object.entries(f.invariants)
      .map(([k, v]) => `${k}=${v ? "ok" : "FAILED"}`)
      .join(" ")}`,
  );
  console.log(
    `written         demo/out/report.json, demo/out/report.html, demo/out/report.png${problems.length ? "" : " (checked in Chromium)"}`,
  );
}

// `--headline --room`: the headline sale through the waiting room (demo/room/headline-room.ts).
const entry = !process.argv.includes("--headline")
  ? main()
  : process.argv.includes("--room")
    ? import("./room/headline-room.js").then(async (m) => process.exit((await m.headlineRoom()) ? 0 : 1))
    : import("./headline.js").then(async (m) => process.exit((await m.headline()) ? 0 : 1));
entry.catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});

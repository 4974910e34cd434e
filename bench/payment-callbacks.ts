import mysql from "mysql2/promise";
import { quietLogger, rmq } from "../src/messaging/rocketmq.js";
import { ensureGatewayTopics } from "../stack/rocketmq.js";
import { down, up, type State } from "../stack/stack.js";
import { ApiClient, expectStatus } from "../support/api-client.js";
import { pool } from "../support/pool.js";
import type { RequestListJob, RequestListResult } from "./clients/request-list.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, durableBenchEnv, rid, rootConnection } from "./lib/config.js";
import type { Config } from "../src/config/schema.js";
import { pidListeningOn } from "../stack/proc.js";
import { ask, compiledScript, cpuSeconds, cpuSplit, LOAD_CORE, SERVER_CORE, TsChild, within } from "./lib/proc.js";
import { gatewayProfile } from "./reject-path.js";

// 3000 callbacks a round: a sample lasts about 2 s at the gateway's ~1,500 callbacks/s (ticks of 10 ms).
const ORDERS = Number(process.env.BENCH_PAY_ORDERS ?? 6000);
const CONNECTIONS = 64;
/** Rounds of reads then payments, each over its own ORDERS / ROUNDS orders (the first warms the JIT up). */
const ROUNDS = Number(process.env.BENCH_PAY_ROUNDS ?? 2);
const TIMER_MESSAGES = 2000;

/**
 * Payment callbacks through the whole gateway (src/gateway-process.ts in a child on the server core, its
 * writer, timers and relay included): signed SUCCEEDED events, one per order of a sale, each exactly once,
 * from a client process on the other core. Baseline, in the same run: GET /v1/orders/{id} of the same
 * orders (a ledger read and a MySQL primary-key read), so the ratio says what a payment costs beyond
 * finding its order. Also measured: what a payment-timeout timer message costs the broker and the sender.
 *
 * A sample's server CPU runs until the outbox relay has published the round's events (ORDER_PAID), so a
 * payment's figure includes its event and no read sample pays for the events of the payments before it;
 * it is split per request into user and system time and the main (JavaScript) thread's share, beside the
 * main thread's GC pauses per request.
 * BENCH_PROFILE=1: the gateway writes a V8 CPU profile of its whole life (--cpu-prof) and one of each
 * sample's window (`reads-*` and `payments-*`) into a temporary folder named in the result.
 */
export const paymentCallbacks: Benchmark = {
  name: "payment-callbacks",
  description:
    "signed payment callbacks/s (group commits: one MySQL transaction per batch of a database) ÷ order-status reads/s of the same orders",
  target: 0.25,
  async run() {
    const started: State = await up(false);
    const id = rid(3);
    // Setup buys thousands of orders from one address and a few buyers' worth of tokens each.
    const { env, dbs, topics } = durableBenchEnv(id, { FLASHSALE__ADMISSION__RATELIMITS__ENABLED: "false" });
    const cfg = benchConfig(env);
    const children: TsChild[] = [];
    const root = await mysql.createConnection(rootConnection(cfg));
    try {
      await ensureGatewayTopics(topics);
      const { dir: profileDir, nodeArgs } = gatewayProfile("payment-cpu-prof-");
      const gw = new TsChild(compiledScript("bench/servers/app-server.ts"), {
        core: SERVER_CORE,
        env: profileDir ? { ...env, BENCH_PROFILE_DIR: profileDir } : env,
        // BENCH_GATEWAY_NODE_ARGS: node flags for the gateway alone (a heap size, --trace-gc), space-separated.
        nodeArgs: [...nodeArgs, ...(process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(/\s+/).filter(Boolean)],
      });
      children.push(gw);
      const { port, opsPort } = await gw.next<{ port: number; opsPort: number }>();
      const client = new TsChild(compiledScript("bench/clients/request-list.ts"), { core: LOAD_CORE, env });
      children.push(client);
      const api = new ApiClient(
        `http://127.0.0.1:${port}`,
        { ...cfg.auth, webhookSecret: cfg.payments.webhookSecret },
        `http://127.0.0.1:${opsPort}`,
      );
      const saleId = `pay-${id}`;
      const orders = await placeOrders(api, saleId);
      const watch = requestListWatcher(client, gw, profileDir !== undefined);
      const { candidate, baseline, per } = await measureRounds(watch, api, port, orders);
      const stats = (await api.stats(saleId)).body;
      if (stats.paid !== ROUNDS * per || stats.drift !== 0)
        throw new Error(`payment-callbacks: stats after paying: ${JSON.stringify(stats)}`);
      gw.send({ cmd: "stats" });
      const gwStats = await gw.next<GatewayStats>();

      const timer = await timerMessageCost(cfg, topics, saleId);
      return {
        unit: "requests/s",
        candidate: side("payment callbacks", candidate),
        baseline: side("order-status reads", baseline),
        details: {
          orders: ORDERS,
          connections: CONNECTIONS,
          rounds: ROUNDS,
          gatewayStats: gwStats,
          ...(profileDir ? { profileDir } : {}),
          timerMessage: timerMessageDetails(timer, gwStats),
        },
      };
    } finally {
      for (const c of children.reverse()) await c.stop();
      for (const db of dbs) await root.query(`DROP DATABASE IF EXISTS \`${db}\``).catch(() => {});
      await root.end();
      await down(started);
    }
  },
};

type GatewayStats = {
  writer: { written: number };
  timers: { sent: number; sendFailures: number };
  relay: { published: number };
};
type Paid = { user: string; orderId: string };
/** Samples a request list; `events`: what the relay has published in all before it starts and when it is done. */
type Watch = (job: RequestListJob, name: string, events: { before: number; after: number }) => Promise<Sample>;

/** Creates the sale and buys one order per payer through the storefront client; waits until MySQL has them all. */
async function placeOrders(api: ApiClient, saleId: string): Promise<Paid[]> {
  expectStatus(
    "payment-callbacks setup: create sale",
    await api.putSale(saleId, { stock: ORDERS, perUserLimit: 1, shards: 8 }),
    201,
  );
  const orders = await pool(
    Array.from({ length: ORDERS }, (_, i) => `payer-${i}`),
    32,
    async (user) => {
      // Through the storefront client: token, order, and a retry of any 503 with the same key.
      const { order } = await api.storefront(user).placeOrder(saleId);
      return { user, orderId: order.orderId };
    },
  );
  for (let i = 0; i < 600; i++) {
    if ((await api.stats(saleId)).body.mysql.total === ORDERS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return orders;
}

/** The app-server's main-thread GC so far: all pauses, and the mark-compacts among them (ms, count). */
type GcSoFar = { ms: number; pauses: number; majorMs: number; majorPauses: number };

/** Events the gateway's outbox relay has published so far. */
const published = async (gw: TsChild) => (await ask<{ published: number }>(gw, { cmd: "relay" })).published;

/** Waits until the relay has published at least `events` events in all. */
async function outboxDrained(gw: TsChild, events: number): Promise<void> {
  const until = performance.now() + 60_000;
  while ((await published(gw)) < events) {
    if (performance.now() > until) throw new Error(`payment-callbacks: the relay did not publish ${events} events`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs a request list in the client process and samples it, with the gateway's CPU over the same span and
 * on until its relay has published `events` events in all (the sample's own, and nothing after them).
 */
function requestListWatcher(client: TsChild, gw: TsChild, profile: boolean): Watch {
  return async (job, name, events) => {
    await outboxDrained(gw, events.before);
    if (profile) await ask(gw, { cmd: "profile-start" });
    const gc0 = await ask<GcSoFar>(gw, { cmd: "gc" });
    const cpu0 = cpuSplit(gw.pid);
    client.send(job);
    await client.next<{ phase: string }>();
    const r = await client.next<RequestListResult>();
    const t = performance.now();
    await outboxDrained(gw, events.after);
    const drainMs = performance.now() - t;
    const cpu1 = cpuSplit(gw.pid);
    const gc1 = await ask<GcSoFar>(gw, { cmd: "gc" });
    if (profile) await within(ask(gw, { cmd: "profile-stop", name }), 30_000, "profile");
    if (r.errors > 0) throw new Error(`payment-callbacks: ${r.errors} transport errors`);
    const us = (s: number) => Math.round((s * 1e6) / r.requests);
    const [user, system, main] = [cpu1.user - cpu0.user, cpu1.system - cpu0.system, cpu1.mainThread - cpu0.mainThread];
    return {
      opsPerSec: r.rps,
      ops: r.requests,
      seconds: r.seconds,
      latencyMs: r.latencyMs,
      serverBusy: (user + system) / (r.seconds + drainMs / 1000),
      serverCpuUsPerRequest: ((user + system) * 1e6) / r.requests,
      serverCpuSplitUsPerRequest: {
        user: us(user),
        system: us(system),
        mainThread: us(main),
        otherThreads: us(user + system - main),
      },
      outboxDrainMs: Math.round(drainMs),
      // Main-thread GC pauses (perf_hooks "gc" entries) over the same span, per request, and how many.
      gcUsPerRequest: us((gc1.ms - gc0.ms) / 1000),
      gcPauses: gc1.pauses - gc0.pauses,
      gcMajorUsPerRequest: us((gc1.majorMs - gc0.majorMs) / 1000),
      gcMajorPauses: gc1.majorPauses - gc0.majorPauses,
      clientCpuUsPerRequest: r.clientCpuUsPerRequest,
      statusCounts: r.statusCounts,
    };
  };
}

/** Each round: order-status reads of a slice of the orders (baseline), then one payment callback each. */
async function measureRounds(
  watch: Watch,
  api: ApiClient,
  port: number,
  orders: Paid[],
): Promise<{ candidate: Sample[]; baseline: Sample[]; per: number }> {
  const candidate: Sample[] = [];
  const baseline: Sample[] = [];
  const per = Math.floor(ORDERS / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const slice = orders.slice(round * per, (round + 1) * per);
    // One ORDER_CONFIRMED per order, then one ORDER_PAID per order paid in the rounds before.
    const before = orders.length + round * per;
    baseline.push(
      await watch(
        {
          port,
          connections: CONNECTIONS,
          requests: slice.map((o) => ({
            method: "GET",
            path: `/v1/orders/${o.orderId}`,
            headers: api.buyer(o.user),
          })),
        },
        `reads-r${round}`,
        { before, after: before },
      ),
    );
    const calls = slice.map((o) => {
      const body = JSON.stringify({ eventId: `ev-${o.orderId}`, orderId: o.orderId, status: "SUCCEEDED" });
      return {
        method: "POST",
        path: "/v1/payments/callback",
        headers: { "content-type": "application/json", "x-signature": api.signPayment(body) },
        body,
      };
    });
    const s = await watch({ port, connections: CONNECTIONS, requests: calls }, `payments-r${round}`, {
      before,
      after: before + slice.length,
    });
    if ((s.statusCounts as Record<string, number>)["200"] !== slice.length)
      throw new Error(`payment-callbacks: not every callback answered 200: ${JSON.stringify(s.statusCounts)}`);
    candidate.push(s);
  }
  return { candidate, baseline, per };
}

/** The timer-message figures of the result, per message and per order of this run. */
function timerMessageDetails(
  { timerSeconds, brokerUs, senderUs }: { timerSeconds: number; brokerUs: number; senderUs: number },
  gwStats: GatewayStats,
) {
  const ordersPerTimer = gwStats.timers.sent > 0 ? gwStats.writer.written / gwStats.timers.sent : NaN;
  return {
    messages: TIMER_MESSAGES,
    perSecond: Math.round(TIMER_MESSAGES / timerSeconds),
    brokerCpuUsPerMessage: Math.round(brokerUs),
    senderCpuUsPerMessage: Math.round(senderUs),
    ordersPerTimerInThisRun: ordersPerTimer,
    brokerCpuUsPerOrder: Math.round(brokerUs / ordersPerTimer),
    senderCpuUsPerOrder: Math.round(senderUs / ordersPerTimer),
  };
}

/** A timer message's cost: DELAY messages sent by a producer in this process, CPU of broker and sender. */
async function timerMessageCost(
  cfg: Config,
  topics: { orderTopic: string; timeoutTopic: string },
  saleId: string,
): Promise<{ timerSeconds: number; brokerUs: number; senderUs: number }> {
  const brokerPid = pidListeningOn(Number(cfg.rocketmq.endpoints.split(":")[1]));
  const producer = new rmq.Producer({
    endpoints: cfg.rocketmq.endpoints,
    namespace: "",
    topics: [topics.orderTopic],
    logger: quietLogger("bench"),
  });
  await producer.startup();
  const broker0 = brokerPid ? cpuSeconds(brokerPid) : NaN;
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await pool(Array.from({ length: TIMER_MESSAGES }), 32, (_, i) =>
    producer.send({
      topic: topics.timeoutTopic,
      tag: saleId,
      deliveryTimestamp: new Date(Date.now() + 3_600_000),
      body: Buffer.from(JSON.stringify({ saleId, orderIds: [`x.${i}`] })),
    }),
  );
  const timerSeconds = (performance.now() - t0) / 1000;
  const brokerUs = ((cpuSeconds(brokerPid ?? 0) - broker0) * 1e6) / TIMER_MESSAGES;
  const self = process.cpuUsage(self0);
  const senderUs = (self.user + self.system) / TIMER_MESSAGES;
  await producer.shutdown();
  return { timerSeconds, brokerUs, senderUs };
}

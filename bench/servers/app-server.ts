import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { join } from "node:path";
import type { Producer } from "rocketmq-client-nodejs";
import { GatewayProcess } from "../../src/gateway-process.js";
import { loadConfig } from "../../src/config/load.js";
import { decodeOrders } from "../../src/messaging/order-message.js";
import { rmq } from "../../src/messaging/rocketmq.js";
import { OrderWriter } from "../../src/messaging/order-writer.js";
import { OrderRepository } from "../../src/persistence/order-repository.js";
import { ReservationService } from "../../src/reservation/reservation-service.js";
import { percentiles } from "../lib/percentiles.js";
import { reply, stdinMessages } from "../lib/proc.js";

/**
 * The whole gateway (src/gateway-process.ts: HTTP + transactional producer and back-check listener + order writer +
 * sweeper) in one process configured from FLASHSALE__* variables, on a port the OS picks. Prints {"port"}.
 *
 * Bench-only instrumentation, wrapped around library and gateway methods from outside (nothing in src/
 * changes): the time of each step of the buy path (half message send, Lua reservation, commit), and of the
 * way to MySQL (commit → message delivered to the writer, delivered → row written, batch sizes and INSERT
 * time). A wrapper costs two clock reads and a push. {"cmd":"reset"} clears the figures, {"cmd":"stats"}
 * answers them as percentiles.
 */
type Steps =
  | "halfSend"
  | "reserve"
  | "commit"
  | "rollback"
  | "commitToDelivered"
  | "deliveredToPersisted"
  | "insertBatch"
  | "batchSize"
  | "groupSize";
type Transaction = ReturnType<Producer["beginTransaction"]>;
const steps = new Map<Steps, number[]>();
const record = (s: Steps, v: number) => {
  let a = steps.get(s);
  if (!a) steps.set(s, (a = []));
  a.push(v);
};
const committedAt = new Map<string, number>();
const deliveredAt = new Map<string, number>();

function timed<A extends unknown[], R>(step: Steps, fn: (...a: A) => Promise<R>, after?: (args: A) => void) {
  return function (this: unknown, ...args: A): Promise<R> {
    const t = performance.now();
    return fn.apply(this, args).then((r) => {
      record(step, performance.now() - t);
      after?.(args);
      return r;
    });
  };
}

const P = rmq.Producer.prototype as Producer;
const send = P.send;
P.send = function (this: Producer, message: Parameters<Producer["send"]>[0], tx?: Transaction) {
  if (!tx) return send.call(this, message);
  const orderIds = message.keys ?? [];
  const t = performance.now();
  return send.call(this, message, tx).then((r) => {
    record("halfSend", performance.now() - t);
    record("groupSize", orderIds.length);
    if (orderIds.length > 0) {
      const commit = tx.commit;
      tx.commit = timed("commit", commit.bind(tx), () => {
        const at = performance.now();
        for (const id of orderIds) committedAt.set(id, at);
      });
      tx.rollback = timed("rollback", tx.rollback.bind(tx));
    }
    return r;
  });
} as Producer["send"];

const R = ReservationService.prototype;
R.reserve = timed("reserve", R.reserve);
const O = OrderRepository.prototype;
const insertOrders = O.insertOrders;
O.insertOrders = function (this: OrderRepository, orders) {
  record("batchSize", orders.length);
  return timed("insertBatch", insertOrders).call(this, orders);
};

// The writer's consume is wrapped on the prototype, before the process starts its consumer.
const W = OrderWriter.prototype;
const consume = W.consume;
W.consume = async function (this: OrderWriter, view) {
  for (const order of decodeOrders(view.body) ?? []) {
    const now = performance.now();
    deliveredAt.set(order.orderId, now);
    const c = committedAt.get(order.orderId);
    if (c !== undefined) record("commitToDelivered", now - c);
    committedAt.delete(order.orderId);
  }
  return consume.call(this, view);
};
const app = await GatewayProcess.start(loadConfig(), { port: 0, opsPort: 0 });
app.writer.onPersisted = (order) => {
  const d = deliveredAt.get(order.orderId);
  if (d !== undefined) record("deliveredToPersisted", performance.now() - d);
  deliveredAt.delete(order.orderId);
};

// BENCH_PROFILE_DIR: {"cmd":"profile-start"} / {"cmd":"profile-stop","name"?} take a V8 CPU profile of just
// that window (the selling phase of one round, say) and write it there as <name>-<time>.cpuprofile; with
// BENCH_PROFILE_HEAP=1 also a sampling heap profile of what was allocated (<name>-<time>.heapprofile).
const profileDir = process.env.BENCH_PROFILE_DIR;
const heap = Boolean(process.env.BENCH_PROFILE_HEAP);
const inspector = profileDir ? new Session() : null;
inspector?.connect();
const post = (method: string, params?: object) =>
  new Promise<any>((ok, fail) => inspector!.post(method, params, (err, res) => (err ? fail(err) : ok(res))));

async function startProfiles(): Promise<void> {
  await post("Profiler.enable");
  await post("Profiler.start");
  // Every sample kept: GC pressure is what is looked for. BENCH_PROFILE_HEAP=survivors leaves out what a
  // scavenge collected: what outlived the young generation (promoted, then left to mark-compact).
  if (heap)
    await post("HeapProfiler.startSampling", {
      samplingInterval: 8192,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.BENCH_PROFILE_HEAP !== "survivors",
    });
}

async function stopProfiles(name: string): Promise<string> {
  const base = join(profileDir!, `${name}-${Date.now()}`);
  const { profile } = (await post("Profiler.stop")) as { profile: unknown };
  writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
  if (heap) writeFileSync(`${base}.heapprofile`, JSON.stringify((await post("HeapProfiler.stopSampling")).profile));
  return `${base}.cpuprofile`;
}

// Garbage collection on the main thread so far (pauses and their total, ms): {"cmd":"gc"} answers it.
const gc = { ms: 0, pauses: 0, majorMs: 0, majorPauses: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.ms += e.duration;
    gc.pauses++;
    // Mark-compact (NODE_PERFORMANCE_GC_MAJOR): the old generation, filled by what outlived scavenges.
    if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
      gc.majorMs += e.duration;
      gc.majorPauses++;
    }
  }
}).observe({ entryTypes: ["gc"] });

reply({ port: app.port, opsPort: app.opsPort });
stdinMessages((msg: { cmd: string; name?: string }) => {
  if (msg.cmd === "profile-start" && inspector) {
    void startProfiles().then(
      () => reply({ profiling: true }),
      (err: Error) => reply({ error: `profiler: ${err.message}` }),
    );
  } else if (msg.cmd === "profile-stop" && inspector) {
    void stopProfiles(msg.name ?? "selling").then(
      (file) => reply({ profile: file }),
      (err: Error) => reply({ error: `profiler: ${err.message}` }),
    );
  } else if (msg.cmd === "gc") {
    reply(gc);
  } else if (msg.cmd === "relay") {
    // Cheap enough to poll while a sample's CPU is counted: no percentiles.
    reply({ published: app.relay.stats.published });
  } else if (msg.cmd === "written") {
    // Cheap to ask often (the cost bench polls it to end its window): no percentiles, no MySQL query.
    reply({ written: app.writer.stats.written });
  } else if (msg.cmd === "reset") {
    steps.clear();
    reply({ reset: true });
  } else if (msg.cmd === "stats") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of steps)
      out[k] = { n: v.length, mean: v.reduce((a, b) => a + b, 0) / v.length, ...percentiles(v) };
    reply({
      steps: out,
      writer: app.writer.stats,
      timers: app.timers.stats,
      relay: app.relay.stats,
      paymentBatches: app.lifecycle.transitions.batchStats(),
      shortCircuits: app.soldOut.shortCircuits,
    });
  }
});
process.on(
  "SIGTERM",
  () =>
    void app.close().then(
      () => process.exit(0),
      () => process.exit(0),
    ),
);

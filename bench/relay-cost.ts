import mysql from "mysql2/promise";
import type { Producer } from "rocketmq-client-nodejs";
import { ensureTopic } from "../stack/rocketmq.js";
import { down, up, type State } from "../stack/stack.js";
import { eventMessage, OutboxRelay } from "../src/messaging/outbox-relay.js";
import { quietLogger, rmq } from "../src/messaging/rocketmq.js";
import { componentLogger } from "../src/observability/log.js";
import { migrate } from "../src/persistence/migrate.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import { orderEvent, outboxInsert, type OrderEvent } from "../src/persistence/order-events.js";
import type { Measurement } from "./lib/benchmark.js";
import { benchConfig, durableBenchEnv, rid, rootConnection } from "./lib/config.js";

/**
 * What publishing an order event costs the process that publishes it (the writer's outbox relay, issue 20's
 * headline: about a quarter of the drop's CPU). EVENTS ORDER_CONFIRMED events are written to the outbox of two
 * shard databases, then published to a FIFO topic of their own by src/messaging/outbox-relay.ts as the writer
 * runs it (claim, send, stamp); beside it, the floor: the same events sent with the same producer, one
 * `send` each, 200 at a time, no MySQL. CPU of this process (µs per event, process.cpuUsage) and events a
 * second; RocketMQ's and MariaDB's CPU are not counted. Each side after an uncounted warm-up of WARMUP events.
 * A size, not a ratio: the relay's figure over the floor's says how much of the cost is the relay's own.
 */
const EVENTS = Number(process.env.BENCH_RELAY_EVENTS ?? 20_000);
const WARMUP = 2000;
const SEND_CONCURRENCY = 200;

interface Side {
  events: number;
  seconds: number;
  cpuUsPerEvent: number;
  eventsPerSec: number;
}

function eventOf(saleId: string, db: number, i: number): OrderEvent {
  const order = { orderId: `${saleId}.${db}.${i}`, saleId, skuId: "bench-sku", userId: `u${i}`, quantity: 1 };
  return orderEvent(order, "ORDER_CONFIRMED", 1, new Date());
}

/** `n` unpublished events, half in each of the two databases, 500 to an INSERT (the writer's outbox insert). */
async function fillOutbox(shards: MysqlShards, saleId: string, n: number): Promise<void> {
  for (const [db, { pool }] of shards.databases().entries()) {
    for (let b = 0; b < n / 2; b += 500) {
      const events = Array.from({ length: Math.min(500, n / 2 - b) }, (_, k) => eventOf(saleId, db, b + k));
      const { sql, params } = outboxInsert(events, new Date());
      await pool.query(sql, params);
    }
  }
}

function measure(events: number, t0: number, cpu0: NodeJS.CpuUsage): Side {
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    events,
    seconds: Math.round(seconds * 100) / 100,
    cpuUsPerEvent: Math.round((cpu.user + cpu.system) / events),
    eventsPerSec: Math.round(events / seconds),
  };
}

interface Sides {
  shards: MysqlShards;
  relay: OutboxRelay;
  producer: Producer;
  topic: string;
}

/** `n` events written to the outbox and published by the relay, pass after pass. */
async function relayed(s: Sides, n: number): Promise<Side> {
  await fillOutbox(s.shards, `rc-${rid(3)}`, n);
  const before = s.relay.stats.published;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (s.relay.stats.published - before < n) if ((await s.relay.passAll()) === 0) break;
  const done = s.relay.stats.published - before;
  if (done !== n) throw new Error(`relay-cost: the relay published ${done} of ${n} events`);
  return measure(n, t0, cpu0);
}

/** The floor: `n` events sent as the relay sends them, SEND_CONCURRENCY at a time, no MySQL. */
async function sent(s: Sides, n: number): Promise<Side> {
  const saleId = `rc-${rid(3)}`;
  const events = Array.from({ length: n }, (_, i) => eventOf(saleId, i % 2, i));
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i += SEND_CONCURRENCY) {
    const batch = events.slice(i, i + SEND_CONCURRENCY);
    await Promise.all(batch.map((e) => s.producer.send(eventMessage(s.topic, e))));
  }
  return measure(n, t0, cpu0);
}

export const relayCost: Measurement = {
  name: "relay-cost",
  description: "CPU per order event published: the outbox relay against bare sends of the same events",
  async run() {
    const started: State = await up(false);
    const { dbs, topics, env } = durableBenchEnv(`rc${rid(3)}`);
    const cfg = benchConfig(env);
    const shards = new MysqlShards(cfg.mysql);
    const root = await mysql.createConnection(rootConnection(cfg));
    const producer = new rmq.Producer({
      endpoints: cfg.rocketmq.endpoints,
      namespace: "",
      requestTimeout: cfg.rocketmq.requestTimeoutMs,
      logger: quietLogger("producer", componentLogger("relay-cost")),
    });
    try {
      await migrate(cfg.mysql);
      await ensureTopic(topics.eventTopic, "FIFO");
      await producer.startup();
      const relay = new OutboxRelay(shards, producer, {
        topic: topics.eventTopic,
        intervalMs: cfg.outbox.relayIntervalMs,
        batchMax: cfg.outbox.batchMax,
        retentionMs: cfg.outbox.retentionSeconds * 1000,
      });
      const sides = { shards, relay, producer, topic: topics.eventTopic };
      await relayed(sides, WARMUP);
      await sent(sides, WARMUP);
      const relaySide = await relayed(sides, EVENTS);
      const floor = await sent(sides, EVENTS);
      return {
        details: {
          events: EVENTS,
          relay: relaySide,
          bareSends: floor,
          relayOverFloor: Math.round((relaySide.cpuUsPerEvent / floor.cpuUsPerEvent) * 100) / 100,
          batchMax: cfg.outbox.batchMax,
          sendConcurrency: SEND_CONCURRENCY,
          scope: "this process's CPU only (RocketMQ and MariaDB not counted)",
        },
        table: [
          `relay (claim, send, stamp)   ${relaySide.cpuUsPerEvent} µs CPU per event, ${relaySide.eventsPerSec} events/s`,
          `bare sends (the floor)       ${floor.cpuUsPerEvent} µs CPU per event, ${floor.eventsPerSec} events/s`,
          `relay ÷ floor                ${(relaySide.cpuUsPerEvent / floor.cpuUsPerEvent).toFixed(2)}`,
        ],
      };
    } finally {
      await producer.shutdown().catch(() => {});
      await shards.close();
      for (const name of dbs) await root.query(`DROP DATABASE IF EXISTS \`${name}\``).catch(() => {});
      await root.end().catch(() => {});
      await down(started);
    }
  },
};

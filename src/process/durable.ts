import type { Producer } from "rocketmq-client-nodejs";
import type { Config } from "../config/schema.js";
import { OrderWriter } from "../messaging/order-writer.js";
import { OutboxRelay } from "../messaging/outbox-relay.js";
import { PaymentTimers } from "../messaging/payment-timers.js";
import { quietLogger, rmq } from "../messaging/rocketmq.js";
import { OrderTransactionChecker } from "../messaging/transaction-checker.js";
import { componentLogger } from "../observability/log.js";
import { migrate } from "../persistence/migrate.js";
import type { SweepLoop } from "../reconciliation/sweep-loop.js";
import type { Sweeper } from "../reconciliation/sweeper.js";
import { startingAgainst } from "../startup-checks.js";
import type { CrashPoint } from "../util/crash-point.js";
import type { ProcessCore } from "./core.js";
import { buildSweeper } from "./sweeper-role.js";

/** The durable side of a process: MySQL, the transactional producer with its back-check, writer, sweeper. */
export interface Durable {
  checker: OrderTransactionChecker;
  writer: OrderWriter;
  timers: PaymentTimers;
  relay: OutboxRelay;
  sweeper: Sweeper;
  sweepLoop: SweepLoop;
  producer: Producer;
}

/** What the producer and every consumer of a process share: the proxy's address and the request timeout. */
export function rocketmqCommon(config: Config) {
  const r = config.rocketmq;
  return { endpoints: r.endpoints, namespace: "", requestTimeout: r.requestTimeoutMs };
}

/**
 * MySQL (migrated here unless `mysql.migrateOnStart` is false: then a deployment's one-shot migrate step
 * has done it), the producer with its back-check listener, the writer and the sweeper. Built by every
 * process but the Redis-only one; the writer and sweeper roles start their parts of it.
 */
export async function startDurable(core: ProcessCore, crashAt: CrashPoint | undefined): Promise<Durable> {
  const cfg = core.config;
  if (cfg.mysql.migrateOnStart) await startingAgainst("MySQL migration failed", () => migrate(cfg.mysql));
  const { repo } = core;
  const log = (component: string) => componentLogger(component, core.log);
  const checker = new OrderTransactionChecker(core.redis, core.keys, log("transaction-checker"));
  // The producer must list the order topic, or the broker's back-checks never reach its checker. Only that
  // one: with a second topic listed, startup now and then waits forever for the proxy's first settings
  // command (seen with rocketmq-client-nodejs 1.0.8 against the 5.3 proxy); the event and timer topics
  // are routed at their first send instead.
  const producer = new rmq.Producer({
    ...rocketmqCommon(cfg),
    topics: [cfg.rocketmq.orderTopic],
    logger: quietLogger("producer", core.log),
    checker: { check: (view) => checker.check(view) },
  });
  const timers = new PaymentTimers(
    producer,
    cfg.rocketmq.timeoutTopic,
    core.sales,
    core.lifecycle,
    cfg.payments.timeoutSeconds,
    log("payment-timers"),
  );
  const writer = new OrderWriter(
    repo,
    core.redis,
    core.keys,
    cfg.rocketmq.consumer,
    (orders) => {
      timers.schedule(orders);
      core.pendingRows.persisted(orders.map((o) => o.orderId));
    },
    log("order-writer"),
  );
  writer.instrument(core.metrics);
  const relay = new OutboxRelay(
    core.shards,
    producer,
    {
      topic: cfg.rocketmq.eventTopic,
      intervalMs: cfg.outbox.relayIntervalMs,
      batchMax: cfg.outbox.batchMax,
      retentionMs: cfg.outbox.retentionSeconds * 1000,
      // One send: up to three attempts (the client's default) and a route lookup, each within the request timeout.
      claimMs: cfg.outbox.claimMs,
      sendBudgetMs: 4 * cfg.rocketmq.requestTimeoutMs,
      holdMs: cfg.outbox.holdMs,
      busy: () => writer.takingOrders(cfg.outbox.holdQuietMs),
    },
    crashAt,
    log("outbox-relay"),
  );
  const { sweeper, sweepLoop } = buildSweeper(core, writer, relay);
  await startingAgainst(
    `the RocketMQ producer did not start against the proxy at ${cfg.rocketmq.endpoints} (topic ${cfg.rocketmq.orderTopic})`,
    () => producer.startup(),
  );
  return { checker, writer, timers, relay, sweeper, sweepLoop, producer };
}

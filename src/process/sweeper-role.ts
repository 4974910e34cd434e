import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { OrderWriter } from "../messaging/order-writer.js";
import type { OutboxRelay } from "../messaging/outbox-relay.js";
import { componentLogger } from "../observability/log.js";
import { SaleRecovery } from "../reconciliation/sale-recovery.js";
import { SweepLoop } from "../reconciliation/sweep-loop.js";
import { Sweeper } from "../reconciliation/sweeper.js";
import type { ProcessCore } from "./core.js";

/** The reconciliation side: the sweeper (with the rebuild of a sale Redis lost) and the loop that runs it. */
export interface SweeperParts {
  sweeper: Sweeper;
  sweepLoop: SweepLoop;
}

/**
 * Builds the sweeper over the durable side's writer and outbox relay. Every process with MySQL has one (the
 * admin routes act through it); the sweeper role is its loop, started last by `GatewayProcess.start` and
 * stopped with the other loops by `close()`.
 */
export function buildSweeper(core: ProcessCore, writer: OrderWriter, relay: OutboxRelay): SweeperParts {
  const cfg = core.config;
  const log = (component: string) => componentLogger(component, core.log);
  const recovery = new SaleRecovery(
    core.redis,
    core.keys,
    core.sales,
    core.repo,
    core.reservations.rebalancer,
    {
      quietMs: cfg.sweeper.recoveryQuietMs,
      replayMs: cfg.tokens.replaySeconds * 1000,
    },
    log("recovery"),
  );
  const sweeper = new Sweeper(
    core.redis,
    core.keys,
    core.redisOps,
    writer,
    core.repo,
    core.lifecycle,
    relay,
    recovery,
    {
      persistAfterMs: cfg.sweeper.persistAfterMs,
      leaseMs: cfg.sweeper.leaseMs,
      // An event the relay may still be holding for a drop is not stale yet.
      outboxStaleAfterMs: cfg.outbox.staleAfterMs + cfg.outbox.holdMs,
      owner: `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`,
    },
    core.metrics,
    log("sweeper"),
  );
  const sweepLoop = new SweepLoop(
    sweeper,
    core.sales,
    core.redis,
    core.keys,
    {
      intervalMs: cfg.sweeper.intervalMs,
      retentionSeconds: cfg.sales.retentionSeconds,
    },
    core.metrics,
  );
  return { sweeper, sweepLoop };
}

import type { MessageView } from "rocketmq-client-nodejs";
import type { Histogram } from "prom-client";
import type { Metrics } from "../observability/metrics.js";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { InvalidOrderError, type OrderRepository } from "../persistence/order-repository.js";
import type { OrderRow } from "../persistence/order-row.js";
import { groupByShard, ledgerOf, readLedger } from "../reservation/ledger.js";
import { noteLostOrders } from "./lost-orders.js";
import { Batcher } from "../util/batcher.js";
import { componentLogger, type Logger } from "../observability/log.js";
import { traceIdOf } from "../observability/trace-context.js";
import { decodeOrders, REQUEST_IDS_PROPERTY, type OrderMessage } from "./order-message.js";
import { rmq } from "./rocketmq.js";

export interface OrderWriterOptions {
  /** Most messages held at once (the client's listener has no cap of its own). */
  maxInFlight: number;
  /** Largest batch written in one go, and how long a batch waits to fill. */
  batchMax: number;
  lingerMs: number;
  /**
   * Batches being written at once; while all are busy the next one grows (up to batchMax): fewer, larger
   * MySQL transactions under load, each one fsync, instead of many small ones queueing for connections.
   */
  batchesInFlight: number;
  /** How long a batch keeps retrying a sick MySQL before the messages are handed back for redelivery. */
  retryForMs: number;
}

/** Seconds from the 202 to the row: milliseconds when healthy, the sweeper's persistAfterMs when a message was lost. */
const LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/**
 * How old the ledger's word on an order may be when its row is inserted. A sale whose Redis state was lost
 * is rebuilt from MySQL no sooner than `sweeper.recoveryQuietMs` after the loss; a row inserted longer than
 * that after the look that found its record could land after the rebuild counted the rows, claiming units
 * put on sale again. An older look is taken again first (once per batch: free while the writer keeps up).
 */
const LEDGER_FRESH_MS = 500;

/** What became of an order handed to the writer: its row is in MySQL, it was parked, or not yet (retry later). */
export type WriteOutcome = "written" | "parked" | "failed";

interface Pending {
  order: OrderMessage;
  done: (outcome: WriteOutcome) => void;
  /** When the ledger last said this order holds units (unix ms). */
  seenAt: number;
}

/**
 * The order writer: consumes committed order messages, writes them to sharded MySQL in batches, idempotently
 * by order id, then marks the reservations CONFIRMED in Redis. A redelivered message makes no second row;
 * a malformed (poison) message is acknowledged and counted, never retried.
 */
export class OrderWriter {
  readonly stats = {
    received: 0,
    written: 0,
    duplicates: 0,
    poison: 0,
    skipped: 0,
    parked: 0,
    batches: 0,
    failedBatches: 0,
    retries: 0,
  };
  /** flashsale_order_persist_lag_seconds, once instrumented. */
  private lag?: Histogram;
  /** Called with each persisted order (the demo measures the lag from 202 to row). */
  onPersisted?: (order: OrderMessage, at: number) => void;
  private readonly batches: Batcher<Pending>;
  private inFlight = 0;
  private inHand = 0;
  private waiters: (() => void)[] = [];
  private closed = false;
  /** When write() was last called (performance.now()). */
  private lastTakenAt = -Infinity;

  constructor(
    private readonly repo: OrderRepository,
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly opts: OrderWriterOptions,
    /** Told of every batch once it is in MySQL (payment-timeout timers); must not throw. */
    private readonly afterPersist: (orders: OrderMessage[]) => void = () => {},
    private readonly log: Logger = componentLogger("order-writer"),
  ) {
    this.batches = new Batcher(
      { maxSize: opts.batchMax, lingerMs: opts.lingerMs, maxInFlight: opts.batchesInFlight },
      (batch) => this.writeBatch(batch),
    );
  }

  /**
   * The writer's metrics: counters read from `stats` at scrape time, and the 202 → row lag, observed per
   * inserted row (per batch, off the request path).
   */
  instrument(metrics: Metrics): void {
    const { stats } = this;
    metrics.counterFrom("flashsale_writer_batches_total", "Batches written to MySQL", () => stats.batches);
    metrics.counterFrom(
      "flashsale_writer_failed_batches_total",
      "Batches given up after retryForMs, their messages handed back to the broker for redelivery",
      () => stats.failedBatches,
    );
    metrics.counterFrom("flashsale_writer_rows_total", "Order rows inserted", () => stats.written);
    metrics.counterFrom(
      "flashsale_writer_duplicates_total",
      "Orders whose row was already there (a redelivered message, or the sweeper's write)",
      () => stats.duplicates,
    );
    metrics.counterFrom(
      "flashsale_writer_retries_total",
      "Retries of a Redis or MySQL step after a failure (with backoff, up to retryForMs)",
      () => stats.retries,
    );
    metrics.counterFrom(
      "flashsale_writer_parked_total",
      "Orders of committed messages the Redis ledger did not know, parked for the sweeper (parked_orders)",
      () => stats.parked,
    );
    metrics.counterFrom(
      "flashsale_writer_dead_lettered_total",
      "Malformed messages and invalid rows acknowledged and dropped, never retried",
      () => stats.poison,
    );
    this.lag = metrics.histogram(
      "flashsale_order_persist_lag_seconds",
      "Time from the reservation (the 202) to the order's row in MySQL",
      LAG_BUCKETS,
    );
  }

  /** Messages being consumed, not yet acknowledged or handed back (a stop cut short leaves them to a redelivery). */
  get messagesInHand(): number {
    return this.inHand;
  }

  /** The PushConsumer's listener. */
  async consume(view: MessageView) {
    this.inHand++;
    try {
      return await this.handle(view);
    } finally {
      this.inHand--;
    }
  }

  private async handle(view: MessageView) {
    this.stats.received++;
    const orders = decodeOrders(view.body);
    if (!orders || orders.some((o) => !ledgerOf(this.keys, o.orderId))) {
      this.stats.poison++;
      this.log.warn({ messageId: view.messageId }, "poison message acknowledged and dropped");
      return rmq.ConsumeResult.SUCCESS;
    }
    if (this.log.isLevelEnabled("debug")) {
      this.log.debug(
        {
          messageId: view.messageId,
          orderIds: view.keys,
          requestIds: view.properties.get(REQUEST_IDS_PROPERTY),
          traceIds: orders.map((o) => traceIdOf(o.traceparent)).join(","),
        },
        "order message received",
      );
    }
    let seen: { reserved: OrderMessage[]; seenAt: number };
    try {
      // Retried here, not by redelivery (seconds to minutes away): an order whose record a Redis failure took
      // must be parked soon after Redis is back, before a rebuild of its sale counts the parked orders.
      seen = await this.retrying(() => this.reservedOnly(orders));
    } catch {
      return rmq.ConsumeResult.FAILURE; // Redis (or MySQL, for parking) unreachable for retryForMs: later
    }
    const outcomes = await Promise.all(seen.reserved.map((o) => this.write(o, seen.seenAt)));
    return outcomes.includes("failed") ? rmq.ConsumeResult.FAILURE : rmq.ConsumeResult.SUCCESS;
  }

  /**
   * A group's message also names orders that were never reserved (sold out, limit, tombstoned by the
   * back-check): only those the Redis ledger holds, for the same buyer and quantity, become rows, and only
   * while they hold units. `seenAt`: when the ledger was read.
   */
  private async reservedOnly(orders: OrderMessage[]): Promise<{ reserved: OrderMessage[]; seenAt: number }> {
    const seenAt = Date.now();
    const ledger = await readLedger(
      this.redis,
      this.keys,
      orders.map((o) => o.orderId),
    );
    // Every order id of a committed message has a record (reservation or tombstone, see reserve-5.lua): one
    // without is a reservation Redis lost. Evidence, not garbage: parked for the sweeper, never acked away.
    await this.park(orders.filter((o) => ledger.get(o.orderId) == null));
    const reserved = orders.filter((o) => {
      const rec = ledger.get(o.orderId);
      if (rec == null) return false;
      // A released record already has its row (a cancel writes the row before it returns the units): a
      // CONFIRMED row written now would claim units that are back on sale.
      const live = rec != null && (rec.state === "reserved" || rec.state === "confirmed" || rec.state === "paid");
      const ok = live && rec.userId === o.userId && rec.quantity === o.quantity;
      if (!ok) this.stats.skipped++;
      return ok;
    });
    return { reserved, seenAt };
  }

  /**
   * Parks orders whose ledger records Redis lost: noted in Redis first (it just answered), so the sale's
   * rebuild honours them even while MySQL is away or before this writer's next retry, then parked in MySQL
   * (`parked_orders`) for the sweeper. Throws while either cannot take them: the message is not acknowledged.
   */
  private async park(lost: OrderMessage[]): Promise<void> {
    if (lost.length === 0) return;
    await noteLostOrders(this.redis, this.keys, lost);
    await this.repo.parkOrders(lost);
    this.stats.parked += lost.length;
    for (const o of lost) {
      this.log.warn(
        {
          orderId: o.orderId,
          saleId: o.saleId,
          userId: o.userId,
          requestId: o.requestId,
          traceId: traceIdOf(o.traceparent) || undefined,
        },
        "order in a committed message but not in the Redis ledger: parked for the sweeper",
      );
    }
  }

  /**
   * Queues one order for the next batch; resolves once it is in MySQL, parked (its record was lost while it
   * waited), or given up for now. `seenAt`: when the caller found the order's record holding units.
   */
  async write(order: OrderMessage, seenAt = Date.now()): Promise<WriteOutcome> {
    this.lastTakenAt = performance.now();
    while (this.inFlight >= this.opts.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
    try {
      return await new Promise<WriteOutcome>((done) => this.batches.add({ order, done, seenAt }));
    } finally {
      this.inFlight--;
      this.waiters.shift()?.();
    }
  }

  /** Whether an order came to be written within the last `withinMs` (a drop is under way). */
  takingOrders(withinMs: number): boolean {
    return performance.now() - this.lastTakenAt < withinMs;
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const parked = new Set<string>();
    let stored: OrderMessage[];
    try {
      stored = await this.retrying(async () => {
        // A batch that waited (for MySQL, or behind others) looks again: Redis may have lost records since.
        // Those orders are parked, for their sale's rebuild to honour, instead of written (LEDGER_FRESH_MS).
        await this.parkLostSince(batch, parked);
        const writing = batch.filter((p) => !parked.has(p.order.orderId));
        if (writing.length === 0) return [];
        const r = await this.insert(writing.map(({ order }) => orderRow(order)));
        this.stats.written += r.inserted;
        this.stats.duplicates += r.duplicates;
        this.stats.batches++;
        this.observeLag(writing, r);
        // Only orders now in MySQL are marked confirmed: a dropped row's reservation stays open for the sweeper.
        const kept = writing.filter((p) => !r.dropped.has(p.order.orderId)).map((p) => p.order);
        await this.confirm(kept.map((o) => o.orderId));
        return kept;
      });
    } catch (err) {
      this.stats.failedBatches++;
      this.log.error(
        { orders: batch.length, orderIds: batch.slice(0, 20).map((p) => p.order.orderId), err: (err as Error).message },
        "batch not written, handing back for redelivery",
      );
      for (const p of batch) p.done("failed");
      return;
    }
    this.afterPersist(stored);
    if (this.log.isLevelEnabled("debug")) {
      for (const o of stored)
        this.log.debug(
          {
            orderId: o.orderId,
            requestId: o.requestId,
            traceId: traceIdOf(o.traceparent) || undefined,
            saleId: o.saleId,
            userId: o.userId,
          },
          "order row written",
        );
    }
    const at = Date.now();
    for (const p of batch) {
      if (!parked.has(p.order.orderId)) this.onPersisted?.(p.order, at);
      p.done(parked.has(p.order.orderId) ? "parked" : "written");
    }
  }

  /**
   * The lag of the rows this insert made. The repository counts duplicates without naming them; they are
   * rare (a redelivery), so then the first `inserted` orders stand for the new rows: the count stays exact.
   */
  private observeLag(batch: Pending[], r: { inserted: number; dropped: Set<string> }): void {
    if (!this.lag || r.inserted === 0) return;
    const now = Date.now();
    let n = 0;
    for (const { order } of batch) {
      if (n === r.inserted) break;
      if (r.dropped.has(order.orderId)) continue;
      this.lag.observe(Math.max(0, now - order.reservedAt) / 1000);
      n++;
    }
  }

  /** Reads the ledger again for the batch's orders whose last look is stale; parks those whose record is gone. */
  private async parkLostSince(batch: Pending[], parked: Set<string>): Promise<void> {
    const now = Date.now();
    const stale = batch.filter((p) => !parked.has(p.order.orderId) && now - p.seenAt > LEDGER_FRESH_MS);
    if (stale.length === 0) return;
    const ledger = await readLedger(
      this.redis,
      this.keys,
      stale.map((p) => p.order.orderId),
    );
    const lost = stale.filter((p) => ledger.get(p.order.orderId) == null).map((p) => p.order);
    await this.park(lost);
    for (const o of lost) parked.add(o.orderId);
    for (const p of stale) p.seenAt = now;
  }

  /** Runs `step` again, with backoff (50 ms doubling to 2 s), until it succeeds, the writer closes or retryForMs passes. */
  private async retrying<T>(step: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + this.opts.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await step();
      } catch (err) {
        if (this.closed || Date.now() > deadline) throw err;
        this.stats.retries++;
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  /** A malformed row fails the whole statement; then rows go one by one and the bad ones are dropped. */
  private async insert(rows: OrderRow[]): Promise<{ inserted: number; duplicates: number; dropped: Set<string> }> {
    const dropped = new Set<string>();
    try {
      return { ...(await this.repo.insertOrders(rows)), dropped };
    } catch (err) {
      if (!(err instanceof InvalidOrderError)) throw err;
      let inserted = 0;
      let duplicates = 0;
      for (const row of rows) {
        try {
          const r = await this.repo.insertOrders([row]);
          inserted += r.inserted;
          duplicates += r.duplicates;
        } catch (e) {
          if (!(e instanceof InvalidOrderError)) throw e;
          this.stats.poison++;
          dropped.add(row.orderId);
        }
      }
      return { inserted, duplicates, dropped };
    }
  }

  private async confirm(orderIds: string[]): Promise<void> {
    await Promise.all(
      [...groupByShard(this.keys, orderIds).values()].map((g) => scripts.confirm(this.redis, g.shard, g.orderIds)),
    );
  }

  /** Stops retrying, writes what is waiting now, and resolves when no order is in flight (or at `deadline`). */
  async close(deadline = Date.now() + 10_000): Promise<void> {
    this.closed = true;
    this.batches.flush();
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }
}

/** The CONFIRMED row a committed order becomes. */
function orderRow(o: OrderMessage): OrderRow {
  return {
    orderId: o.orderId,
    saleId: o.saleId,
    skuId: o.skuId,
    userId: o.userId,
    quantity: o.quantity,
    status: "CONFIRMED",
    createdAt: new Date(o.reservedAt),
    token: o.token,
  };
}

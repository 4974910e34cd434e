import type { OrderLifecycle } from "../orders/order-lifecycle.js";
import type { OrderWriter } from "../messaging/order-writer.js";
import type { OutboxRelay } from "../messaging/outbox-relay.js";
import type { Histogram } from "prom-client";
import type { Cell, CellCounter, Metrics } from "../observability/metrics.js";
import type { OrderRepository, SaleOrderRef } from "../persistence/order-repository.js";
import type { Keys } from "../redis/keys.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import type { OrderMessage } from "../messaging/order-message.js";
import { ledgerOf, readRecord, saleLedger, type LedgerRecord } from "../reservation/ledger.js";
import type { RedisSaleOps } from "../reservation/redis-sale-ops.js";
import type { Sale } from "../reservation/sale.js";
import { expireShardKeys, warmedShards } from "../reservation/sale-store.js";
import type { SaleOps } from "../reservation/sale-ops.js";
import { componentLogger, type Logger } from "../observability/log.js";
import type { SaleRecovery } from "./sale-recovery.js";

/** What one pass found and repaired, by kind (also counted in flashsale_sweeper_repairs_total). */
export interface SweepReport {
  transfersFinished: number;
  unitsMoved: number;
  /** Reservations not yet in MySQL past `persistAfterMs`, and how many of them were written now. */
  openChecked: number;
  ordersPersisted: number;
  /** Ledger records holding units whose row was missing (confirmed or paid ones too): rows written now. */
  rowsRestored: number;
  /** Rows whose ledger record was missing: records put back (no stock moves). */
  recordsRestored: number;
  /** Released records without a row: written CANCELLED. */
  cancelledRowsWritten: number;
  /** CANCELLED rows whose units had not come back: returned now, exactly once. */
  unitsReturned: number;
  /** PAID rows whose ledger record did not say so, and CONFIRMED rows whose record was still open. */
  paidMarked: number;
  confirmedMarked: number;
  /** Orders past their payment timeout, cancelled now. */
  expired: number;
  /** Orders parked by the writer (in a committed message, not in the ledger): settled now, and still open. */
  parkedSettled: number;
  parkedOpen: number;
  /** This sale's events unpublished past outbox.staleAfterMs, and how many of those went out during this pass. */
  outboxStale: number;
  outboxPublished: number;
  /** Shards whose Redis state was lost, rebuilt from MySQL in this pass, and the orders put back into them. */
  shardsRebuilt: number;
  ordersRebuilt: number;
  /** Rows that reached MySQL after such a rebuild counted the rows: their units taken now. */
  lateRowsHonored: number;
  /** The sale has ended, every order is final (or within its timeout) and every event of the sale is published. */
  settled: boolean;
  /** Another process holds this sale's lease: nothing was done. */
  skipped?: boolean;
  /** The sale's Redis state is lost and waits for its rebuild (sale-recovery.ts): nothing else was done. */
  recovering?: boolean;
}

/** Counts of what was found, not repaired: reported, not added to the repairs metric. */
const FOUND_ONLY = ["openChecked", "outboxStale", "parkedOpen"] as const;
const FLAGS = ["settled", "skipped", "recovering"] as const;
type RepairKind = Exclude<keyof SweepReport, (typeof FLAGS)[number] | (typeof FOUND_ONLY)[number]>;
const isRepair = (kind: keyof SweepReport): kind is RepairKind =>
  !(FOUND_ONLY as readonly string[]).includes(kind) && !(FLAGS as readonly string[]).includes(kind);

export interface SweeperOptions {
  persistAfterMs: number;
  leaseMs: number;
  outboxStaleAfterMs: number;
  /** This process's name in leases. */
  owner: string;
}

/**
 * A CONFIRMED row written less than this long ago whose record still says reserved is left to its writer,
 * which marks its records confirmed just after committing the rows: a pass between the two would count
 * the writer's own step as a repair. A writer that died in between is repaired once the grace is past.
 */
const CONFIRM_GRACE_MS = 5000;

/** Seconds: a pass over a small sale takes milliseconds, over a sale of 100k orders seconds. */
const PASS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
type PassOutcome = "done" | "recovering" | "failed";

const emptyReport = (): SweepReport => ({
  transfersFinished: 0,
  unitsMoved: 0,
  openChecked: 0,
  ordersPersisted: 0,
  rowsRestored: 0,
  recordsRestored: 0,
  cancelledRowsWritten: 0,
  unitsReturned: 0,
  paidMarked: 0,
  confirmedMarked: 0,
  expired: 0,
  parkedSettled: 0,
  parkedOpen: 0,
  outboxStale: 0,
  outboxPublished: 0,
  shardsRebuilt: 0,
  ordersRebuilt: 0,
  lateRowsHonored: 0,
  settled: false,
});

/**
 * Reconciliation of one sale, both ways between the Redis ledger and the MySQL rows, repairing with the
 * same idempotent operations as the main path (the writer's insert, the release and mark-paid scripts,
 * the lifecycle's transitions). One process sweeps a sale at a time (a Redis lease with an expiry), and
 * passes over one sale never overlap within a process.
 */
export class Sweeper implements SaleOps {
  private readonly inProgress = new Map<string, Promise<SweepReport>>();
  private readonly repairs: CellCounter<"kind">;
  private readonly passes: Record<PassOutcome, Cell>;
  private readonly passSeconds: Histogram;
  /**
   * The last pass's drift per live sale, for the gauge. Only the process that holds a sale's lease keeps
   * it (a process whose sweep is skipped forgets its stale value), and an ended sale is dropped.
   */
  private readonly drift = new Map<string, number>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** The Redis-only part: stock accounting and stranded transfers. */
    private readonly redisOps: RedisSaleOps,
    private readonly writer: OrderWriter,
    private readonly repo: OrderRepository,
    private readonly lifecycle: OrderLifecycle,
    private readonly relay: OutboxRelay,
    /** Finds a sale whose Redis state was lost, and rebuilds it before anything else is compared. */
    readonly recovery: SaleRecovery,
    private readonly opts: SweeperOptions,
    metrics: Metrics,
    private readonly log: Logger = componentLogger("sweeper"),
  ) {
    this.repairs = metrics.counter("flashsale_sweeper_repairs_total", "What the sweeper found and repaired, by kind", [
      "kind",
    ]);
    // Every kind from the start, at 0: a series that appears only with its first repair cannot be alerted on.
    for (const kind of Object.keys(emptyReport()) as (keyof SweepReport)[])
      if (isRepair(kind)) this.repairs.cell({ kind });
    const passes = metrics.counter(
      "flashsale_sweeper_passes_total",
      "Sweeper passes over one sale, by outcome (recovering: waiting for its rebuild)",
      ["outcome"],
    );
    this.passes = {
      done: passes.cell({ outcome: "done" }),
      recovering: passes.cell({ outcome: "recovering" }),
      failed: passes.cell({ outcome: "failed" }),
    };
    this.passSeconds = metrics.histogram(
      "flashsale_sweeper_pass_duration_seconds",
      "Time one sweeper pass over one sale took",
      PASS_BUCKETS,
    );
    // Across workers: the largest (only the lease holder reports a sale; a reconcile elsewhere may too).
    metrics.gauge(
      "flashsale_sale_drift_units",
      "Units unaccounted for between Redis and MySQL at the last sweep, per live sale",
      ["sale"],
      (set) => {
        for (const [sale, drift] of this.drift) set({ sale }, drift);
      },
      "max",
    );
  }

  /** POST .../reconcile: a pass now, whoever holds the lease (every repair is idempotent). */
  reconcile(sale: Sale): Promise<SweepReport> {
    return this.exclusive(sale, () => this.pass(sale, Date.now()));
  }

  /** The sweep loop's pass: skipped when another process holds the sale's lease. */
  async sweep(sale: Sale, now = Date.now()): Promise<SweepReport> {
    const lease = await scripts.lease(
      this.redis,
      this.keys.sweepLease(sale.saleId),
      this.opts.owner,
      this.opts.leaseMs,
    );
    if (lease === "taken") {
      this.drift.delete(sale.saleId); // the lease holder reports it
      return { ...emptyReport(), skipped: true };
    }
    return this.exclusive(sale, () => this.pass(sale, now));
  }

  /** Runs after any pass over the same sale in this process, never beside it. */
  private exclusive(sale: Sale, run: () => Promise<SweepReport>): Promise<SweepReport> {
    const before = this.inProgress.get(sale.saleId) ?? Promise.resolve(emptyReport());
    const next = before.catch(() => emptyReport()).then(run);
    this.inProgress.set(sale.saleId, next);
    void next
      .finally(() => this.inProgress.get(sale.saleId) === next && this.inProgress.delete(sale.saleId))
      .catch(() => {});
    return next;
  }

  /** One pass, counted by outcome and timed. */
  private async pass(sale: Sale, now: number): Promise<SweepReport> {
    const t0 = performance.now();
    let outcome: PassOutcome = "failed";
    try {
      const report = await this.compareAndRepair(sale, now);
      outcome = report.recovering ? "recovering" : "done";
      return report;
    } finally {
      this.passes[outcome].n++;
      this.passSeconds.observe((performance.now() - t0) / 1000);
    }
  }

  /**
   * One pass once the sale's Redis state is whole, in three passes: ledger records without a row, rows
   * against their record, the orders the writer parked; then the outbox, the counters and the drift.
   */
  private async compareAndRepair(sale: Sale, now: number): Promise<SweepReport> {
    const report = emptyReport();
    const recovery = await this.recovery.run(sale, now);
    if (recovery.state === "recovering" || recovery.state === "stale") return { ...report, recovering: true };
    if (recovery.state === "rebuilt") {
      report.shardsRebuilt = recovery.shards;
      report.ordersRebuilt = recovery.orders;
    }
    // Read at most once per pass, and only when an order may have been lost with Redis.
    let rebuilt: Promise<number | null> | undefined;
    const rebuiltAt = () => (rebuilt ??= this.recovery.rebuiltAt(sale));
    const t = await this.redisOps.reconcile(sale, now);
    report.transfersFinished = t.transfersFinished;
    report.unitsMoved = t.unitsMoved;
    const ledger = await this.ledger(sale);
    const rows = new Map<string, SaleOrderRef>();
    for await (const row of this.repo.scanSale(sale.saleId)) rows.set(row.orderId, row);

    let unsettled = await this.recordsWithoutRows(sale, now, ledger, rows, report);
    unsettled += await this.rowsAgainstLedger(sale, now, ledger, rows, rebuiltAt, report);
    await this.parkedPass(sale, rebuiltAt, report);

    const eventsLeft = await this.outbox(sale, now, report);
    report.settled = now >= sale.endsAt && unsettled === 0 && report.parkedOpen === 0 && eventsLeft === 0;
    for (const kind of Object.keys(report) as (keyof SweepReport)[]) {
      if (isRepair(kind) && report[kind] > 0) this.repairs.cell({ kind }).n += report[kind];
    }
    const stats = await this.stats(sale).catch(() => null);
    if (stats && now < sale.endsAt) this.drift.set(sale.saleId, stats.drift);
    else if (now >= sale.endsAt) this.drift.delete(sale.saleId);
    return report;
  }

  /** First pass: ledger records with no row in MySQL: cancelled, expired or persisted. Returns the unsettled. */
  private async recordsWithoutRows(
    sale: Sale,
    now: number,
    ledger: Map<string, LedgerRecord>,
    rows: Map<string, SaleOrderRef>,
    report: SweepReport,
  ): Promise<number> {
    let unsettled = 0;
    for (const rec of ledger.values()) {
      if (rows.has(rec.orderId) || rec.state === "tombstone") continue;
      const order = this.lifecycle.known(rec, sale);
      if (rec.state === "released") {
        // Units already back; the row a cancel writes first is missing (MySQL lost it): write it CANCELLED.
        const r = await this.lifecycle.cancelReleased(order);
        if (r.kind === "applied" && r.decision.to === "CANCELLED") report.cancelledRowsWritten++;
        continue;
      }
      // Past its payment window without a row: the expiry writes the row and cancels it in one transaction.
      const expired = await this.lifecycle.expire(order, now);
      if (expired) {
        if (expired.kind === "applied" && expired.decision.to === "CANCELLED") report.expired++;
        continue;
      }
      unsettled++;
      if (now - rec.reservedAt < this.opts.persistAfterMs) continue;
      if (rec.state === "reserved") report.openChecked++;
      const written = (await this.writer.write({ ...order.facts })) === "written";
      if (written) report[rec.state === "reserved" ? "ordersPersisted" : "rowsRestored"]++;
    }
    return unsettled;
  }

  /** Second pass: every row against its ledger record: late rows, lost records, statuses to carry over. */
  private async rowsAgainstLedger(
    sale: Sale,
    now: number,
    ledger: Map<string, LedgerRecord>,
    rows: Map<string, SaleOrderRef>,
    rebuiltAt: () => Promise<number | null>,
    report: SweepReport,
  ): Promise<number> {
    let unsettled = 0;
    for (const row of rows.values()) {
      const rec = ledger.get(row.orderId);
      // A row holding units (CONFIRMED or PAID; a CANCELLED one holds none) reserved before a rebuild that
      // could not count it yet: its units are taken now. (Refused: no unit was left, logged; its record is
      // restored below and the stats' drift shows the excess.)
      if (
        !rec &&
        row.status !== "CANCELLED" &&
        (await this.recovery.honorLateRow(sale, row, await rebuiltAt())) === "honored"
      ) {
        report.lateRowsHonored++;
        if (row.status === "PAID") await this.lifecycle.markPaid(row);
        else unsettled++;
        continue;
      }
      if (!rec || rec.state === "tombstone") {
        if (row.status === "CONFIRMED") unsettled++;
        const state = row.status === "PAID" ? "P" : row.status === "CANCELLED" ? "C" : "F";
        const shard = ledgerOf(this.keys, row.orderId)!;
        const restored = await scripts.restoreRecord(this.redis, shard, {
          orderId: row.orderId,
          state,
          quantity: row.quantity,
          reservedAt: row.createdAt.getTime(),
          userId: row.userId,
        });
        if (restored === "restored") report.recordsRestored++;
        continue;
      }
      if (row.status === "CANCELLED" && rec.state !== "released") {
        if ((await this.lifecycle.returnUnits(row)).kind === "released") report.unitsReturned++;
      } else if (row.status === "PAID" && (rec.state === "reserved" || rec.state === "confirmed")) {
        if ((await this.lifecycle.markPaid(row)) === "marked") report.paidMarked++;
      } else if (row.status === "CONFIRMED") {
        if (
          rec.state === "reserved" &&
          now - row.updatedAt.getTime() >= CONFIRM_GRACE_MS &&
          (await scripts.confirm(this.redis, ledgerOf(this.keys, row.orderId)!, [row.orderId])) > 0
        ) {
          report.confirmedMarked++;
        }
        const r = await this.lifecycle.expire(this.lifecycle.known(rec, sale), now);
        if (r?.kind === "applied" && r.decision.to === "CANCELLED") report.expired++;
        else unsettled++;
      }
    }
    return unsettled;
  }

  /** Third pass: the orders the writer parked, each settled now or counted open. */
  private async parkedPass(sale: Sale, rebuiltAt: () => Promise<number | null>, report: SweepReport): Promise<void> {
    for (const parked of (await this.repo.parkedOf(sale.saleId)) as OrderMessage[]) {
      if (await this.settleParked(sale, parked, rebuiltAt)) report.parkedSettled++;
      else report.parkedOpen++;
    }
  }

  /**
   * This sale's outbox: its events stale before the pass, pushed by a relay pass when there are any, and
   * counted again after it. Returns how many of the sale's events (of any age) are still unpublished: the
   * relay's own figure covers every sale and database, so it cannot tell whether this sale's went out.
   */
  private async outbox(sale: Sale, now: number, report: SweepReport): Promise<number> {
    const staleBefore = new Date(now - this.opts.outboxStaleAfterMs);
    const before = await this.repo.unpublishedEvents(sale.saleId, staleBefore);
    report.outboxStale = before.stale;
    if (before.stale === 0) return before.unpublished;
    await this.relay
      .passAll()
      .catch((err: unknown) =>
        this.log.warn({ saleId: sale.saleId, err: (err as Error).message }, "outbox relay pass failed"),
      );
    const after = await this.repo.unpublishedEvents(sale.saleId, staleBefore);
    report.outboxPublished = Math.max(0, before.stale - after.stale);
    return after.unpublished;
  }

  /**
   * Settles an order the writer parked, from MySQL, the ledger and the purchase token: a row → done; a
   * record now → written; the token's use record says this order reserved (its record lost) → record
   * restored and row written; otherwise, for an order with a token, the shard's check-order: never reserved
   * when the shard kept its state (tombstoned so a late reserve cannot revive it); a shard that lost it: honoured once the sale is rebuilt if units, the buyer's
   * limit and the token allow (sale-recovery.ts), refused otherwise, and undecidable (left parked for an
   * operator) when the sale was never rebuilt after the order (true when settled).
   */
  private async settleParked(sale: Sale, o: OrderMessage, rebuiltAt: () => Promise<number | null>): Promise<boolean> {
    const settle = (how: string) => this.repo.settleParked(o.userId, o.orderId, how).then(() => true);
    // Parked again instead (the record was lost while the row waited): still open, for the next pass.
    const write = async () => (await this.writer.write(o)) === "written" && settle("written");
    if (await this.repo.getOrder(o.userId, o.orderId)) return settle("row");
    const shard = ledgerOf(this.keys, o.orderId)!;
    const rec = await readRecord(this.redis, this.keys, o.orderId);
    if (rec && rec.state !== "tombstone") return write();
    if (rec?.state === "tombstone") return settle("not_reserved");
    const tok = o.token ? await this.redis.hgetall(shard.token(o.token)) : {};
    if (tok.o === o.orderId) {
      await scripts.restoreRecord(this.redis, shard, {
        orderId: o.orderId,
        state: "F",
        quantity: o.quantity,
        reservedAt: o.reservedAt,
        userId: o.userId,
      });
      return write();
    }
    // A token without a use record is no sign of loss (a signed token has none until it buys): the shard
    // decides, as for the back-check. A missing record on a shard that kept its state means it never reserved.
    if (o.token) {
      const check = await scripts.checkOrder(this.redis, shard, o.orderId, Date.now(), o.reservedAt);
      if (check === "commit") return write();
      if (check === "rollback") return settle("not_reserved");
      if (check === "unknown") return false;
      // forgotten: reserved before its shard's rebuild, the token restored since; the honour below decides.
    }
    // A shard that lost its state (or an order without a token). Once the sale is rebuilt, honoured if it can be.
    const honored = await this.recovery.honorParked(sale, o, await rebuiltAt());
    if (honored === "honored") return write();
    if (honored === "refused") return settle("not_honoured");
    this.log.error(
      { orderId: o.orderId, userId: o.userId, saleId: sale.saleId },
      "parked order: neither ledger record nor purchase token is left to say whether it was reserved; an operator must decide",
    );
    return false;
  }

  /** Every ledger record of the sale, by order id. */
  private async ledger(sale: Sale): Promise<Map<string, LedgerRecord>> {
    return new Map((await saleLedger(this.redis, this.keys, sale)).map((r) => [r.orderId, r]));
  }

  /**
   * Sets every shard key of an ended sale to expire at `atMs` (tokens carry their own expiry): the keys of
   * every shard the sale ever warmed, those a re-put dropped too.
   */
  async expireShards(sale: Sale, atMs: number): Promise<void> {
    const warmed = await warmedShards(this.redis, this.keys, sale.saleId);
    await expireShardKeys(this.redis, this.keys, sale.saleId, Math.max(sale.shards, warmed?.shards ?? 0), atMs);
  }

  /** Stats across Redis and MySQL; drift is 0 when every unit is accounted for and both stores agree. */
  async stats(sale: Sale) {
    const [s, db, refunds] = await Promise.all([
      this.redisOps.stats(sale),
      this.repo.countBySale(sale.saleId),
      this.repo.refundCount(sale.saleId),
    ]);
    const persistedInRedis = s.confirmed + s.paid;
    const persistedInMysql = db.quantity.confirmed + db.quantity.paid;
    return {
      ...s,
      confirmed: db.quantity.confirmed,
      paid: db.quantity.paid,
      cancelled: db.quantity.cancelled,
      unpaid: db.quantity.confirmed,
      refunds,
      mysql: db,
      redis: { confirmed: s.confirmed, paid: s.paid, cancelled: s.cancelled },
      drift: Math.abs(s.drift) + Math.abs(persistedInRedis - persistedInMysql),
    };
  }
}

import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Pool } from "mysql2/promise";
import type { Producer } from "rocketmq-client-nodejs";
import type { MysqlShards } from "../persistence/mysql-shards.js";
import {
  claimUnpublished,
  markPublished,
  prunePublished,
  releaseClaim,
  type ClaimedEvent,
  type OrderEvent,
} from "../persistence/order-events.js";
import { componentLogger, type Logger } from "../observability/log.js";
import { crashIf, type CrashPoint } from "../util/crash-point.js";

export interface OutboxRelayOptions {
  topic: string;
  /** Pause between passes when the outbox was empty, ms. */
  intervalMs: number;
  /** Most events taken per database and pass; also the most deleted by one pruning statement. */
  batchMax: number;
  /** How long a published event stays in the outbox, ms: older ones are pruned. */
  retentionMs: number;
  /** Pause between pruning rounds, ms (default 60 s). */
  pruneEveryMs?: number;
  /** How long a relay's claim on events lasts, ms: a relay that died is replaced after this (default 30 s). */
  claimMs?: number;
  /** The longest one send can take, all its attempts included, ms (default 12 s). */
  sendBudgetMs?: number;
  /**
   * While `busy()` says so (the writer beside it is taking orders: a drop), events wait, at most this long
   * from the first pass held, ms; then the relay publishes until it has caught up, and holds again. 0 or
   * absent: never held. Events stay at least once, only later: the drop's CPU goes to its buy path.
   */
  holdMs?: number;
  busy?: () => boolean;
}

const PRUNE_EVERY_MS = 60_000;
const CLAIM_MS = 30_000;
const SEND_BUDGET_MS = 12_000;

/**
 * Publishes the transactional outbox (order_events in every shard database) to the events topic, a FIFO
 * topic with the order id as message group, so that each order's events reach consumers in version order.
 * Per database and pass: claim the oldest unpublished events in a short transaction (see
 * claimUnpublished: an order's events only from its earliest unpublished one, never beside another relay),
 * then send outside any transaction, an order's events one after the other (v(n+1) only once v(n) is
 * acknowledged and stamped published) and different orders side by side. A failed send ends its order's
 * run and gives the rest back; a crash leaves the claim to lapse after `claimMs`, and the events go out
 * again from the first unstamped one (at least once, never behind a later version). A send starts only while
 * the claim has `sendBudgetMs` left, so it ends before another relay can take the order. Beside the passes,
 * published events older than `retentionMs` are deleted, `batchMax` rows per statement; an unpublished
 * event stays however old it is.
 */
export class OutboxRelay {
  readonly stats = { published: 0, failedPasses: 0, pruned: 0 };
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private pruning: Promise<unknown> | null = null;
  /** Set by stop(): a pruning round ends after its current statement. */
  private stopping = false;
  private readonly claimMs: number;
  private readonly sendBudgetMs: number;
  /** This relay's name in claimed_by; each claim adds a counter, so releasing one never touches another. */
  private readonly name = `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  private claims = 0;
  /** When the current hold began (performance.now()); null while not held. */
  private holdingSince: number | null = null;

  constructor(
    private readonly shards: MysqlShards,
    private readonly producer: Producer,
    private readonly opts: OutboxRelayOptions,
    private readonly crashAt?: CrashPoint,
    private readonly log: Logger = componentLogger("outbox-relay"),
  ) {
    this.claimMs = opts.claimMs ?? CLAIM_MS;
    this.sendBudgetMs = opts.sendBudgetMs ?? SEND_BUDGET_MS;
    // A claim must outlast a send that starts near its end, with room to send at all.
    if (this.claimMs < 2 * this.sendBudgetMs) {
      throw new Error(
        `outbox.claimMs (${this.claimMs}) must be at least twice the longest send (${this.sendBudgetMs} ms: 4 × rocketmq.requestTimeoutMs)`,
      );
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.loop = this.run();
    // Its own timer, not the relay's loop: a long backlog to prune never delays publishing.
    this.pruneTimer = setInterval(() => {
      this.pruning ??= this.pruneAll()
        .catch((err) => this.log.warn({ err: (err as Error).message }, "pruning failed, retrying later"))
        .finally(() => (this.pruning = null));
    }, this.opts.pruneEveryMs ?? PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  private async run(): Promise<void> {
    let backoff = this.opts.intervalMs;
    while (this.running) {
      const held = this.heldFor();
      if (held > 0) {
        await this.pause(held);
        continue;
      }
      let moved = 0;
      try {
        moved = await this.passAll();
        backoff = this.opts.intervalMs;
      } catch (err) {
        this.stats.failedPasses++;
        this.log.warn({ backoffMs: backoff, err: (err as Error).message }, "pass failed, retrying");
        backoff = Math.min(5000, backoff * 2);
      }
      // A full batch means more may be waiting: go again at once. Caught up after a hold ran out: hold again.
      if (moved < this.opts.batchMax && this.running) {
        if (this.holdingSince !== null) this.holdingSince = performance.now();
        await this.pause(backoff);
      }
    }
  }

  /** How long to hold events back now, ms (at most a pause, so the end of the drop is seen soon); 0: publish. */
  private heldFor(): number {
    const hold = this.opts.holdMs ?? 0;
    if (hold <= 0 || !this.opts.busy?.()) {
      this.holdingSince = null;
      return 0;
    }
    const now = performance.now();
    this.holdingSince ??= now;
    return Math.max(0, Math.min(this.holdingSince + hold - now, this.opts.intervalMs));
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((r) => {
      this.wake = r;
      setTimeout(r, ms).unref();
    });
  }

  /** One pass over every database; the most events one database published. */
  async passAll(): Promise<number> {
    const moved = await Promise.all(this.shards.databases().map(({ pool }) => this.pass(pool)));
    return Math.max(0, ...moved);
  }

  private async pass(pool: Pool): Promise<number> {
    const t = this.shards.queryTimeoutMs;
    const claim = `${this.name}:${++this.claims}`;
    // Measured before the claim is taken: the database's clock starts its claim later, never earlier.
    const lastSendAt = performance.now() + this.claimMs - this.sendBudgetMs;
    const claimed = await claimUnpublished(pool, claim, this.opts.batchMax, this.claimMs, t);
    if (claimed.length === 0) return 0;
    const runs = byOrder(claimed);
    const acked = new Set<number>();
    let failure: unknown = null;
    // Round k sends the k-th claimed event of every order still going, all at once.
    for (let k = 0; performance.now() <= lastSendAt; k++) {
      const going = runs.filter((r) => r.length > k);
      if (going.length === 0) break;
      const sent = await Promise.allSettled(going.map((r) => this.send(r[k]!.event)));
      crashIf(this.crashAt, "after-relay-send");
      const ok = going.filter((_, i) => sent[i]!.status === "fulfilled").map((r) => r[k]!.seq);
      // Stamped before any later version of these orders goes: a crash in between repeats only this one.
      await markPublished(pool, ok, new Date(), t);
      for (const seq of ok) acked.add(seq);
      this.stats.published += ok.length;
      sent.forEach((s, i) => {
        if (s.status === "fulfilled") return;
        failure ??= s.reason;
        // A failed send ends its order's run: its later events never go before it.
        going[i]!.length = k;
      });
    }
    // Given back: events of failed runs, and any left when the claim ran short.
    await releaseClaim(
      pool,
      claim,
      claimed.filter((e) => !acked.has(e.seq)).map((e) => e.seq),
      t,
    );
    if (failure) throw failure;
    return acked.size;
  }

  private send(event: OrderEvent): Promise<unknown> {
    return this.producer.send(eventMessage(this.opts.topic, event));
  }

  /**
   * Deletes the events published more than `retentionMs` before `now` from every database, one small
   * statement after another (each holds its rows' locks only for itself); returns how many went. Every
   * relay process prunes: two deleting the same rows only wait for each other's statement.
   */
  async pruneAll(now = Date.now()): Promise<number> {
    const before = new Date(now - this.opts.retentionMs);
    const pruned = await Promise.all(
      this.shards.databases().map(async ({ pool }) => {
        let total = 0;
        for (;;) {
          const n = await prunePublished(pool, before, this.opts.batchMax, this.shards.queryTimeoutMs);
          total += n;
          this.stats.pruned += n;
          // A short batch: nothing older is left. Stopping: the rest waits for the next process's round.
          if (n < this.opts.batchMax || this.stopping) return total;
        }
      }),
    );
    return pruned.reduce((a, b) => a + b, 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopping = true;
    this.wake?.();
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.pruneTimer = null;
    await Promise.all([this.loop, this.pruning]);
  }
}

/** The message an order event is published as: tag = type, key and message group = the order id. */
export function eventMessage(topic: string, event: OrderEvent) {
  return {
    topic,
    tag: event.type,
    keys: [event.orderId],
    messageGroup: event.orderId,
    body: Buffer.from(JSON.stringify(event)),
  };
}

/** The claimed events per order, each order's in seq (version) order. */
function byOrder(claimed: readonly ClaimedEvent[]): ClaimedEvent[][] {
  const runs = new Map<string, ClaimedEvent[]>();
  for (const e of claimed) (runs.get(e.orderId) ?? runs.set(e.orderId, []).get(e.orderId)!).push(e);
  return [...runs.values()];
}

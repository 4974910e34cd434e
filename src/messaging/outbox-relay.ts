import type { Pool } from "mysql2/promise";
import type { Producer } from "rocketmq-client-nodejs";
import { inTransaction, type MysqlShards } from "../persistence/mysql-shards.js";
import { lockUnpublished, markPublished, prunePublished } from "../persistence/order-events.js";
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
}

const PRUNE_EVERY_MS = 60_000;

/**
 * Publishes the transactional outbox (order_events in every shard database) to the events topic: in one
 * transaction per database and pass, it locks the oldest unpublished rows (SKIP LOCKED, so relays in other
 * processes take other rows), publishes each with the order id as key and the type as tag, and stamps
 * them published. A crash or a broker error rolls the transaction back: the rows stay unpublished and go
 * out again (at least once; consumers drop repeats by eventId). Beside the passes, published events older
 * than `retentionMs` are deleted, `batchMax` rows per statement, so the outbox does not grow with every
 * order ever placed; an unpublished event stays however old it is.
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

  constructor(
    private readonly shards: MysqlShards,
    private readonly producer: Producer,
    private readonly opts: OutboxRelayOptions,
    private readonly crashAt?: CrashPoint,
    private readonly log: Logger = componentLogger("outbox-relay"),
  ) {}

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
      let moved = 0;
      try {
        moved = await this.passAll();
        backoff = this.opts.intervalMs;
      } catch (err) {
        this.stats.failedPasses++;
        this.log.warn({ backoffMs: backoff, err: (err as Error).message }, "pass failed, retrying");
        backoff = Math.min(5000, backoff * 2);
      }
      // A full batch means more may be waiting: go again at once.
      if (moved < this.opts.batchMax && this.running) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, backoff).unref();
        });
      }
    }
  }

  /** One pass over every database; the most events one database published. */
  async passAll(): Promise<number> {
    const moved = await Promise.all(this.shards.databases().map(({ pool }) => this.pass(pool)));
    return Math.max(0, ...moved);
  }

  private async pass(pool: Pool): Promise<number> {
    const t = this.shards.queryTimeoutMs;
    const published = await inTransaction(pool, async (conn) => {
      const rows = await lockUnpublished(conn, this.opts.batchMax, t);
      if (rows.length === 0) return 0;
      await Promise.all(
        rows.map(({ event }) =>
          this.producer.send({ topic: this.opts.topic, tag: event.type, keys: [event.orderId], body: Buffer.from(JSON.stringify(event)) }),
        ),
      );
      crashIf(this.crashAt, "after-relay-send");
      await markPublished(conn, rows.map((r) => r.seq), new Date(), t);
      return rows.length;
    });
    this.stats.published += published;
    return published;
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

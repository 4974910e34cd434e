import type { Pool } from "mysql2/promise";
import type { Producer } from "rocketmq-client-nodejs";
import { inTransaction, type MysqlShards } from "../persistence/mysql-shards.js";
import { lockUnpublished, markPublished } from "../persistence/order-events.js";
import { crashIf, type CrashPoint } from "../util/crash-point.js";

export interface OutboxRelayOptions {
  topic: string;
  /** Pause between passes when the outbox was empty, ms. */
  intervalMs: number;
  /** Most events taken per database and pass. */
  batchMax: number;
}

/**
 * Publishes the transactional outbox (order_events in every shard database) to the events topic: in one
 * transaction per database and pass, it locks the oldest unpublished rows (SKIP LOCKED, so relays in other
 * processes take other rows), publishes each with the order id as key and the type as tag, and stamps
 * them published. A crash or a broker error rolls the transaction back: the rows stay unpublished and go
 * out again (at least once; consumers drop repeats by eventId).
 */
export class OutboxRelay {
  readonly stats = { published: 0, failedPasses: 0 };
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly shards: MysqlShards,
    private readonly producer: Producer,
    private readonly opts: OutboxRelayOptions,
    private readonly crashAt?: CrashPoint,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
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
        process.stderr.write(`[outbox-relay] pass failed, retrying in ${backoff} ms: ${(err as Error).message}\n`);
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

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }
}

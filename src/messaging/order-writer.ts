import type { MessageView } from "rocketmq-client-nodejs";
import type { Keys } from "../redis/keys.js";
import { runScript, type RedisClient } from "../redis/scripts.js";
import { InvalidOrderError, type OrderRepository } from "../persistence/order-repository.js";
import type { OrderRow } from "../persistence/order-row.js";
import { parseOrderId } from "../reservation/order-id.js";
import { parseRecord } from "../reservation/ledger.js";
import { decodeOrders, type OrderMessage } from "./order-message.js";
import { rmq } from "./rocketmq.js";

export interface OrderWriterOptions {
  /** Most messages held at once (the client's listener has no cap of its own). */
  maxInFlight: number;
  /** Largest batch written in one go, and how long a batch waits to fill. */
  batchMax: number;
  lingerMs: number;
  /** How long a batch keeps retrying a sick MySQL before the messages are handed back for redelivery. */
  retryForMs: number;
}

interface Pending {
  order: OrderMessage;
  done: (ok: boolean) => void;
}

/**
 * The order writer: consumes committed order messages, writes them to sharded MySQL in batches, idempotently
 * by order id, then marks the reservations CONFIRMED in Redis. A redelivered message makes no second row;
 * a malformed (poison) message is acknowledged and counted, never retried.
 */
export class OrderWriter {
  readonly stats = { received: 0, written: 0, duplicates: 0, poison: 0, skipped: 0, failedBatches: 0 };
  /** Called with each persisted order (the demo measures the lag from 202 to row). */
  onPersisted?: (order: OrderMessage, at: number) => void;
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly repo: OrderRepository,
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly opts: OrderWriterOptions,
  ) {}

  /** The PushConsumer's listener. */
  consume = async (view: MessageView) => {
    this.stats.received++;
    const orders = decodeOrders(view.body);
    if (!orders || orders.some((o) => !parseOrderId(o.orderId))) {
      this.stats.poison++;
      process.stderr.write(`[order-writer] poison message ${view.messageId} acknowledged and dropped\n`);
      return rmq.ConsumeResult.SUCCESS;
    }
    let reserved: OrderMessage[];
    try {
      reserved = await this.reservedOnly(orders);
    } catch {
      return rmq.ConsumeResult.FAILURE; // Redis unreachable: try the message again later
    }
    const ok = await Promise.all(reserved.map((o) => this.write(o)));
    return ok.every(Boolean) ? rmq.ConsumeResult.SUCCESS : rmq.ConsumeResult.FAILURE;
  };

  /**
   * A group's message also names orders that were never reserved (sold out, limit, tombstoned by the
   * back-check): only those the Redis ledger holds, for the same buyer and quantity, become rows.
   */
  private async reservedOnly(orders: OrderMessage[]): Promise<OrderMessage[]> {
    const raws = new Map<string, string | null>();
    await Promise.all(
      [...this.byShard(orders.map((o) => o.orderId))].map(async ([resKey, { ids }]) => {
        const vals = await this.redis.hmget(resKey, ...ids);
        ids.forEach((id, i) => raws.set(id, vals[i] ?? null));
      }),
    );
    return orders.filter((o) => {
      const raw = raws.get(o.orderId);
      const rec = raw ? parseRecord(o.orderId, raw) : null;
      const ok = rec !== null && rec.state !== "T" && rec.userId === o.userId && rec.quantity === o.quantity;
      if (!ok) this.stats.skipped++;
      return ok;
    });
  }

  /** Order ids grouped by their shard's ledger key: one Redis call per shard instead of one per order. */
  private byShard(orderIds: string[]): Map<string, { open: string; ids: string[] }> {
    const groups = new Map<string, { open: string; ids: string[] }>();
    for (const id of orderIds) {
      const where = parseOrderId(id)!;
      const k = this.keys.shard(where.saleId, where.shard);
      let g = groups.get(k.res);
      if (!g) groups.set(k.res, (g = { open: k.open, ids: [] }));
      g.ids.push(id);
    }
    return groups;
  }

  /** Queues one order for the next batch; resolves once it is in MySQL (true) or given up for now (false). */
  async write(order: OrderMessage): Promise<boolean> {
    while (this.inFlight >= this.opts.maxInFlight) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
    try {
      return await new Promise<boolean>((done) => {
        this.queue.push({ order, done });
        if (this.queue.length >= this.opts.batchMax) this.flush();
        else this.timer ??= setTimeout(() => this.flush(), this.opts.lingerMs);
      });
    } finally {
      this.inFlight--;
      this.waiters.shift()?.();
    }
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue.splice(0, this.opts.batchMax);
    if (batch.length === 0) return;
    void this.writeBatch(batch);
    if (this.queue.length > 0) this.timer = setTimeout(() => this.flush(), 0);
  }

  private async writeBatch(batch: Pending[]): Promise<void> {
    const rows: OrderRow[] = batch.map(({ order: o }) => ({
      orderId: o.orderId, saleId: o.saleId, skuId: o.skuId, userId: o.userId, quantity: o.quantity, status: "CONFIRMED", createdAt: new Date(o.reservedAt),
    }));
    const deadline = Date.now() + this.opts.retryForMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const r = await this.insert(rows);
        this.stats.written += r.inserted;
        this.stats.duplicates += r.duplicates;
        await this.confirm(batch.map((p) => p.order.orderId));
        const at = Date.now();
        for (const p of batch) {
          this.onPersisted?.(p.order, at);
          p.done(true);
        }
        return;
      } catch (err) {
        if (this.closed || Date.now() > deadline) {
          this.stats.failedBatches++;
          process.stderr.write(`[order-writer] batch of ${batch.length} not written, handing back for redelivery: ${(err as Error).message}\n`);
          for (const p of batch) p.done(false);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
  }

  /** A malformed row fails the whole statement; then rows go one by one and the bad ones are dropped. */
  private async insert(rows: OrderRow[]): Promise<{ inserted: number; duplicates: number }> {
    try {
      return await this.repo.insertOrders(rows);
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
        }
      }
      return { inserted, duplicates };
    }
  }

  private async confirm(orderIds: string[]): Promise<void> {
    await Promise.all([...this.byShard(orderIds)].map(([res, g]) => runScript<number>(this.redis, "confirm", [res, g.open], g.ids)));
  }

  close(): void {
    this.closed = true;
    this.flush();
  }
}

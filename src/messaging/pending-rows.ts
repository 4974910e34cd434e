import { setTimeout as sleep } from "node:timers/promises";

/** Orders answered 202 longer ago than this are the sweeper's business, not a draining process's. */
const FORGET_AFTER_MS = 120_000;

/**
 * The orders this process answered 202 whose rows its own writer has not yet reported written. A draining
 * gateway waits until each is in MySQL (written by its writer, or by whichever writer the broker delivered
 * the message to) before it exits, so a SIGTERM leaves nothing for the sweeper.
 */
export class PendingRows {
  private readonly pending = new Map<string, { userId: string; at: number }>();

  get size(): number {
    return this.pending.size;
  }

  accepted(orderId: string, userId: string, now = Date.now()): void {
    this.pending.set(orderId, { userId, at: now });
    // Insertion order is time order: the oldest are first.
    for (const [id, o] of this.pending) {
      if (now - o.at < FORGET_AFTER_MS) break;
      this.pending.delete(id);
    }
  }

  persisted(orderIds: Iterable<string>): void {
    for (const id of orderIds) this.pending.delete(id);
  }

  /** Waits until MySQL holds every pending order (`exists` asks it) or `deadline`; returns how many are left. */
  async awaitRows(exists: (orderId: string, userId: string) => Promise<boolean>, deadline: number): Promise<number> {
    while (this.pending.size > 0 && Date.now() < deadline) {
      const ids = [...this.pending].slice(0, 256);
      const found = await Promise.all(ids.map(([id, o]) => exists(id, o.userId).catch(() => false)));
      ids.forEach(([id], i) => found[i] && this.pending.delete(id));
      if (found.every((f) => !f)) await sleep(100);
    }
    return this.pending.size;
  }
}

import { LRUCache } from "lru-cache";

/**
 * Per-process "this sale is sold out" flags, so the flood after sell-out is answered without Redis.
 * A flag clears when any process publishes that stock came back (see release-4.lua), and in any case
 * after a short TTL, which bounds the damage of a pub/sub message lost to a reconnect.
 */
export class SoldOutCache {
  private readonly flags: LRUCache<string, true>;
  /** Requests answered from a flag, for metrics and tests. */
  shortCircuits = 0;

  constructor(opts: { max: number; ttlMs: number }) {
    this.flags = new LRUCache({ max: opts.max, ttl: opts.ttlMs });
  }

  isSoldOut(saleId: string): boolean {
    return this.flags.get(saleId) === true;
  }

  markSoldOut(saleId: string): void {
    this.flags.set(saleId, true);
  }

  clear(saleId: string): void {
    this.flags.delete(saleId);
  }
}

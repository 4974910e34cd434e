import { LRUCache } from "lru-cache";

/**
 * Per-process "this sale is sold out" flags, so the flood after sell-out is answered without Redis.
 * A flag clears when any process publishes that stock came back (see release-4.lua), and in any case
 * after a short TTL, which bounds the damage of a pub/sub message lost to a reconnect.
 */
export class SoldOutCache {
  private readonly flags: LRUCache<string, true>;
  /** Tokens accepted per sale (bounded by its stock): their replays must reach Redis even when flagged. */
  private readonly accepted = new LRUCache<string, Set<string>>({ max: 1000 });
  /** Sales whose accepted tokens were read from the ledger (once per process, before the first flag). */
  private readonly learned = new LRUCache<string, true>({ max: 1000 });
  /** Requests answered from a flag, for metrics and tests. */
  shortCircuits = 0;

  constructor(opts: { max: number; ttlMs: number }) {
    this.flags = new LRUCache({ max: opts.max, ttl: opts.ttlMs });
  }

  isSoldOut(saleId: string): boolean {
    return this.flags.get(saleId) === true;
  }

  /** True when the flag may answer for this token: the sale is sold out and the token never bought. */
  mayShortCircuit(saleId: string, token: string): boolean {
    return this.flags.get(saleId) === true && !this.accepted.get(saleId)?.has(token);
  }

  noteAccepted(saleId: string, token: string): void {
    let set = this.accepted.get(saleId);
    if (!set) this.accepted.set(saleId, (set = new Set()));
    set.add(token);
  }

  knowsAccepted(saleId: string): boolean {
    return this.learned.has(saleId) && this.accepted.has(saleId);
  }

  /** Every token accepted before this process heard of them (read from the ledger). */
  learnAccepted(saleId: string, tokens: Iterable<string>): void {
    for (const t of tokens) this.noteAccepted(saleId, t);
    if (!this.accepted.has(saleId)) this.accepted.set(saleId, new Set());
    this.learned.set(saleId, true);
  }

  markSoldOut(saleId: string): void {
    this.flags.set(saleId, true);
  }

  clear(saleId: string): void {
    this.flags.delete(saleId);
  }
}

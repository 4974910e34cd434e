import { LRUCache } from "lru-cache";

/**
 * Per-process "this sale is sold out" flags, so the flood after sell-out is answered without Redis.
 * A flag clears when any process publishes that stock came back (see release-5.lua), and in any case
 * after a short TTL, which bounds the damage of a pub/sub message lost to a reconnect.
 */
export class SoldOutCache {
  private readonly flags: LRUCache<string, true>;
  /**
   * Tokens accepted per sale (bounded by its stock): their replays must reach Redis even when flagged.
   * `learned` once every token accepted before this process heard of them was read from the ledger.
   */
  private readonly accepted = new LRUCache<string, { tokens: Set<string>; learned: boolean }>({ max: 1000 });
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
    return this.flags.get(saleId) === true && !this.wasAccepted(saleId, token);
  }

  private entry(saleId: string): { tokens: Set<string>; learned: boolean } {
    let e = this.accepted.get(saleId);
    if (!e) this.accepted.set(saleId, (e = { tokens: new Set(), learned: false }));
    return e;
  }

  /** True when this process knows the token bought in this sale (its own reservation, or pub/sub). */
  wasAccepted(saleId: string, token: string): boolean {
    return this.accepted.get(saleId)?.tokens.has(token) === true;
  }

  noteAccepted(saleId: string, token: string): void {
    this.entry(saleId).tokens.add(token);
  }

  knowsAccepted(saleId: string): boolean {
    return this.accepted.get(saleId)?.learned === true;
  }

  /** Every token accepted before this process heard of them (read from the ledger). */
  learnAccepted(saleId: string, tokens: Iterable<string>): void {
    const e = this.entry(saleId);
    for (const t of tokens) e.tokens.add(t);
    e.learned = true;
  }

  markSoldOut(saleId: string): void {
    this.flags.set(saleId, true);
  }

  clear(saleId: string): void {
    this.flags.delete(saleId);
  }
}

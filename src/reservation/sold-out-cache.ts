import { LRUCache } from "lru-cache";

/** A sale's flag: fresh until `until`; after that one attempt at a time re-checks in Redis. */
interface Flag {
  until: number;
  /** When the attempt re-checking a lapsed flag went to Redis; null while fresh or none went yet. */
  checking: number | null;
}

/**
 * Per-process "this sale is sold out" flags, so the flood after sell-out is answered without Redis.
 * A flag clears when any process publishes that stock came back (see release-5.lua), and in any case
 * after a short TTL, which bounds the damage of a pub/sub message lost to a reconnect. A flag past its TTL
 * sends one attempt to Redis to re-check, and goes on answering the others meanwhile (stale while
 * revalidating): a SOLD_OUT from Redis sets it fresh again, a new reservation clears it (stock came back
 * unannounced), and an attempt that settles neither lets another re-check after `recheckMs`. Before, every
 * attempt in flight when the TTL lapsed went to Redis: about 3 % of a flood's answers at a 2 s TTL.
 */
export class SoldOutCache {
  private readonly flags: LRUCache<string, Flag>;
  private readonly ttlMs: number;
  private readonly recheckMs: number;
  /**
   * Tokens accepted per sale (bounded by its stock): their replays must reach Redis even when flagged.
   * `learned` once every token accepted before this process heard of them was read from the ledger.
   */
  private readonly accepted = new LRUCache<string, { tokens: Set<string>; learned: boolean }>({ max: 1000 });
  /** Requests answered from a flag, for metrics and tests. */
  shortCircuits = 0;

  constructor(
    opts: { max: number; ttlMs: number; recheckMs?: number },
    private readonly now: () => number = Date.now,
  ) {
    this.flags = new LRUCache({ max: opts.max });
    this.ttlMs = opts.ttlMs;
    this.recheckMs = opts.recheckMs ?? Math.min(opts.ttlMs, 500);
  }

  /** A fresh flag: the sale sold out within the TTL (a lapsed one is being re-checked: not known). */
  isSoldOut(saleId: string): boolean {
    const f = this.flags.get(saleId);
    return f !== undefined && this.now() < f.until;
  }

  /**
   * True when the flag may answer for this token: the sale is sold out and the token never bought. Past the
   * TTL the first attempt (and one per `recheckMs` after it while none settles) gets false: it goes to Redis.
   */
  mayShortCircuit(saleId: string, token: string): boolean {
    const f = this.flags.get(saleId);
    if (f === undefined) return false;
    const now = this.now();
    if (now >= f.until && (f.checking === null || now - f.checking >= this.recheckMs)) {
      f.checking = now;
      return false;
    }
    return !this.wasAccepted(saleId, token);
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

  /** A reservation Redis made: its token is known; a new one means stock is there, so any flag goes. */
  noteReserved(saleId: string, token: string, replayed: boolean): void {
    this.noteAccepted(saleId, token);
    if (!replayed) this.flags.delete(saleId);
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
    this.flags.set(saleId, { until: this.now() + this.ttlMs, checking: null });
  }

  clear(saleId: string): void {
    this.flags.delete(saleId);
  }
}

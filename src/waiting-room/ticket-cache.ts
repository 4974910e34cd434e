import { QueueTickets, type TicketCheck, type TicketPayload } from "./tickets.js";

const B64URL = new Uint8Array(128);
for (const [i, c] of [..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"].entries())
  B64URL[c.charCodeAt(0)] = i;

/** A number from the signature's last five characters (30 bits): a Map key cheaper than the whole string. */
function cacheKey(ticket: string): number {
  const n = ticket.length;
  let k = 0;
  for (let i = n - 5; i < n; i++) k = (k << 6) | B64URL[ticket.charCodeAt(i) & 127]!;
  return k;
}

interface Verified {
  ticket: string;
  payload: TicketPayload;
}

/**
 * Queue tickets whose verified ones are remembered: a buyer polls with the same ticket every few seconds, so
 * the HMAC, base64 and JSON work is paid once per ticket and process (about three quarters of a poll's own
 * CPU before: bench `room-poll`). A hit counts only for the very same string, which passed every check once;
 * sale, buyer and expiry are checked again on each poll. Two generations of Maps bound the memory (`max`
 * tickets, a few hundred bytes each), as the buyer JWT cache does.
 */
export class CachingQueueTickets extends QueueTickets {
  private young = new Map<number, Verified>();
  private old = new Map<number, Verified>();

  constructor(
    keys: ConstructorParameters<typeof QueueTickets>[0],
    private readonly max = 100_000,
  ) {
    super(keys);
  }

  /** As QueueTickets.fromJwtSecret (kid "j1"), with the cache. */
  static override fromJwtSecret(secret: string): CachingQueueTickets {
    return new CachingQueueTickets([{ kid: "j1", secret }]);
  }

  override verify(ticket: string, saleId: string, buyerId: string, nowMs: number): TicketCheck {
    const key = ticket.length > 5 ? cacheKey(ticket) : -1;
    const hit = this.young.get(key) ?? this.old.get(key);
    if (hit !== undefined && hit.ticket === ticket) {
      const p = hit.payload;
      if (p.s !== saleId) return { ok: false, reason: "the ticket is for another sale" };
      if (p.b !== buyerId) return { ok: false, reason: "the ticket is another buyer's" };
      if (nowMs >= p.x) return { ok: false, reason: "the ticket has expired" };
      return { ok: true, ticket: p };
    }
    const r = super.verify(ticket, saleId, buyerId, nowMs);
    if (r.ok) this.remember(key, { ticket, payload: Object.freeze(r.ticket) });
    return r;
  }

  private remember(key: number, v: Verified): void {
    if (this.young.size >= this.max / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, v);
  }
}

import { createHmac, timingSafeEqual } from "node:crypto";
import { HashInput, HmacSha256 } from "../admission/hmac-sha256.js";
import { BoundedCache } from "../util/bounded-memo.js";

/** A queue ticket's payload (docs/waiting-room.md): what the signature covers. */
export interface TicketPayload {
  v: 1;
  /** Sale id. */
  s: string;
  /** Buyer id (the JWT's subject). */
  b: string;
  /** The key id it was signed with. */
  k: string;
  /** When the buyer joined (unix ms, Redis's clock). */
  j: number;
  /** Joined before the start: a pre-queue place, known from the start on. */
  pq: boolean;
  /** The place, once known. */
  p?: number;
  /** Expires (unix ms): the sale's end plus an hour, for CLOSED answers after the end. */
  x: number;
}

export type TicketCheck = { ok: true; ticket: TicketPayload } | { ok: false; reason: string };

/** Longest ticket accepted: payloads are small; anything longer is refused before any work. */
const MAX_TICKET_CHARS = 1024;
const SIG_CHARS = 43; // 32 bytes, base64url

export interface TicketKey {
  kid: string;
  secret: string;
}

/**
 * Queue tickets: `<base64url payload JSON>.<base64url HMAC-SHA256>`, signed with the newest key (the first
 * listed), verified with any listed one (rotation, `auth.queueTicketKeys`: add a key first, drop the old one
 * once its tickets expired: an hour after the end of the last sale they were signed for).
 * Verification is pure: no I/O.
 */
export class QueueTickets {
  private readonly keys: Map<string, HmacSha256>;
  private readonly newest: { kid: string; key: HmacSha256 };
  /**
   * Tickets whose signature checked out, by their exact text: a buyer polls with the same ticket again and
   * again, and the MAC and JSON parse are most of a poll's cost. Only good signatures are kept (bounded);
   * sale, buyer and expiry are checked on every poll. Not an LRU: 250,000 buyers polling in turn through
   * 100,000 places miss either way, and the LRU's eviction made each miss dearer (6.2–6.8 µs a verify
   * against 5.2–5.9 µs; a hit 0.8 µs).
   */
  private readonly signed = new BoundedCache<TicketPayload>(100_000);

  constructor(keys: readonly TicketKey[]) {
    if (keys.length === 0) throw new Error("QueueTickets needs at least one key");
    // Each key is derived for this use only, so a ticket MAC never doubles as a JWT or token MAC.
    this.keys = new Map(
      keys.map((k) => [
        k.kid,
        new HmacSha256(createHmac("sha256", k.secret).update("flashsale queue ticket v1").digest()),
      ]),
    );
    const first = keys[0]!;
    this.newest = { kid: first.kid, key: this.keys.get(first.kid)! };
  }

  /** Keys derived from the buyer JWT secret (kid "j1"), when no ticket keys are configured. */
  static fromJwtSecret(secret: string): QueueTickets {
    return new QueueTickets([{ kid: "j1", secret }]);
  }

  /** The configured keys (`auth.queueTicketKeys`, newest first), else one derived from the JWT secret. */
  static fromConfig(auth: {
    userJwtSecret: string;
    queueTicketKeys?: { id: string; secret: string }[] | null;
  }): QueueTickets {
    const keys = auth.queueTicketKeys;
    if (!keys) return QueueTickets.fromJwtSecret(auth.userJwtSecret);
    return new QueueTickets(keys.map((k) => ({ kid: k.id, secret: k.secret })));
  }

  sign(p: Omit<TicketPayload, "v" | "k">): string {
    const payload: TicketPayload = { v: 1, s: p.s, b: p.b, k: this.newest.kid, j: p.j, pq: p.pq, x: p.x };
    if (p.p !== undefined) payload.p = p.p;
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${mac(this.newest.key, body).toString("base64url")}`;
  }

  /** Checks shape, signature, key, sale, buyer and expiry; the reason says which failed (for the 403's message). */
  verify(ticket: string, saleId: string, buyerId: string, nowMs: number): TicketCheck {
    if (!ticket) return { ok: false, reason: "the Queue-Ticket header is missing" };
    const known = this.signed.get(ticket);
    if (known) return bound(known, saleId, buyerId, nowMs);
    const dot = ticket.indexOf(".");
    if (
      ticket.length > MAX_TICKET_CHARS ||
      dot < 1 ||
      ticket.length - dot - 1 !== SIG_CHARS ||
      !B64URL.test(ticket.replace(".", ""))
    )
      return { ok: false, reason: "malformed ticket" };
    const body = ticket.slice(0, dot);
    let p: TicketPayload;
    try {
      p = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as TicketPayload;
    } catch {
      return { ok: false, reason: "malformed ticket" };
    }
    if (!isPayload(p)) return { ok: false, reason: "malformed ticket" };
    const key = this.keys.get(p.k);
    const sig = Buffer.from(ticket.slice(dot + 1), "base64url");
    if (!key || sig.length !== 32 || !timingSafeEqual(sig, mac(key, body)))
      return { ok: false, reason: "the ticket's signature is not valid" };
    this.signed.set(ticket, p);
    return bound(p, saleId, buyerId, nowMs);
  }
}

/** A well-signed ticket checked against the sale, buyer and clock of the request. */
function bound(p: TicketPayload, saleId: string, buyerId: string, nowMs: number): TicketCheck {
  if (p.s !== saleId) return { ok: false, reason: "the ticket is for another sale" };
  if (p.b !== buyerId) return { ok: false, reason: "the ticket is another buyer's" };
  if (nowMs >= p.x) return { ok: false, reason: "the ticket has expired" };
  return { ok: true, ticket: p };
}

const B64URL = /^[A-Za-z0-9_-]+$/;

const input = new HashInput();

/** HMAC-SHA256 of the ticket's body (base64url text) with the key's precomputed pads: a fresh 32-byte buffer. */
function mac(key: HmacSha256, body: string): Buffer {
  const out = Buffer.allocUnsafe(32);
  key.digestInto(input.reset().text(body), out, 0);
  return out;
}

function isPayload(p: unknown): p is TicketPayload {
  if (typeof p !== "object" || p === null) return false;
  const o = p as Record<string, unknown>;
  return (
    o.v === 1 &&
    typeof o.s === "string" &&
    typeof o.b === "string" &&
    typeof o.k === "string" &&
    Number.isSafeInteger(o.j) &&
    typeof o.pq === "boolean" &&
    (o.p === undefined || (Number.isSafeInteger(o.p) && (o.p as number) >= 1)) &&
    Number.isSafeInteger(o.x)
  );
}

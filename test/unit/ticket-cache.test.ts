import { describe, expect, it, vi } from "vitest";
import { CachingQueueTickets } from "../../src/waiting-room/ticket-cache.js";
import { QueueTickets } from "../../src/waiting-room/tickets.js";

const SECRET = "unit-test-secret-0123456789";
const NOW = 1_800_000_000_000;
const ticketFor = (t: QueueTickets, over: { s?: string; b?: string; x?: number; p?: number } = {}) =>
  t.sign({
    s: over.s ?? "sale-1",
    b: over.b ?? "buyer-1",
    j: NOW - 1000,
    pq: false,
    p: over.p ?? 7,
    x: over.x ?? NOW + 60_000,
  });

/** Flips one character of the payload part: same signature, so the same cache key. */
function tamper(ticket: string): string {
  const i = 10;
  return ticket.slice(0, i) + (ticket[i] === "A" ? "B" : "A") + ticket.slice(i + 1);
}

describe("CachingQueueTickets", () => {
  it("answers a verified ticket again without the HMAC, with the same payload", () => {
    const t = CachingQueueTickets.fromJwtSecret(SECRET);
    const ticket = ticketFor(t);
    const first = t.verify(ticket, "sale-1", "buyer-1", NOW);
    expect(first).toMatchObject({ ok: true, ticket: { s: "sale-1", b: "buyer-1", p: 7 } });
    const slow = vi.spyOn(QueueTickets.prototype, "verify");
    try {
      expect(t.verify(ticket, "sale-1", "buyer-1", NOW)).toEqual(first);
      expect(slow).not.toHaveBeenCalled();
    } finally {
      slow.mockRestore();
    }
  });

  it("still refuses a cached ticket for another sale, another buyer, or once expired", () => {
    const t = CachingQueueTickets.fromJwtSecret(SECRET);
    const ticket = ticketFor(t);
    expect(t.verify(ticket, "sale-1", "buyer-1", NOW).ok).toBe(true);
    expect(t.verify(ticket, "sale-2", "buyer-1", NOW)).toEqual({ ok: false, reason: "the ticket is for another sale" });
    expect(t.verify(ticket, "sale-1", "buyer-2", NOW)).toEqual({ ok: false, reason: "the ticket is another buyer's" });
    expect(t.verify(ticket, "sale-1", "buyer-1", NOW + 60_000)).toEqual({
      ok: false,
      reason: "the ticket has expired",
    });
  });

  it("does not take a forged ticket sharing a cached one's signature for it", () => {
    const t = CachingQueueTickets.fromJwtSecret(SECRET);
    const ticket = ticketFor(t);
    expect(t.verify(ticket, "sale-1", "buyer-1", NOW).ok).toBe(true);
    const forged = tamper(ticket);
    expect(forged).not.toBe(ticket);
    expect(t.verify(forged, "sale-1", "buyer-1", NOW).ok).toBe(false);
  });

  it("refuses what the plain verifier refuses, and caches nothing for it", () => {
    const t = CachingQueueTickets.fromJwtSecret(SECRET);
    const other = QueueTickets.fromJwtSecret("another-secret-0123456789");
    const foreign = ticketFor(other);
    for (let i = 0; i < 2; i++)
      expect(t.verify(foreign, "sale-1", "buyer-1", NOW)).toEqual({
        ok: false,
        reason: "the ticket's signature is not valid",
      });
    expect(t.verify("", "sale-1", "buyer-1", NOW).ok).toBe(false);
    expect(t.verify("x.y", "sale-1", "buyer-1", NOW).ok).toBe(false);
  });

  it("stays within its bound: old tickets are verified again, and still pass", () => {
    const t = new CachingQueueTickets([{ kid: "j1", secret: SECRET }], 4);
    const tickets = [1, 2, 3, 4, 5, 6].map((p) => ticketFor(t, { p }));
    for (const k of tickets) expect(t.verify(k, "sale-1", "buyer-1", NOW).ok).toBe(true);
    const slow = vi.spyOn(QueueTickets.prototype, "verify");
    try {
      expect(t.verify(tickets[0]!, "sale-1", "buyer-1", NOW).ok).toBe(true);
      expect(slow).toHaveBeenCalledTimes(1);
    } finally {
      slow.mockRestore();
    }
  });
});

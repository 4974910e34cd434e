import { describe, expect, it } from "vitest";
import type { Sale } from "../../src/reservation/sale.js";
import { roomFigures, roomState } from "../../src/waiting-room/room-stats.js";
import { emptyProgress, type RoomProgress } from "../../src/waiting-room/room-store.js";

const NOW = 1_800_000_000_000;
const sale = (over: Partial<Sale> = {}): Sale => ({
  saleId: "s1",
  skuId: "sku",
  stock: 10,
  perUserLimit: 1,
  startsAt: NOW - 1000,
  endsAt: NOW + 3_600_000,
  shards: 2,
  paymentTimeoutSeconds: 900,
  paused: false,
  waitingRoom: { opensSecondsBefore: 600, admissionTtlSeconds: 60, admitPerSecond: 100, maxOverbook: 3, seed: "ab" },
  ...over,
});
const progress = (over: Partial<RoomProgress>): RoomProgress => ({ ...emptyProgress(NOW), started: true, ...over });

describe("a room's operator figures", () => {
  it("waiting excludes the admitted and the places told SOLD_OUT; no-shows are windows ended without an order", () => {
    const p = progress({ joined: 100, preQueue: 40, admitted: 30, expired: 20, ordered: 12, cutoff: null, rate: 7 });
    expect(roomFigures(p)).toMatchObject({
      joined: 100,
      preQueueSize: 40,
      waiting: 70,
      admitted: 30,
      inWindow: 10,
      bought: 12,
      noShows: 8,
      admissionRate: 7,
    });
    // From place 41 on everyone is told SOLD_OUT: only places 31..40 still wait.
    expect(roomFigures({ ...p, cutoff: 41 }).waiting).toBe(10);
    expect(roomFigures({ ...p, cutoff: 31 }).waiting).toBe(0);
    // More orders than ended windows (buyers still in theirs bought): no no-show counted.
    expect(roomFigures({ ...p, ordered: 25 }).noShows).toBe(0);
  });

  it("states: before opening, pre-queue, admitting, paused, waiting for returns, sold out, ended", () => {
    const s = sale();
    const open = progress({ unitsLeft: 3 });
    expect(roomState(sale({ startsAt: NOW + 601_000 }), open, NOW)).toBe("NOT_OPEN");
    expect(roomState(sale({ startsAt: NOW + 599_000 }), open, NOW)).toBe("PRE_QUEUE");
    expect(roomState(s, open, NOW)).toBe("ADMITTING");
    expect(roomState(sale({ paused: true }), open, NOW)).toBe("PAUSED");
    expect(roomState(s, progress({ unitsLeft: 0, margin: 2, cutoff: 9 }), NOW)).toBe("WAITING_FOR_RETURNS");
    expect(roomState(s, progress({ unitsLeft: 0, soldOut: true }), NOW)).toBe("SOLD_OUT");
    expect(roomState(sale({ paused: true }), progress({ unitsLeft: 0, soldOut: true }), NOW)).toBe("SOLD_OUT");
    expect(roomState(s, open, s.endsAt)).toBe("ENDED");
  });
});

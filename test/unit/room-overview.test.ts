import { describe, expect, it } from "vitest";
import type { Sale } from "../../src/reservation/sale.js";
import { roomState } from "../../src/waiting-room/room-overview.js";
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

describe("a room's state for operators", () => {
  it("states: before opening, pre-queue, admitting, paused, waiting for returns, sold out, ended", () => {
    const s = sale();
    const open = progress({ unitsLeft: 3 });
    expect(roomState(sale({ startsAt: NOW + 601_000 }), open, NOW)).toBe("NOT_OPEN");
    expect(roomState(sale({ startsAt: NOW + 599_000 }), open, NOW)).toBe("PRE_QUEUE");
    // Started, the loop has not frozen the pre-queue yet: admitting (it will at its next tick).
    expect(roomState(s, progress({ started: false, unitsLeft: 0 }), NOW)).toBe("ADMITTING");
    expect(roomState(s, open, NOW)).toBe("ADMITTING");
    expect(roomState(sale({ paused: true }), open, NOW)).toBe("PAUSED");
    expect(roomState(s, progress({ unitsLeft: 0, margin: 2, cutoff: 9 }), NOW)).toBe("WAITING_FOR_RETURNS");
    expect(roomState(s, progress({ unitsLeft: 0, soldOut: true }), NOW)).toBe("SOLD_OUT");
    expect(roomState(sale({ paused: true }), progress({ unitsLeft: 0, soldOut: true }), NOW)).toBe("SOLD_OUT");
    expect(roomState(s, open, s.endsAt)).toBe("ENDED");
  });
});

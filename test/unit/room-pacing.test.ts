import { describe, expect, it } from "vitest";
import type { Sale } from "../../src/reservation/sale.js";
import type { ProgressCache } from "../../src/waiting-room/progress-cache.js";
import { RoomService } from "../../src/waiting-room/room-service.js";
import { emptyProgress, type RoomProgress, type RoomStore } from "../../src/waiting-room/room-store.js";
import type { AdmissionTokens } from "../../src/waiting-room/seams.js";
import { QueueTickets } from "../../src/waiting-room/tickets.js";

/** A poll's pacing (Retry-After) from a progress copy: the room's answer without I/O. */
describe("waiting-room poll pacing", () => {
  const now = 1_800_000_000_000;
  const sale: Sale = {
    saleId: "drop-1",
    skuId: "sku-1",
    stock: 100_000,
    perUserLimit: 2,
    startsAt: now - 60_000,
    endsAt: now + 3_600_000,
    shards: 4,
    paymentTimeoutSeconds: 600,
    paused: false,
    waitingRoom: {
      opensSecondsBefore: 600,
      admissionTtlSeconds: 30,
      admitPerSecond: 2500,
      maxOverbook: 3,
      seed: "ab".repeat(32),
    },
  };
  const tickets = new QueueTickets([{ kid: "k1", secret: "pacing-test-secret-pacing-test-00" }]);
  const unused = {} as RoomStore & AdmissionTokens;
  const pollAt = async (p: RoomProgress, place: number, pollsPerSecond = 20_000) => {
    const cache = { peek: () => p, get: () => Promise.resolve(p) } as unknown as ProgressCache;
    const rooms = new RoomService(unused, cache, tickets, unused, pollsPerSecond);
    const payload = { s: sale.saleId, b: "buyer-1", j: now - 120_000, pq: false, p: place, x: now + 7_200_000 };
    return rooms.poll(sale, { v: 1, k: "k1", ...payload }, tickets.sign(payload), now);
  };
  const progress = (o: Partial<RoomProgress>): RoomProgress => ({
    ...emptyProgress(now),
    started: true,
    joined: 250_000,
    preQueue: 250_000,
    admitted: 100_000,
    unitsLeft: 40_000,
    ...o,
  });

  it("paces the waiting buyers together at the poll budget: waiting ÷ pollsPerSecond seconds, 1 to 30", async () => {
    // 150,000 waiting at 20,000 polls a second: every 8 s, whatever the place (the sell-out reaches all in 8 s).
    expect(await pollAt(progress({ rate: 2500 }), 240_001)).toMatchObject({ state: "WAITING", retryAfter: 8 });
    expect(await pollAt(progress({ rate: 100 }), 240_001)).toMatchObject({ retryAfter: 8 });
    // A budget of 1,000 a second: 150 s, clamped to 30.
    expect(await pollAt(progress({ rate: 100 }), 240_001, 1000)).toMatchObject({ retryAfter: 30 });
    // A short queue polls every second.
    expect(await pollAt(progress({ rate: 2500, joined: 110_000 }), 109_001)).toMatchObject({ retryAfter: 1 });
  });

  it("a buyer whose turn may come sooner than the budget's pace comes back at the soonest it can, every second at the front", async () => {
    // 10,000 ahead and the room admits at most 2,500 a second: not admitted within 4 s, back in 4 s.
    expect(await pollAt(progress({ rate: 2500 }), 110_001)).toMatchObject({ ahead: 10_000, retryAfter: 4 });
    expect(await pollAt(progress({ rate: 2500 }), 100_010)).toMatchObject({ retryAfter: 1 });
  });

  it("the pace never waits out a slow observed rate: the turn counts at admitPerSecond (the estimate reads the rate)", async () => {
    // Admission slowed to 100 a second (buyers slow to buy): the estimate says 100 s, the buyer is back in 4 s,
    // so a room that speeds up again finds its next buyers polling.
    expect(await pollAt(progress({ rate: 100 }), 110_001)).toMatchObject({ estimateSeconds: 100, retryAfter: 4 });
    const v = await pollAt(progress({ rate: 0 }), 120_001);
    expect(v).toMatchObject({ state: "WAITING", ahead: 20_000, retryAfter: 8 });
    expect(v.estimateSeconds).toBeUndefined();
    expect(await pollAt(progress({ rate: 0 }), 100_002)).toMatchObject({ retryAfter: 1 });
  });

  it("a buyer beyond the stock's reach comes back at the sell-out the drop points to, not every budget's seconds", async () => {
    // 40,000 units left (factor 1), 100,000 admitted and bought: places past 140,000 can only hear SOLD_OUT
    // (or be reached by no-shows). Selling 1,000 units a second: 40 s away at that pace, not out within 20 s
    // even at twice that pace.
    const selling = (o: Partial<RoomProgress>) => progress({ rate: 2500, ordered: 100_000, sellRate: 1000, ...o });
    expect(await pollAt(selling({}), 240_001)).toMatchObject({ state: "WAITING", ahead: 140_000, retryAfter: 20 });
    // 500 a second: 80 s away, back in 30 at most.
    expect(await pollAt(selling({ sellRate: 500 }), 240_001)).toMatchObject({ retryAfter: 30 });
    // Nearer than the budget's 8 s: at the budget's pace again.
    expect(await pollAt(selling({ sellRate: 4000 }), 240_001)).toMatchObject({ retryAfter: 8 });
    // Within reach (39,999 ahead, 40,000 units left): the budget's pace, whatever the sell rate.
    expect(await pollAt(selling({ sellRate: 500 }), 140_000)).toMatchObject({ ahead: 39_999, retryAfter: 8 });
    // Beyond reach (30,000 ahead, 20,000 units left), the sell-out 20 s away at twice the pace and a budget of
    // 50 s: its turn cannot come sooner than ahead ÷ admitPerSecond, 12 s, and that bounds it.
    expect(await pollAt(selling({ sellRate: 500, joined: 150_000, unitsLeft: 20_000 }), 130_001, 1000)).toMatchObject({
      ahead: 30_000,
      retryAfter: 12,
    });
    // No unit sold yet (the start): the sell-out is no sooner than admission allows, 2 units a buyer at 2,500
    // buyers a second: 100,000 units in 20 s.
    const start = progress({ admitted: 0, unitsLeft: 100_000, ordered: 0, rate: 0, sellRate: 0 });
    expect(await pollAt(start, 150_001)).toMatchObject({ ahead: 150_000, retryAfter: 20 });
  });

  it("after the sell-out only the reserve's buyers wait, every second; past the cutoff, SOLD_OUT", async () => {
    expect(await pollAt(progress({ rate: 0, unitsLeft: 0, cutoff: 100_500 }), 100_400)).toMatchObject({
      state: "WAITING",
      retryAfter: 1,
    });
    expect(await pollAt(progress({ rate: 0, unitsLeft: 0, cutoff: 100_500 }), 100_500)).toMatchObject({
      state: "SOLD_OUT",
    });
  });
});

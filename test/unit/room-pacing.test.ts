import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { firstPollSeconds, lotteryQuantile } from "../../src/waiting-room/admission-step.js";
import type { Sale } from "../../src/reservation/sale.js";
import type { ProgressCache } from "../../src/waiting-room/progress-cache.js";
import { RoomService } from "../../src/waiting-room/room-service.js";
import { emptyProgress, type RoomProgress, type RoomStore } from "../../src/waiting-room/room-store.js";
import type { AdmissionTokens } from "../../src/waiting-room/seams.js";
import { QueueTickets } from "../../src/waiting-room/tickets.js";

/** A 100,000-unit sale with a room admitting 2,500 a second, starting at `startsAt`. */
function roomSale(saleId: string, startsAt: number, now: number, seed: string): Sale {
  return {
    saleId,
    skuId: "sku-1",
    stock: 100_000,
    perUserLimit: 2,
    startsAt,
    endsAt: now + 3_600_000,
    shards: 4,
    paymentTimeoutSeconds: 600,
    paused: false,
    waitingRoom: { opensSecondsBefore: 600, admissionTtlSeconds: 30, admitPerSecond: 2500, maxOverbook: 3, seed },
  };
}

/** A poll's pacing (Retry-After) from a progress copy: the room's answer without I/O. */
describe("waiting-room poll pacing", () => {
  const now = 1_800_000_000_000;
  const sale = roomSale("drop-1", now - 60_000, now, "ab".repeat(32));
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

/** The first poll after the start, told by a pre-queue buyer's last answer before it (by its lottery). */
describe("waiting-room first poll after the start", () => {
  const pace = { units: 100_000, admitPerSecond: 2500, perUserLimit: 2, pollsPerSecond: 10_000 };
  const lottery = (i: number) => createHash("sha256").update(`seed|sale|buyer-${i}`).digest("hex");

  it("the front comes at the start, the places behind by their turn, then spread at the poll budget", () => {
    expect(firstPollSeconds(0.001, 250_000, pace)).toBe(0);
    // About place 40,000: not admitted before 15 s at 2,500 a second (less 3 standard deviations).
    expect(firstPollSeconds(0.16, 250_000, pace)).toBe(14);
    // 100,000 units at 2 a buyer and 2,500 buyers a second: not gone before 20 s; places past 50,000 from
    // then on at 10,000 a second, the last (about 247,500) at 39 s.
    expect(firstPollSeconds(0.3, 250_000, pace)).toBe(22);
    expect(firstPollSeconds(0.99, 250_000, pace)).toBe(39);
    // Nobody in the pre-queue yet (no progress): at the start.
    expect(firstPollSeconds(0.99, 0, pace)).toBe(0);
    // A budget twice as large spreads them over half as long.
    expect(firstPollSeconds(0.99, 250_000, { ...pace, pollsPerSecond: 20_000 })).toBe(29);
  });

  it("is never later than the buyer's turn can come, with the pre-queue counted now or at the start", () => {
    const n = 50_000;
    const lotteries = Array.from({ length: n }, (_, i) => lottery(i));
    const sorted = [...lotteries].sort();
    const place = new Map(sorted.map((l, i) => [l, i + 1]));
    const small = { ...pace, units: 20_000, admitPerSecond: 500 };
    let late = 0;
    let sum = 0;
    for (const [seenAt, l] of lotteries.entries()) {
      // Told at the pre-queue's size when it polled (joins go on until the start) or at its full size.
      for (const size of [Math.max(1, seenAt), n]) {
        const first = firstPollSeconds(lotteryQuantile(l), size, small);
        const soonestTurn = Math.floor(Math.max(0, place.get(l)! - 1 - small.admitPerSecond) / small.admitPerSecond);
        if (first > soonestTurn) late++;
        sum += first;
      }
    }
    expect(late).toBe(0);
    // Not all at the start: the crowd's first polls are spread (a mean of several seconds here).
    expect(sum / (2 * n)).toBeGreaterThan(5);
    expect(lotteryQuantile("0".repeat(64))).toBe(0);
    expect(lotteryQuantile("f".repeat(64))).toBeLessThan(1);
  });

  it("the last answer before the start sets it; further from the start, every 30 s at most", async () => {
    const now = 1_800_000_000_000;
    const sale = roomSale("drop-2", now + 10_000, now, "cd".repeat(32));
    const tickets = new QueueTickets([{ kid: "k1", secret: "pacing-test-secret-pacing-test-00" }]);
    const p = { ...emptyProgress(now), joined: 250_000, preQueue: 250_000, unitsLeft: 100_000 };
    const cache = { peek: () => p, get: () => Promise.resolve(p) } as unknown as ProgressCache;
    const unused = {} as RoomStore & AdmissionTokens;
    const rooms = new RoomService(unused, cache, tickets, unused, 10_000);
    const pollAs = async (buyer: string, at: number) => {
      const payload = { s: sale.saleId, b: buyer, j: now - 60_000, pq: true, x: now + 7_200_000 };
      return rooms.poll(sale, { v: 1, k: "k1", ...payload }, tickets.sign(payload), at);
    };
    const q = (b: string) =>
      lotteryQuantile(
        createHash("sha256")
          .update(`${"cd".repeat(32)}|drop-2|${b}`)
          .digest("hex"),
      );
    const buyers = Array.from({ length: 200 }, (_, i) => `b-${i}`);
    for (const b of buyers) {
      const v = await pollAs(b, now);
      expect(v).toMatchObject({ state: "WAITING", estimateSeconds: 10 });
      expect(v.retryAfter).toBe(10 + firstPollSeconds(q(b), 250_000, { ...pace, units: 100_000 }));
      expect(v.place).toBeUndefined();
    }
    // Some come at the start, some tens of seconds after it.
    const after = await Promise.all(buyers.map(async (b) => (await pollAs(b, now)).retryAfter - 10));
    expect(Math.min(...after)).toBe(0);
    expect(Math.max(...after)).toBeGreaterThan(30);
    // A minute before the start: back in 30 s, whatever the lottery.
    expect((await pollAs("b-1", now - 50_000)).retryAfter).toBe(30);
  });
});

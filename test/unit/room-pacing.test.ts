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
  const pollAt = async (p: RoomProgress, place: number) => {
    const cache = { peek: () => p, get: () => Promise.resolve(p) } as unknown as ProgressCache;
    const rooms = new RoomService(unused, cache, tickets, unused);
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

  it("far back, a quarter of the estimate (at most 30 s); near the front, every second", async () => {
    expect(await pollAt(progress({ rate: 2500 }), 140_001)).toMatchObject({
      state: "WAITING",
      ahead: 40_000,
      retryAfter: 4,
    });
    expect(await pollAt(progress({ rate: 100 }), 240_001)).toMatchObject({ retryAfter: 30 });
    expect(await pollAt(progress({ rate: 2500 }), 100_010)).toMatchObject({ retryAfter: 1 });
  });

  it("while admission waits on the stock (rate 0), paces by admitPerSecond instead of every second", async () => {
    const v = await pollAt(progress({ rate: 0 }), 200_001);
    expect(v).toMatchObject({ state: "WAITING", ahead: 100_000, retryAfter: 10 });
    expect(v.estimateSeconds).toBeUndefined();
    expect(await pollAt(progress({ rate: 0 }), 100_002)).toMatchObject({ retryAfter: 1 });
  });

  it("once the stock is out, every second (the sell-out is told within a second of a poll)", async () => {
    expect(await pollAt(progress({ rate: 0, unitsLeft: 0, cutoff: 180_000 }), 150_001)).toMatchObject({
      state: "WAITING",
      retryAfter: 1,
    });
    expect(await pollAt(progress({ rate: 0, unitsLeft: 0, cutoff: 180_000 }), 190_001)).toMatchObject({
      state: "SOLD_OUT",
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../stack/proc.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { scripts } from "../../src/redis/scripts.js";
import { reserveFor } from "../../src/waiting-room/admission-step.js";
import { Api, MODES, pool, rid } from "../helpers/env.js";
import { join, poll, putRoomSale, startRoomGateway } from "./room-helpers.js";

interface Buyer {
  user: string;
  ticket: string;
  place: number;
  states: string[];
  token?: string;
  orderId?: string;
}

describe.each(MODES)("waiting room admission on Redis %s", (mode) => {
  let gw: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    ({ gw, api } = await startRoomGateway(mode));
  });
  afterAll(() => gw.close());

  /** `n` buyers join a started sale one by one: places 1..n. */
  async function joinAll(saleId: string, n: number): Promise<Buyer[]> {
    const out: Buyer[] = [];
    for (let i = 0; i < n; i++) {
      const user = `q${i}-${rid(2)}`;
      const r = await join(api, saleId, user);
      expect(r.status).toBe(201);
      out.push({ user, ticket: r.body.ticket, place: r.body.place, states: [] });
    }
    expect(out.map((b) => b.place)).toEqual(out.map((_, i) => i + 1));
    return out;
  }

  /** One poll of each buyer, its state recorded; admitted buyers keep their token. */
  async function pollAll(saleId: string, buyers: Buyer[]): Promise<void> {
    await pool(buyers, 16, async (b) => {
      const r = await poll(api, saleId, b.user, b.ticket);
      expect(r.status).toBe(200);
      b.states.push(r.body.state);
      if (r.body.state === "ADMITTED") b.token = r.body.purchaseToken;
    });
  }

  const states = (bs: Buyer[]) => bs.map((b) => b.states.at(-1));

  /** Polls everyone until `done`, then checks no buyer was ever ADMITTED after a SOLD_OUT. */
  async function pollUntil(saleId: string, buyers: Buyer[], what: string, done: () => boolean) {
    await waitFor(
      what,
      async () => {
        await pollAll(saleId, buyers);
        return done();
      },
      30_000,
      50,
    );
    for (const b of buyers) {
      const soldOutAt = b.states.indexOf("SOLD_OUT");
      if (soldOutAt >= 0) expect(b.states.slice(soldOutAt), b.user).not.toContain("ADMITTED");
    }
  }

  it("admits as many as the stock, holds the margin of unpaid units, re-admits on a return, closes when all is paid", async () => {
    const saleId = `wa${rid()}`;
    await putRoomSale(api, saleId, { stock: 3, startInMs: -500, shards: 2 });
    const buyers = await joinAll(saleId, 12);
    await pollUntil(saleId, buyers, "places 1..3 admitted", () => buyers.slice(0, 3).every((b) => b.token));
    // Factor 1 until windows end: exactly the stock is admitted.
    expect(states(buyers.slice(3))).toEqual(buyers.slice(3).map(() => "WAITING"));
    for (const b of buyers.slice(0, 3)) {
      const o = await api.order(saleId, b.user, b.token!);
      expect(o.status).toBe(202);
      b.orderId = o.body.orderId;
    }
    // Out of stock, 3 units unpaid: places 4..6 may still get one, 7..12 are told SOLD_OUT.
    await pollUntil(saleId, buyers, "places 7.. sold out", () =>
      buyers.slice(6).every((b) => b.states.at(-1) === "SOLD_OUT"),
    );
    expect(states(buyers.slice(3, 6))).toEqual(["WAITING", "WAITING", "WAITING"]);

    // A unit comes back (an unpaid order released): the next in line is admitted, and buys it.
    const first = buyers[0]!.orderId!;
    expect(await gw.reservations.release(saleId, Number(first.split(".")[1]), first)).toEqual({
      kind: "released",
      quantity: 1,
    });
    await pollUntil(saleId, buyers, "place 4 admitted", () => buyers[3]!.token !== undefined);
    expect(states(buyers.slice(4, 6))).toEqual(["WAITING", "WAITING"]);
    const o4 = await api.order(saleId, buyers[3]!.user, buyers[3]!.token!);
    expect(o4.status).toBe(202);
    buyers[3]!.orderId = o4.body.orderId;

    // Every unit paid: nothing can come back, everyone still waiting is told SOLD_OUT.
    for (const b of buyers.slice(1, 4)) {
      const k = gw.keys.shard(saleId, Number(b.orderId!.split(".")[1]));
      await scripts.markPaid(gw.redis, k, b.orderId!);
    }
    await pollUntil(saleId, buyers, "all sold out", () => buyers.slice(4).every((b) => b.states.at(-1) === "SOLD_OUT"));

    // The operator's numbers: in stats and in the metrics of the process driving the room.
    const stats = await api.stats(saleId);
    expect(stats.status).toBe(200);
    expect(stats.body.waitingRoom).toMatchObject({
      joined: 12,
      preQueue: 0,
      waiting: 0,
      admitted: 4,
      bought: 4,
      unitsLeft: 0,
      soldOutFrom: 5,
      soldOut: true,
    });
    const metrics = await (await fetch(`${api.opsBase}/metrics`)).text();
    expect(metrics).toContain(`flashsale_room_buyers{sale="${saleId}",state="admitted"} 4`);
    expect(metrics).toContain(`flashsale_room_buyers{sale="${saleId}",state="bought"} 4`);
    expect(metrics).toContain(`flashsale_room_admission_rate{sale="${saleId}"}`);
  });

  it("at the sell-out holds a reserve at the drop's return rate, not a place per unpaid unit", async () => {
    const saleId = `wr${rid()}`;
    await putRoomSale(api, saleId, { stock: 130, startInMs: -500, shards: 2 });
    const buyers = await joinAll(saleId, 250);
    const admitted = buyers.slice(0, 130);
    await pollUntil(saleId, buyers, "places 1..130 admitted", () => admitted.every((b) => b.token));
    const buy = (bs: Buyer[]) =>
      pool(bs, 16, async (b) => {
        const o = await api.order(saleId, b.user, b.token!);
        expect(o.status).toBe(202);
        b.orderId = o.body.orderId;
      });
    // 100 orders, all paid (none came back), then the last 30 units sold: 30 unpaid at the sell-out.
    await buy(admitted.slice(0, 100));
    for (const b of admitted.slice(0, 100))
      await scripts.markPaid(gw.redis, gw.keys.shard(saleId, Number(b.orderId!.split(".")[1])), b.orderId!);
    await buy(admitted.slice(100));
    const reserve = reserveFor(30, 100, 0);
    expect(reserve).toBeLessThan(30);
    // The cutoff sits the reserve past the places admitted at the sell-out: 130, or a few more when the orders
    // came slower than the 5 s grace (a loaded machine), the room then taking the slow places for no-shows.
    let room: { admitted: number; soldOutFrom: number | null } = { admitted: 0, soldOutFrom: null };
    await waitFor(
      "the sell-out cutoff",
      async () => {
        room = (await api.stats(saleId)).body.waitingRoom;
        return room.soldOutFrom !== null;
      },
      30_000,
      100,
    );
    expect(room.admitted).toBeGreaterThanOrEqual(130);
    const cutoff = room.admitted + reserve + 1;
    expect(room.soldOutFrom).toBe(cutoff);
    expect(cutoff).toBeLessThanOrEqual(buyers.length);
    await pollUntil(saleId, buyers, "places past the reserve sold out", () =>
      buyers.slice(cutoff - 1).every((b) => b.states.at(-1) === "SOLD_OUT"),
    );
    const held = buyers.slice(room.admitted, cutoff - 1);
    expect(states(held)).toEqual(held.map(() => "WAITING"));
    expect((await api.stats(saleId)).body.waitingRoom).toMatchObject({ soldOutFrom: cutoff, soldOut: false });
  });

  it("a no-show is passed over 5 s after its admission, its window runs on; a pause stops admission and the windows' clock", async () => {
    const saleId = `wn${rid()}`;
    await putRoomSale(api, saleId, { stock: 2, startInMs: -500, shards: 2, room: { admissionTtlSeconds: 10 } });
    const buyers = await joinAll(saleId, 5);
    await pollUntil(saleId, buyers, "places 1..2 admitted", () => buyers.slice(0, 2).every((b) => b.token));
    // Place 1 buys, place 2 never does. Paused at once: nobody is admitted, and place 2's window is held
    // (its expiry moves on with the clock).
    expect((await api.order(saleId, buyers[0]!.user, buyers[0]!.token!)).status).toBe(202);
    expect((await api.pause(saleId)).status).toBe(200);
    const before = await poll(api, saleId, buyers[1]!.user, buyers[1]!.ticket);
    expect(before.body.state).toBe("ADMITTED");
    await waitFor(
      "place 2's expiry moved on",
      async () => {
        const r = await poll(api, saleId, buyers[1]!.user, buyers[1]!.ticket);
        const later = Date.parse(r.body.admissionExpiresAt) > Date.parse(before.body.admissionExpiresAt) + 5000;
        return r.body.state === "ADMITTED" && later;
      },
      30_000,
      100,
    );
    // Past the 5 s grace, but paused: place 3 still waits.
    const paused = await poll(api, saleId, buyers[2]!.user, buyers[2]!.ticket);
    expect(paused.body).toMatchObject({ state: "WAITING", paused: true });
    // Resumed: place 2 is taken for a no-show and place 3 admitted while place 2's window is still open.
    expect((await api.resume(saleId)).status).toBe(200);
    await pollUntil(saleId, buyers, "place 3 admitted", () => buyers[2]!.token !== undefined);
    const open = await poll(api, saleId, buyers[1]!.user, buyers[1]!.ticket);
    expect(open.body.state).toBe("ADMITTED");
    // Place 2's window then ends unused.
    await pollUntil(saleId, buyers, "place 2's window ended", () => buyers[1]!.states.at(-1) === "CLOSED");
  });
});

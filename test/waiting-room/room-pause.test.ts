import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../stack/proc.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { RoomProgress } from "../../src/waiting-room/room-store.js";
import { Api, MODES, pool, rid } from "../helpers/env.js";
import { join, poll, putRoomSale, startRoomGateway } from "./room-helpers.js";

/** Controller ticks (about 200 ms each) the pause is watched for before the resume. */
const PAUSED_TICKS = 10;

describe.each(MODES)("a paused room on Redis %s", (mode) => {
  let gw: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    ({ gw, api } = await startRoomGateway(mode));
  });
  afterAll(() => gw.close());

  /** The progress the admission controller last published (the hash every gateway reads). */
  async function progress(saleId: string): Promise<RoomProgress> {
    const raw = await gw.redis.hget(gw.keys.room(saleId).progress, "p");
    if (!raw) throw new Error("no progress published yet");
    return JSON.parse(raw) as RoomProgress;
  }

  /** Every buyer polled once: the places answered ADMITTED. */
  async function admittedPlaces(saleId: string, buyers: { user: string; ticket: string; place: number }[]) {
    const places: number[] = [];
    await pool(buyers, 16, async (b) => {
      const r = await poll(api, saleId, b.user, b.ticket);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      if (r.body.state === "ADMITTED") places.push(b.place);
    });
    return places.sort((a, b) => a - b);
  }

  it("admits nobody new while paused, and goes on after the resume", async () => {
    const saleId = `wp${rid()}`;
    // Slow admission (2 a second) of plenty of stock: the pause lands in the middle of it.
    await putRoomSale(api, saleId, {
      stock: 40,
      startInMs: -500,
      room: { admitPerSecond: 2, admissionTtlSeconds: 600 },
    });
    const buyers: { user: string; ticket: string; place: number }[] = [];
    for (let i = 0; i < 30; i++) {
      const user = `p${i}-${rid(2)}`;
      const r = await join(api, saleId, user);
      expect(r.status).toBe(201);
      buyers.push({ user, ticket: r.body.ticket, place: r.body.place });
    }
    await waitFor("a few admitted", async () => (await progress(saleId)).admitted >= 3, 30_000, 50);

    expect((await api.pause(saleId)).status).toBe(200);
    // The pause reaches the controller within a tick or so: from its first paused progress on, nothing moves.
    let first: RoomProgress | undefined;
    await waitFor("a paused progress", async () => (first = await progress(saleId)).paused, 30_000, 20);
    const frozen = first!.admitted;
    expect(frozen).toBeLessThan(30);
    let last = first!;
    const seen: string[] = [];
    // Watch the controller tick on while paused (its progress's `at` moves), polling every buyer each time;
    // a violation ends the watch at once (waitFor would retry a throw until its timeout).
    await waitFor(
      `${PAUSED_TICKS} controller ticks while paused`,
      async () => {
        last = await progress(saleId);
        const places = await admittedPlaces(saleId, buyers);
        if (!last.paused || last.admitted !== frozen || places.some((p) => p > frozen))
          seen.push(`paused ${last.paused}, admitted ${last.admitted}, ADMITTED places ${places.join(",")}`);
        return seen.length > 0 || last.at >= first!.at + PAUSED_TICKS * 200;
      },
      60_000,
      100,
    );
    expect(seen, `frozen at ${frozen}`).toEqual([]);
    const waiting = await poll(api, saleId, buyers[29]!.user, buyers[29]!.ticket);
    expect(waiting.body).toMatchObject({ state: "WAITING", paused: true });

    expect((await api.resume(saleId)).status).toBe(200);
    await waitFor(
      "admission goes on after the resume",
      async () => {
        const p = await progress(saleId);
        return !p.paused && p.admitted > frozen;
      },
      30_000,
      50,
    );
    await waitFor(
      "the next place answers ADMITTED",
      async () => (await admittedPlaces(saleId, buyers)).includes(frozen + 1),
      30_000,
      100,
    );
    const after = await poll(api, saleId, buyers[29]!.user, buyers[29]!.ticket);
    expect(after.body.paused).toBeUndefined();
  });
});

import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyReceipt } from "@flashsale/client";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { Api, MODES, pool, rid, startGateway, testConfig } from "../helpers/env.js";
import { join, poll, pollUntil, putRoomSale } from "./room-helpers.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe.each(MODES)("waiting room on Redis %s", (mode) => {
  let gw: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig(mode)));
  });
  afterAll(() => gw.close());

  it("pre-queue: one place per buyer, a shuffle by the committed seed, admission by stock, SOLD_OUT past the margin", async () => {
    const saleId = `wr${rid()}`;
    const put = await putRoomSale(api, saleId, { stock: 3, startInMs: 4000 });
    expect(put.waitingRoom.seedCommitment).toMatch(/^[0-9a-f]{64}$/);
    expect(put.waitingRoom.seed).toBeUndefined();
    // A room sale hands out no tokens on the old path.
    const tok = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer("x") });
    expect([tok.status, tok.body.error.code]).toEqual([409, "ROOM_REQUIRED"]);

    const users = Array.from({ length: 10 }, (_, i) => `b${i}-${rid(2)}`);
    const joined = await pool(users, 10, (u) => join(api, saleId, u));
    expect(joined.map((r) => r.status)).toEqual(users.map(() => 201));
    for (const r of joined) expect(r.body).toMatchObject({ state: "WAITING" });
    // Joining again: the same ticket, 200.
    const again = await join(api, saleId, users[0]!);
    expect(again.status).toBe(200);
    expect(again.body.ticket).toBe(joined[0]!.body.ticket);

    // After the start every pre-queue ticket gains its place, with a receipt.
    const first = await pool(users, 10, (u, i) =>
      pollUntil(api, saleId, u, joined[i]!.body.ticket, (b) => b.place !== undefined),
    );
    // Stock 3, factor 1 until no-shows are seen: exactly places 1..3 are admitted; they buy at once. A place
    // admitted 5 s ago and not bought counts as a no-show and the room admits the next (admission-step.ts
    // GRACE_MS), so the receipts are checked after the orders, not between the admission and them.
    const byPlace = users.map((u, i) => ({ u, ticket: first[i].ticket as string, place: first[i].place as number }));
    byPlace.sort((a, b) => a.place - b.place);
    await pool(byPlace.slice(0, 3), 3, async (b) => {
      const a = await pollUntil(api, saleId, b.u, b.ticket, (x) => x.state === "ADMITTED");
      expect(a.purchaseToken).toBeTruthy();
      // As a storefront orders: a 503 of a loaded suite (nothing deducted) is asked again with the same token.
      const o = await api.orderRetrying(saleId, b.u, a.purchaseToken);
      expect(o.status).toBe(202);
    });

    // Every place once, and every receipt checks out.
    const places = first.map((b) => b.place as number).sort((a, b) => a - b);
    expect(places).toEqual(users.map((_, i) => i + 1));
    const view = await api.sale(saleId);
    expect(sha256(view.body.waitingRoom.seed)).toBe(view.body.waitingRoom.seedCommitment);
    const draw = await api.call("GET", `/v1/sales/${saleId}/queue/draw`);
    expect(draw.status).toBe(200);
    expect(draw.body.lotteries).toEqual([...draw.body.lotteries].sort());
    users.forEach((u, i) => {
      const r = first[i].receipt;
      expect(r.seed).toBe(view.body.waitingRoom.seed);
      expect(r.lottery).toBe(sha256(`${r.seed}|${saleId}|${u}`));
      expect(draw.body.lotteries.indexOf(r.lottery) + 1).toBe(first[i].place);
      expect(r.preQueueSize).toBe(10);
    });
    // The client package's verifier agrees on every real receipt, against the commitment seen before the start.
    for (const [i, u] of users.entries()) {
      const check = {
        saleId,
        buyerId: u,
        receipt: first[i].receipt,
        draw: draw.body,
        commitment: put.waitingRoom.seedCommitment,
      };
      expect(await verifyReceipt(check)).toEqual({ ok: true });
      expect((await verifyReceipt({ ...check, buyerId: users[(i + 1) % users.length]! })).ok).toBe(false);
    }

    // Stock is out; the 3 unpaid units may come back: places 4..6 wait, 7..10 are told SOLD_OUT.
    for (const b of byPlace.slice(6)) await pollUntil(api, saleId, b.u, b.ticket, (x) => x.state === "SOLD_OUT");
    for (const b of byPlace.slice(3, 6)) {
      const w = await poll(api, saleId, b.u, b.ticket);
      expect(w.body.state).toBe("WAITING");
      expect(Number(w.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });

  it("the last answer before the start says when each pre-queue buyer's turn can come, never after it", async () => {
    // 30 buyers, 1 admitted a second: their turns are spread over 30 s, and the answer before the start tells
    // each to come back then (by its lottery), not all at the start.
    const saleId = `wt${rid()}`;
    const admitPerSecond = 1;
    await putRoomSale(api, saleId, { stock: 60, startInMs: 12_000, room: { admitPerSecond } });
    const users = Array.from({ length: 30 }, (_, i) => `t${i}-${rid(2)}`);
    const joined = await pool(users, 10, (u) => join(api, saleId, u));
    expect(joined.map((r) => r.status)).toEqual(users.map(() => 201));
    // Told from the progress the room's loop publishes (the pre-queue's size): once it counts all 30, the
    // first polls spread.
    const firstPolls = async () =>
      pool(users, 10, async (u, i) => {
        const r = await poll(api, saleId, u, joined[i]!.body.ticket);
        expect(r.body).toMatchObject({ state: "WAITING" });
        return Number(r.headers.get("retry-after")) - r.body.estimateSeconds;
      });
    let after = await firstPolls();
    for (let tries = 0; Math.max(...after) === 0 && tries < 20; tries++) after = await firstPolls();
    expect(Math.min(...after)).toBe(0);
    expect(Math.max(...after)).toBeGreaterThan(3);
    // After the start: no buyer was told to come back after its turn could come (the first tick admits one
    // second's worth; place p no sooner than (p - 1 - admitPerSecond) ÷ admitPerSecond s).
    const placed = await pool(users, 10, (u, i) =>
      pollUntil(api, saleId, u, joined[i]!.body.ticket, (b) => b.place !== undefined),
    );
    users.forEach((_, i) => {
      const soonestTurn = Math.floor(Math.max(0, placed[i].place - 1 - admitPerSecond) / admitPerSecond);
      expect(after[i]).toBeLessThanOrEqual(soonestTurn);
    });
  });

  it("after the start: first come, first served behind the pre-queue", async () => {
    const saleId = `wf${rid()}`;
    await putRoomSale(api, saleId, { stock: 100, startInMs: -1000 });
    const users = Array.from({ length: 5 }, (_, i) => `f${i}-${rid(2)}`);
    const places: number[] = [];
    for (const u of users) {
      const r = await join(api, saleId, u);
      expect(r.status).toBe(201);
      places.push(r.body.place);
    }
    expect(places).toEqual([1, 2, 3, 4, 5]);
    const last = await join(api, saleId, users[4]!);
    expect([last.status, last.body.place]).toEqual([200, 5]);
    const admitted = await pollUntil(api, saleId, users[4]!, last.body.ticket, (b) => b.state === "ADMITTED");
    // First come, first served: no receipt (no draw decided this place).
    expect(admitted.receipt).toBeUndefined();
    expect(admitted.purchaseToken).toBeTruthy();
  });
});

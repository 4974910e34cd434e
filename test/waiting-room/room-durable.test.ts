import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { MODES, pool, rid, type Api } from "../helpers/env.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { join, poll, pollUntil, putRoomSale } from "./room-helpers.js";

/**
 * The room on the whole stack (MySQL catalog, RocketMQ hand-off, payments): the settings survive in MySQL,
 * and once every unit is paid (nothing can come back) every waiting buyer is told SOLD_OUT.
 */
describe.each(MODES)("waiting room with MySQL and RocketMQ (Redis %s)", (mode) => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig(mode, { admission: { rateLimits: { buyer: { points: 1_000_000 } } } });
    ({ app, api } = await startApp(cfg));
  }, 120_000);
  afterAll(() => stopApp(app, cfg), 60_000);

  it("keeps the room's settings in the catalog; all units paid closes the room: everyone waiting SOLD_OUT", async () => {
    const saleId = `wd${rid()}`;
    const put = await putRoomSale(api, saleId, { stock: 2, startInMs: -500, shards: 2, room: { maxOverbook: 2.5 } });
    const stored = await app.sales.stored(saleId);
    expect(stored?.sale.waitingRoom).toEqual({ ...(await app.sales.load(saleId))!.waitingRoom });
    expect(stored?.sale.waitingRoom).toMatchObject({ maxOverbook: 2.5, admissionTtlSeconds: 60 });
    expect(put.waitingRoom.seedCommitment).toMatch(/^[0-9a-f]{64}$/);

    const buyers: { user: string; ticket: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const user = `d${i}-${rid(2)}`;
      buyers.push({ user, ticket: (await join(api, saleId, user)).body.ticket });
    }
    const orders: string[] = [];
    for (const b of buyers.slice(0, 2)) {
      const a = await pollUntil(api, saleId, b.user, b.ticket, (x) => x.state === "ADMITTED");
      const o = await api.storefront(b.user).placeOrder(saleId, { purchaseToken: a.purchaseToken });
      orders.push(o.order.orderId);
    }
    // Unpaid, both units may come back: places 3 and 4 wait, 5 and 6 are told SOLD_OUT.
    const waiting = await pool(buyers.slice(2), 4, (b) =>
      pollUntil(api, saleId, b.user, b.ticket, (x) => x.state !== "WAITING" || x.place <= 4),
    );
    expect(waiting.map((x) => x.state)).toEqual(["WAITING", "WAITING", "SOLD_OUT", "SOLD_OUT"]);
    // Paid (once each row is in MySQL): nothing can come back.
    for (const orderId of orders) {
      await eventually(
        "paid",
        () => api.payRedelivered({ eventId: `ev-${rid(3)}`, orderId, status: "SUCCEEDED" }),
        (r) => r.status === 200,
      );
    }
    const paidAt = Date.now();
    const told = await pool(buyers.slice(2), 4, async (b) => {
      await pollUntil(api, saleId, b.user, b.ticket, (x) => x.state === "SOLD_OUT");
      return Date.now() - paidAt;
    });
    // Measured, not asserted (a loaded machine): how long after the last payment the last buyer heard.
    console.log(`room ${mode}: last waiting buyer told SOLD_OUT ${Math.max(...told)} ms after the last payment`);
    const again = await poll(api, saleId, buyers[5]!.user, buyers[5]!.ticket);
    expect(again.body.state).toBe("SOLD_OUT");
    const stats = await api.stats(saleId);
    expect(stats.body.waitingRoom).toMatchObject({ admitted: 2, bought: 2, waiting: 0, soldOut: true });
  }, 120_000);
});

import { setTimeout as sleep } from "node:timers/promises";
import type { PoolConnection, RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { type Api, rid } from "../helpers/env.js";

describe("a sale is settled only when its own events are published", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    // No periodic sweeps; every unpublished event is stale at once, so each reconcile runs a relay pass.
    cfg = await durableConfig("standalone", { sweeper: { intervalMs: 600_000 }, outbox: { staleAfterMs: 1 } });
    ({ app, api } = await startApp(cfg));
    // The background relay is stopped: events go out only in the sweeper's own relay pass.
    await app.relay.stop();
  });
  afterAll(() => stopApp(app, cfg));

  /** One buyer buys one unit and pays: two events (ORDER_CONFIRMED, ORDER_PAID) in the buyer's database. */
  async function paidOrder(saleId: string): Promise<{ user: string; orderId: string }> {
    const { orderId, user } = await api.buyOne(saleId, "so");
    await eventually(
      "row written",
      () => api.orderStatus(orderId, user),
      (r) => r.body.status === "CONFIRMED",
    );
    expect((await api.pay({ eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" })).body.status).toBe("PAID");
    return { user, orderId };
  }

  async function unpublished(saleId: string): Promise<number> {
    let n = 0;
    for (const { pool } of app.shards.databases()) {
      const [rows] = await pool.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n FROM order_events WHERE sale_id = ? AND published_at IS NULL",
        [saleId],
      );
      n += Number(rows[0]!.n);
    }
    return n;
  }

  it("one sale's events held by another relay while the other's drain: not settled until they are published", async () => {
    const durationMs = 6000;
    const [stuck, drained] = [`sts${rid()}`, `std${rid()}`];
    for (const saleId of [stuck, drained])
      expect((await api.putSale(saleId, { stock: 5, shards: 1, durationMs })).status).toBe(201);
    const endsAt = Date.now() + durationMs;
    const a = await paidOrder(stuck);
    await paidOrder(drained);
    expect(await unpublished(stuck)).toBe(2);
    expect(await unpublished(drained)).toBe(2);

    // Another relay has claimed the stuck sale's rows and waits on a broker that does not answer: its
    // transaction holds them, and every other relay skips them (SKIP LOCKED).
    let held: PoolConnection | undefined = await app.shards.forUser(a.user).pool.getConnection();
    try {
      await held.beginTransaction();
      const [claimed] = await held.query<RowDataPacket[]>("SELECT seq FROM order_events WHERE sale_id = ? FOR UPDATE", [
        stuck,
      ]);
      expect(claimed).toHaveLength(2);
      await sleep(Math.max(0, endsAt - Date.now() + 200));

      // The pass publishes the other sale's two events, as many as this sale has stuck: that is no reason to settle.
      const first = (await api.reconcile(stuck)).body;
      expect(await unpublished(drained)).toBe(0);
      expect(await unpublished(stuck)).toBe(2);
      expect(first).toMatchObject({ outboxStale: 2, outboxPublished: 0, settled: false });
      expect((await api.reconcile(drained)).body).toMatchObject({ outboxStale: 0, settled: true });
      expect((await api.reconcile(stuck)).body.settled).toBe(false);

      // The claim ends (its send failed, the transaction rolled back): the next pass publishes them and settles.
      await held.rollback();
      held.release();
      held = undefined;
      expect((await api.reconcile(stuck)).body).toMatchObject({ outboxStale: 2, outboxPublished: 2, settled: true });
      expect(await unpublished(stuck)).toBe(0);
    } finally {
      await held?.rollback().catch(() => {});
      held?.release();
    }
  });
});

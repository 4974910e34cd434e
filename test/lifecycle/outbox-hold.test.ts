import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { type Api } from "../helpers/env.js";

const HOLD_MS = 3000;
/** A pass's pause, a batch's send and the clock's grain: how much later than the hold an event may go. */
const SLACK_MS = 1500;

describe("outbox.holdMs: order events wait while the writer takes a drop's orders, within the bound", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    // staleAfterMs below the hold: a sweeper that ignored the hold would push the held events at once.
    cfg = await durableConfig("standalone", {
      outbox: { holdMs: HOLD_MS, relayIntervalMs: 50, staleAfterMs: 500 },
      sweeper: { intervalMs: 200 },
    });
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  /** Every event of the sale: when written and when published (ms, the gateway's clock), null while not. */
  async function events(saleId: string): Promise<{ createdAt: number; publishedAt: number | null }[]> {
    const all: { createdAt: number; publishedAt: number | null }[] = [];
    for (const { pool } of app.shards.databases()) {
      const [rows] = await pool.query<RowDataPacket[]>(
        "SELECT created_at, published_at FROM order_events WHERE sale_id = ?",
        [saleId],
      );
      for (const r of rows)
        all.push({
          createdAt: (r.created_at as Date).getTime(),
          publishedAt: r.published_at === null ? null : (r.published_at as Date).getTime(),
        });
    }
    return all;
  }

  it("held from the drop's first order, published every hold while orders keep coming, and all once they stop", async () => {
    const saleId = `oh${Date.now().toString(36)}`;
    expect((await api.putSale(saleId, { stock: 500, perUserLimit: 1, shards: 2 })).status).toBe(201);
    // A drop of 7.5 s: a buyer every 150 ms, so the writer never goes a second without an order.
    const streamMs = 2.5 * HOLD_MS;
    const start = Date.now();
    let bought = 0;
    let heldMidway: { createdAt: number; publishedAt: number | null }[] = [];
    let sweptMidway: Record<string, unknown> = {};
    while (Date.now() - start < streamMs) {
      await api.buyOne(saleId, "oh");
      bought++;
      if (heldMidway.length === 0 && Date.now() - start > HOLD_MS - 1000) {
        // Two seconds in, with rows written well past staleAfterMs: the sweeper too leaves them to the hold.
        sweptMidway = (await api.reconcile(saleId)).body as Record<string, unknown>;
        heldMidway = await events(saleId);
      }
      await sleep(150);
    }
    const streamEnd = Date.now();

    expect(heldMidway.length).toBeGreaterThan(5);
    expect(heldMidway.filter((e) => e.publishedAt !== null)).toEqual([]);
    expect(sweptMidway).toMatchObject({ outboxStale: 0, outboxPublished: 0 });

    const all = await eventually(
      "every event published once the orders stop",
      () => events(saleId),
      (es) => es.length === bought && es.every((e) => e.publishedAt !== null),
      1000 + HOLD_MS + 3 * SLACK_MS,
    );
    // The bound holds while the orders keep coming: events went out before the drop ended ...
    expect(all.filter((e) => e.publishedAt! < streamEnd).length).toBeGreaterThan(0);
    // ... and none waited much longer than the hold.
    const waits = all.map((e) => e.publishedAt! - e.createdAt);
    expect(Math.max(...waits)).toBeLessThanOrEqual(HOLD_MS + SLACK_MS);
    // Held, not published one by one: most events waited a good part of the hold.
    expect(waits.filter((w) => w >= HOLD_MS / 3).length).toBeGreaterThan(all.length / 2);
  });
});

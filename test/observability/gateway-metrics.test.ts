import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";
import { expectPromtoolPasses, total } from "./scrape.js";

const REPAIR_KINDS = [
  "transfersFinished",
  "unitsMoved",
  "ordersPersisted",
  "rowsRestored",
  "recordsRestored",
  "cancelledRowsWritten",
  "unitsReturned",
  "paidMarked",
  "confirmedMarked",
  "expired",
  "parkedSettled",
  "outboxPublished",
  "shardsRebuilt",
  "ordersRebuilt",
  "lateRowsHonored",
];

describe("metrics of a durable gateway: group commit, writer, 202 → row lag, payments, sweeper, drift", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  const scrape = async () => (await api.call("GET", "/metrics")).body as string;

  beforeAll(async () => {
    cfg = await durableConfig("standalone", { sweeper: { intervalMs: 300, persistAfterMs: 60_000 } });
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  it("counts what the hand-off, the writer, the payment callback and the sweeper did", async () => {
    const saleId = `met${rid()}`;
    expect((await api.putSale(saleId, { stock: 5, perUserLimit: 1, shards: 2 })).status).toBe(201);
    const users = Array.from({ length: 9 }, (_, i) => `mt${i}-${rid(2)}`);
    const tokens = await pool(users, 9, (u) => api.token(saleId, u));
    const answers = await pool(users, 9, (u, i) => api.order(saleId, u, tokens[i]!));
    const accepted = answers.flatMap((a, i) =>
      a.status === 202 ? [{ orderId: a.body.orderId as string, user: users[i]! }] : [],
    );
    expect(accepted).toHaveLength(5);
    await eventually(
      "rows",
      () => app.repo.countBySale(saleId),
      (c) => c.total === 5,
    );

    // Payments: one paid, the same event again, a second event for the paid order, a bad signature.
    const [paid] = accepted;
    expect((await api.pay({ eventId: `e1-${rid()}`, orderId: paid!.orderId, status: "SUCCEEDED" })).status).toBe(200);
    const again = { eventId: `e2-${rid()}`, orderId: accepted[1]!.orderId, status: "SUCCEEDED" } as const;
    expect((await api.pay(again)).status).toBe(200);
    expect((await api.pay(again)).headers.get("idempotent-replayed")).toBe("true");
    expect((await api.pay({ eventId: `e3-${rid()}`, orderId: paid!.orderId, status: "SUCCEEDED" })).status).toBe(200);
    const raw = JSON.stringify({ eventId: `e4-${rid()}`, orderId: paid!.orderId, status: "SUCCEEDED" });
    expect(
      (
        await api.call("POST", "/v1/payments/callback", {
          headers: { "content-type": "application/json", "x-signature": "00".repeat(32) },
          raw,
        })
      ).status,
    ).toBe(401);

    // A sweeper pass after the payments: drift 0 for this live sale.
    const since = Date.now();
    let text = await eventually(
      "a sweeper pass after the payments",
      scrape,
      (t) => (total(t, "flashsale_sweeper_passes_total", { outcome: "done" }) ?? 0) >= 1 && Date.now() - since > 700,
    );

    // Group commit: the 202s are exactly the committed orders; every order of every group has an outcome.
    const groups = total(text, "flashsale_group_commit_groups_total")!;
    expect(groups).toBeGreaterThanOrEqual(1);
    expect(total(text, "flashsale_group_commit_orders_total", { outcome: "commit" })).toBe(5);
    const decided = ["commit", "rollback", "undecided"].reduce(
      (a, outcome) => a + total(text, "flashsale_group_commit_orders_total", { outcome })!,
      0,
    );
    expect(total(text, "flashsale_group_commit_group_size_sum")).toBe(decided);
    expect(total(text, "flashsale_group_commit_group_size_count")).toBe(groups);
    expect(total(text, "flashsale_group_commit_orders_total", { outcome: "not_sent" })).toBe(0);

    // Writer: one row per 202, one lag observation per row, within the test's own duration.
    expect(total(text, "flashsale_writer_rows_total")).toBe(5);
    expect(total(text, "flashsale_writer_batches_total")).toBeGreaterThanOrEqual(1);
    expect(total(text, "flashsale_order_persist_lag_seconds_count")).toBe(5);
    expect(total(text, "flashsale_order_persist_lag_seconds_bucket", { le: "+Inf" })).toBe(5);
    const lagSum = total(text, "flashsale_order_persist_lag_seconds_sum")!;
    expect(lagSum).toBeGreaterThan(0);
    expect(lagSum).toBeLessThan(5 * 30);
    for (const name of ["retries", "parked", "dead_lettered", "failed_batches"])
      expect(total(text, `flashsale_writer_${name}_total`), name).toBe(0);
    expect(
      total(text, "flashsale_orders_parked_total"),
      "the old name, now flashsale_writer_parked_total",
    ).toBeUndefined();

    // Payments by outcome.
    expect(total(text, "flashsale_payments_total", { outcome: "paid" })).toBe(2);
    expect(total(text, "flashsale_payments_total", { outcome: "duplicate" })).toBe(1);
    expect(total(text, "flashsale_payments_total", { outcome: "refund_double" })).toBe(1);
    expect(total(text, "flashsale_payments_total", { outcome: "bad_signature" })).toBe(1);
    expect(total(text, "flashsale_payments_total", { outcome: "refund_late" })).toBe(0);

    // Sweeper: every repair kind is a series from the start; passes are timed; drift of the live sale.
    for (const kind of REPAIR_KINDS) expect(total(text, "flashsale_sweeper_repairs_total", { kind }), kind).toBe(0);
    expect(total(text, "flashsale_sweeper_pass_duration_seconds_count")).toBe(
      total(text, "flashsale_sweeper_passes_total"),
    );
    expect(total(text, "flashsale_sale_drift_units", { sale: saleId })).toBe(0);
    // The loop's rounds, which the sweeper's alert reads (a pass was done, so a round was too).
    expect(total(text, "flashsale_sweeper_rounds_total", { outcome: "done" })).toBeGreaterThanOrEqual(1);
    expect(total(text, "flashsale_sweeper_rounds_total", { outcome: "failed" })).toBeDefined();

    expectPromtoolPasses(text);

    // A drift shows: a row the ledger does not know is restored by the next pass, and counted.
    text = await scrape();
    const restoredBefore = total(text, "flashsale_sweeper_repairs_total", { kind: "recordsRestored" })!;
    await app.repo.insertOrders([
      {
        orderId: await orphanId(app, saleId),
        saleId,
        skuId: `sku-${saleId}`,
        userId: `orphan-${rid(2)}`,
        quantity: 1,
        status: "CONFIRMED",
        createdAt: new Date(),
      },
    ]);
    text = await eventually(
      "the sweeper restores the orphan's record",
      scrape,
      (t) => total(t, "flashsale_sweeper_repairs_total", { kind: "recordsRestored" })! > restoredBefore,
    );
    // Its unit was never taken from the stock: the next pass's drift says so.
    await eventually(
      "drift of the live sale",
      scrape,
      (t) => total(t, "flashsale_sale_drift_units", { sale: saleId })! > 0,
    );
  });
});

/** An order id of this sale no reservation made (a row the ledger does not know). */
async function orphanId(app: GatewayProcess, saleId: string): Promise<string> {
  const sale = (await app.sales.load(saleId))!;
  return app.reservations.newOrderId(sale, `orphan-${rid(2)}`);
}

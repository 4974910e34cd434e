import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RowDataPacket } from "mysql2/promise";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, mysqlProxy, stopApp, throughProxy } from "../helpers/durable.js";
import { Api, apiFor, pool, rid } from "../helpers/env.js";
import type { TcpProxy } from "../helpers/tcp-proxy.js";

/**
 * Payment batches when MySQL stops answering: the breaker times each batch as a write (runWrite, bounded by
 * mysql.queryTimeoutMs: a slow MySQL's batch is waited for, since it commits all the same), so callbacks
 * waiting for one are answered 503 with Retry-After within that bound (never held longer, never a 500),
 * and once MySQL is back the provider's retries apply each event exactly once.
 */
describe("payment callbacks while MySQL is cut", () => {
  let base: Config;
  let app: GatewayProcess;
  let api: Api;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // A 2 s write bound (5 s by default) keeps the cut short.
    base = await durableConfig("standalone", { mysql: { queryTimeoutMs: 2000 } });
    proxy = await mysqlProxy(base);
    app = await GatewayProcess.start(throughProxy(base, proxy), { port: 0, opsPort: 0 });
    api = apiFor(app, base);
  });
  afterAll(async () => {
    proxy.setMode("pass");
    await stopApp(app, base);
    await proxy.stop();
  });

  it("answers 503 within the write bound while MySQL is silent or refusing; once back, each event applies once", async () => {
    const saleId = `pcut${rid()}`;
    expect((await api.putSale(saleId, { stock: 40, perUserLimit: 1, shards: 2 })).status).toBe(201);
    const orders = await pool(Array.from({ length: 40 }), 8, () => api.buyOne(saleId, "cut"));
    await eventually(
      "rows written",
      () => api.stats(saleId),
      (s) => s.body.mysql.total === 40,
    );
    const events = orders.map((o) => ({
      eventId: `cut-${o.orderId}`,
      orderId: o.orderId,
      status: "SUCCEEDED" as const,
    }));
    const writeMs = base.mysql.queryTimeoutMs;

    for (const mode of ["blackhole", "reset"] as const) {
      proxy.setMode(mode);
      const t0 = Date.now();
      const answers = await Promise.all(events.slice(0, 20).map((e) => api.pay(e)));
      const took = Date.now() - t0;
      for (const a of answers) {
        expect([a.status, a.body.error?.code], `${mode}: ${JSON.stringify(a.body)}`).toEqual([503, "UNAVAILABLE"]);
        expect(Number(a.headers.get("retry-after")), mode).toBeGreaterThan(0);
      }
      // A batch per database and the one queued behind it, each cut off at the write bound: not one per callback.
      expect(took, mode).toBeLessThan(writeMs * 3);
      proxy.setMode("pass");
    }

    // The provider retries until answered (the circuit may be open for a while): each event applies once.
    await eventually(
      "every callback answered 200 PAID",
      async () => Promise.all(events.map((e) => api.pay(e))),
      (answers) => answers.every((a) => a.status === 200 && a.body.status === "PAID"),
      30_000,
    );
    for (const { pool: p } of app.shards.databases()) {
      const [rows] = await p.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT event_id) AS d FROM payment_events WHERE event_id LIKE ?",
        [`cut-${saleId}%`],
      );
      expect(Number(rows[0]!.n)).toBe(Number(rows[0]!.d));
    }
    await eventually(
      "paid in both stores",
      () => api.stats(saleId),
      (s) => s.body.paid === 40 && s.body.redis.paid === 40,
    );
    expect((await api.stats(saleId)).body).toMatchObject({ paid: 40, refunds: 0, drift: 0 });
  }, 90_000);
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { Api, pool, rid } from "../helpers/env.js";
import { orderlyReader, orderViolations } from "../helpers/event-order.js";

describe("order events reach an orderly consumer in version order, with several relays at once", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    // Small batches: one order's events are spread over several passes and relays.
    cfg = await durableConfig("standalone", { outbox: { batchMax: 5, relayIntervalMs: 50 } });
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  it("confirmed, paid, paid again (refund) or cancelled then paid (refund): every order's versions arrive in order", async () => {
    const saleId = `ord${rid()}`;
    const { reader, arrivals, distinct } = await orderlyReader(cfg, saleId);
    // The events of the first wave pile up unpublished, so each order has three waiting at once.
    await app.relay.stop();
    const relays: GatewayProcess[] = [];
    try {
      await api.putSale(saleId, { stock: 48, perUserLimit: 1, shards: 1 });
      const orders = await pool(Array.from({ length: 48 }), 12, async () => {
        const user = `q-${rid(3)}`;
        const r = await api.order(saleId, user, await api.token(saleId, user));
        expect(r.status).toBe(202);
        return { orderId: r.body.orderId as string, user };
      });
      await eventually(
        "rows written",
        () => api.stats(saleId),
        (s) => s.body.mysql.total === 48,
      );
      const expected = new Map(orders.map((o) => [o.orderId, 1]));
      // Asked again on 503, as a provider or a buyer would: this test is about the events' order, not about
      // how long a change waits for MySQL.
      const settled = async (call: () => Promise<{ status: number; body: any }>) => {
        for (let i = 0; ; i++) {
          const r = await call();
          if (r.status !== 503 || i === 60) return r.body;
          await sleep(500);
        }
      };
      const pay = (orderId: string, eventId: string) =>
        settled(() => api.pay({ eventId, orderId, status: "SUCCEEDED" }));
      /** Three events per order: paid and paid again by another event (v3 refund), or cancelled and then paid (v3 refund). */
      const story = async ({ orderId, user }: { orderId: string; user: string }, i: number) => {
        if (i % 2 === 0) {
          expect((await pay(orderId, `ev-${rid()}`)).status).toBe("PAID");
          expect((await pay(orderId, `ev-${rid()}`)).status).toBe("PAID");
        } else {
          expect((await settled(() => api.cancel(orderId, user))).status).toBe("CANCELLED");
          expect((await pay(orderId, `ev-${rid()}`)).error.code).toBe("ORDER_CANCELLED");
        }
        expected.set(orderId, 3);
      };
      const [first, second] = [orders.slice(0, 24), orders.slice(24)];
      await pool(first, 8, (o) => story(o, orders.indexOf(o)));

      // Three relays over the same databases: this process's and two writer processes of their own.
      relays.push(
        ...(await Promise.all(
          [0, 1].map(() => GatewayProcess.start(cfg, { roles: { http: false, writer: true, sweeper: false } })),
        )),
      );
      app.relay.start();
      // The second wave's events are written while the relays run.
      await pool(second, 8, (o) => story(o, orders.indexOf(o)));

      const total = () => [...expected.values()].reduce((a, b) => a + b, 0);
      await eventually(
        "every version of every order delivered",
        async () => distinct(),
        (n) => n === total(),
        90_000,
      );
      expect(orderViolations(arrivals, expected)).toEqual([]);
    } finally {
      await Promise.all(relays.map((r) => r.close()));
      await reader.shutdown().catch(() => {});
      app.relay.start();
    }
  }, 240_000);
});

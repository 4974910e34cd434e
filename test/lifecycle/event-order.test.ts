import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureConsumerGroup } from "../../stack/rocketmq.js";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { Api, pool, rid } from "../helpers/env.js";
import { eventReader } from "../../support/event-reader.js";

/**
 * What a consumer of one order may see, checked on the versions in the order they arrived: they never go
 * down, and their first arrivals are 1, 2, …, n in that order. A repeat (delivery is at least once) is
 * only ever of the latest version delivered so far, never of one a later version has already overtaken.
 */
function orderViolations(arrivals: Map<string, number[]>, expected: Map<string, number>): string[] {
  const bad: string[] = [];
  for (const [orderId, n] of expected) {
    const seen = arrivals.get(orderId) ?? [];
    const firsts = seen.filter((v, i) => seen.indexOf(v) === i);
    const backwards = seen.some((v, i) => i > 0 && v < seen[i - 1]!);
    if (backwards || firsts.join() !== Array.from({ length: n }, (_, i) => i + 1).join()) bad.push(`${orderId}: ${seen.join(",")}`);
  }
  return bad;
}

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
    const arrivals = new Map<string, number[]>();
    const group = `fs-test-ordered-${rid(4)}`;
    // A downstream consumer as the README asks for: its group consumes orderly (created so before it starts).
    await ensureConsumerGroup(group, { orderly: true });
    const saleId = `ord${rid()}`;
    const reader = eventReader(cfg.rocketmq, group, ({ event: e }) => {
      if (e.saleId === saleId) (arrivals.get(e.orderId) ?? arrivals.set(e.orderId, []).get(e.orderId)!).push(e.version);
    });
    await reader.startup();
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
      await eventually("rows written", () => api.stats(saleId), (s) => s.body.mysql.total === 48);
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
      const pay = (orderId: string, eventId: string) => settled(() => api.pay({ eventId, orderId, status: "SUCCEEDED" }));
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
      relays.push(...(await Promise.all([0, 1].map(() => GatewayProcess.start(cfg, { roles: { http: false, writer: true, sweeper: false } })))));
      app.relay.start();
      // The second wave's events are written while the relays run.
      await pool(second, 8, (o) => story(o, orders.indexOf(o)));

      const total = () => [...expected.values()].reduce((a, b) => a + b, 0);
      await eventually(
        "every version of every order delivered",
        async () => [...arrivals.values()].reduce((n, vs) => n + new Set(vs).size, 0),
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

import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { ConnectFront } from "../admission/connect-front.js";
import { durableConfig, eventually, spawnGateway, startApp, stopApp } from "../helpers/durable.js";
import { Api, pool, rid } from "../helpers/env.js";
import { orderlyReader, orderViolations } from "../helpers/event-order.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

describe("a blackholed broker stalls the outbox relay, not the payments and cancels beside it", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig("standalone");
    ({ app, api } = await startApp(cfg));
  });
  afterAll(() => stopApp(app, cfg));

  async function unpublished(saleId: string): Promise<number> {
    const counts = await Promise.all(
      app.shards.databases().map(async ({ pool: db }) => {
        const [rows] = (await db.query(
          "SELECT COUNT(*) AS n FROM order_events WHERE sale_id = ? AND published_at IS NULL",
          [saleId],
        )) as unknown as [{ n: number }[]];
        return Number(rows[0]!.n);
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  it("payments and cancels answer within the MySQL breaker's time while the relay waits on the broker; then every event goes out, in order", async () => {
    const saleId = `bh${rid()}`;
    const { reader, arrivals, distinct } = await orderlyReader(cfg, saleId);
    // The only relay is a writer process whose RocketMQ traffic all passes the proxy; this one's is stopped.
    await app.relay.stop();
    const proxy = await new TcpProxy({ host: "127.0.0.1", port: 8081 }).start();
    const front = await new ConnectFront({ host: "127.0.0.1", port: proxy.port }, "127.0.0.1:8081").start();
    let relay: { child: ChildProcess } | undefined;
    try {
      await api.putSale(saleId, { stock: 24, perUserLimit: 1, shards: 1 });
      const orders = await pool(Array.from({ length: 24 }), 8, async () => {
        const user = `b-${rid(3)}`;
        const r = await api.order(saleId, user, await api.token(saleId, user));
        expect(r.status).toBe(202);
        return { orderId: r.body.orderId as string, user };
      });
      await eventually(
        "rows written",
        () => api.stats(saleId),
        (s) => s.body.mysql.total === 24,
      );
      relay = await spawnGateway(cfg, {
        writer: true,
        env: { grpc_proxy: `http://127.0.0.1:${front.port}`, no_grpc_proxy: "proxy-nothing.invalid" },
      });
      await eventually(
        "the relay publishing through the proxy",
        () => unpublished(saleId),
        (n) => n === 0,
        60_000,
      );

      proxy.setMode("blackhole");
      const expected = new Map(orders.map((o) => [o.orderId, 1]));
      const answers: { status: number; ms: number; what: string }[] = [];
      const timed = async (
        what: string,
        call: () => Promise<{ status: number; body: any }>,
        versions: number,
        orderId: string,
      ) => {
        const t0 = performance.now();
        const r = await call();
        answers.push({
          status: r.status,
          ms: Math.round(performance.now() - t0),
          what: `${what}: ${r.body.status ?? r.body.error?.code}`,
        });
        if (r.status === 200) expected.set(orderId, versions);
      };
      const pay = (orderId: string) => () => api.pay({ eventId: `ev-${rid()}`, orderId, status: "SUCCEEDED" });
      // The first changes give the relay events to send into the blackhole, where it then waits.
      for (const o of orders.slice(0, 4)) await timed("pay", pay(o.orderId), 2, o.orderId);
      await eventually(
        "the relay stuck on those events",
        () => unpublished(saleId),
        (n) => n > 0,
        10_000,
      );
      await new Promise((r) => setTimeout(r, 1000));

      // Payments, duplicate payments and cancels of the other orders, in the same databases, one by one.
      for (const [i, o] of orders.slice(4).entries()) {
        if (i % 3 === 0) await timed("cancel", () => api.cancel(o.orderId, o.user), 2, o.orderId);
        else await timed("pay", pay(o.orderId), 2, o.orderId);
        if (i % 3 === 1) await timed("pay again", pay(o.orderId), 3, o.orderId);
      }
      // Each answered 200 (a change waiting on a lock past the MySQL breaker's timeout would be a 503).
      expect(
        answers.filter((a) => a.status !== 200),
        `answers (ms) with the breaker at ${cfg.admission.breakers.mysql.timeoutMs} ms`,
      ).toEqual([]);
      // Meanwhile the relay published nothing: it really was stuck.
      expect(await unpublished(saleId)).toBe(answers.length);

      // The broker back (through a reset: a blackhole loses bytes of live connections, which TCP never does).
      proxy.setMode("reset");
      await new Promise((r) => setTimeout(r, 500));
      proxy.setMode("pass");
      const total = [...expected.values()].reduce((a, b) => a + b, 0);
      await eventually(
        "every event published",
        () => unpublished(saleId),
        (n) => n === 0,
        90_000,
      );
      await eventually(
        "every version of every order delivered",
        async () => distinct(),
        (n) => n === total,
        60_000,
      );
      expect(orderViolations(arrivals, expected)).toEqual([]);
    } finally {
      proxy.setMode("pass");
      relay?.child.kill("SIGKILL");
      await reader.shutdown().catch(() => {});
      await front.stop();
      await proxy.stop();
    }
  }, 300_000);
});

import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { eventually } from "../helpers/durable.js";
import type { ApiResponse } from "../../support/api-client.js";
import { pool, type Api } from "../helpers/env.js";
import type { TcpProxy } from "../helpers/tcp-proxy.js";

/** One buyer of an outage scenario: a token taken before the fault, and every answer they got. */
export interface Buyer {
  user: string;
  token: string;
  answers: ApiResponse[];
}

/**
 * A sale cut off from one dependency through `proxy`: some orders while it is up, then blackhole (bytes
 * vanish, calls hang), then reset (connections cut), then healed. Checks what the breaker must guarantee:
 * while the dependency is gone every answer is 503 UNAVAILABLE with Retry-After within `maxWaitMs`, and once
 * the circuit is open at once; nothing is deducted by a refused attempt; the circuit recovers by itself
 * after healing; then every buyer retries with the same key until the answer is final. Finally the ledger
 * auditor: exactly `stock` sold (demand is 4x), each accepted order once, every one in MySQL, drift 0.
 */
export async function outageScenario(o: {
  app: GatewayProcess;
  api: Api;
  proxy: TcpProxy;
  dependency: "redis" | "rocketmq";
  saleId: string;
  stock: number;
  buyers: Buyer[];
  maxWaitMs: number;
  /** Stock must not move while the dependency is down (RocketMQ: the half message comes before the reservation). */
  checkStockFrozen: boolean;
}): Promise<void> {
  const { app, api, proxy, buyers } = o;
  const breaker = app.breakers[o.dependency];
  const order = async (b: Buyer) => {
    const t0 = Date.now();
    const r = await api.order(o.saleId, b.user, b.token);
    b.answers.push(r);
    return { r, ms: Date.now() - t0 };
  };
  const q = Math.floor(buyers.length / 4);

  // Up: a first wave buys.
  const first = await pool(buyers.slice(0, q), 8, order);
  expect(first.filter((x) => x.r.status !== 202).map((x) => `${x.r.status} ${JSON.stringify(x.r.body)}`)).toEqual([]);
  const before = (await api.stats(o.saleId)).body;

  // Blackhole: calls hang until the breaker's timeout; once enough of them failed the circuit opens. The
  // number of calls per request varies (the transactional placer sends one message per group of orders),
  // so waves of 4 go on until it is open.
  proxy.setMode("blackhole");
  let next = q;
  while (breaker.state !== "open" && next < q + 48) {
    const during = await pool(buyers.slice(next, next + 4), 4, order);
    next += 4;
    for (const { r, ms } of during) {
      expect({ status: r.status, code: r.body?.error?.code }).toEqual({ status: 503, code: "UNAVAILABLE" });
      expect(Number(r.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(ms).toBeLessThan(o.maxWaitMs);
    }
  }
  expect(breaker.state).toBe("open");
  const openAnswers = await pool(buyers.slice(next, next + 10), 1, order);
  next += 10;
  for (const { r, ms } of openAnswers) {
    expect(r.status).toBe(503);
    expect(r.body.error.message).toMatch(/circuit open/);
    expect(ms, "the open circuit answers without waiting for the dependency's timeout").toBeLessThan(500);
  }
  // The open circuit shows in the dependency report; readiness is the process's own and stays 200.
  const deps = await api.call("GET", "/health/dependencies");
  expect(deps.status).toBe(503);
  expect(deps.body.breakers[o.dependency]).toBe("open");
  expect(deps.body.error.message).toContain(`${o.dependency} circuit open`);
  expect((await api.call("GET", "/readyz")).status).toBe(200);
  expect((await api.call("GET", "/metrics")).body).toMatch(
    new RegExp(`^flashsale_breaker_state\\{dependency="${o.dependency}"\\} 2$`, "m"),
  );

  // Reset: connections are cut and refused; still 503, still quick.
  proxy.setMode("reset");
  await sleep(500);
  const cut = await pool(buyers.slice(next, next + 4), 1, order);
  for (const { r, ms } of cut) {
    expect(r.status).toBe(503);
    expect(ms).toBeLessThan(o.maxWaitMs);
  }
  if (o.checkStockFrozen) {
    // Nothing refused took stock (Redis is reachable here: only RocketMQ is cut).
    expect((await api.stats(o.saleId)).body).toMatchObject({
      redisRemaining: before.redisRemaining,
      reserved: before.reserved,
    });
  }

  // Healed: the half-open probe closes the circuit by itself; every buyer retries with the same key.
  proxy.setMode("pass");
  const pending = () => buyers.filter((b) => b.answers.length === 0 || b.answers.at(-1)!.status === 503);
  await eventually(
    "every buyer has a final answer",
    async () => {
      await pool(pending(), 8, order);
      return pending().length;
    },
    (n) => n === 0,
    60_000,
  );
  expect(breaker.state).toBe("closed");
  expect((await api.call("GET", "/health/dependencies")).body.breakers[o.dependency]).toBe("closed");

  // The auditor.
  const finals = buyers.map((b) => b.answers.at(-1)!);
  for (const r of finals) {
    expect([202, 409]).toContain(r.status);
    if (r.status === 409) expect(r.body.error.code).toBe("SOLD_OUT");
  }
  const accepted = new Map<string, string>();
  for (const b of buyers) {
    for (const r of b.answers.filter((x) => x.status === 202)) {
      // A buyer's 202s (a first answer and its replays) all name the same order.
      expect(accepted.get(b.user) ?? r.body.orderId).toBe(r.body.orderId);
      accepted.set(b.user, r.body.orderId);
    }
  }
  expect(accepted.size).toBe(o.stock);
  expect(finals.filter((r) => r.status === 202)).toHaveLength(o.stock);
  const ids = new Set(accepted.values());
  expect(ids.size).toBe(o.stock);
  await eventually(
    "every accepted order in MySQL",
    () => app.repo.countBySale(o.saleId),
    (c) => c.total === o.stock,
    60_000,
  );
  const stored = new Set<string>();
  for await (const row of app.repo.scanSale(o.saleId)) stored.add(row.orderId);
  expect(stored).toEqual(ids);
  const s = await eventually(
    "converged",
    () => api.stats(o.saleId),
    (x) => x.body.pending === 0 && x.body.drift === 0,
    60_000,
  );
  expect(s.body).toMatchObject({ stock: o.stock, redisRemaining: 0, reserved: o.stock, drift: 0 });
}

import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { adminTokens } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { ROUTES, type RouteSpec } from "../../src/http/route-table.js";
import { createLogger } from "../../src/observability/log.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { rid, startGateway, testConfig, type Api } from "../helpers/env.js";

/** A route's path with its parameters filled in (well-formed ids nobody holds). */
const concrete = (path: string) =>
  path.replace(":saleId", `ol${rid(3)}`).replace(":orderId", `ol${rid(3)}.0.${rid(6)}`);

/** One request on a listener's base URL, the body parsed when it is JSON. */
async function at(base: string, method: string, path: string): Promise<{ status: number; body: any }> {
  const r = await fetch(base + path, { method: method.toUpperCase() });
  const text = await r.text();
  try {
    return { status: r.status, body: JSON.parse(text) };
  } catch {
    return { status: r.status, body: text };
  }
}

describe("the ops listener (server.ops)", () => {
  it("is on loopback by default, on its own port", () => {
    const cfg = loadConfig({});
    expect(cfg.server.ops.host).toBe("127.0.0.1");
    expect(cfg.server.ops.port).not.toBe(cfg.server.port);
  });

  describe("serves each route on its listener only", () => {
    let gw: GatewayProcess;
    let api: Api;
    beforeAll(async () => ({ gw, api } = await startGateway(testConfig("standalone"))));
    afterAll(() => gw?.close());

    it("admin, probes and metrics on the ops port, 404 on the public one; the buyer API the other way round", async () => {
      expect(gw.opsPort).toBeGreaterThan(0);
      expect(gw.opsPort).not.toBe(gw.port);
      const routes = ROUTES as readonly RouteSpec[];
      expect(routes.filter((r) => r.listener === "ops").map((r) => r.name)).toEqual(
        expect.arrayContaining(["admin_put_sale", "admin_pause", "metrics", "readyz", "healthz", "dependencies"]),
      );
      for (const r of routes) {
        const path = concrete(r.path);
        const [own, other] = r.listener === "ops" ? [api.opsBase, api.base] : [api.base, api.opsBase];
        const here = await at(own, r.method, path);
        expect(here.body?.error?.code, `${r.method} ${path} on its ${r.listener} listener`).not.toBe("NOT_FOUND");
        const there = await at(other, r.method, path);
        expect([there.status, there.body?.error?.code], `${r.method} ${path} on the other listener`).toEqual([
          404,
          "NOT_FOUND",
        ]);
      }
      // The admin API answers on the ops port with the token, as before.
      const saleId = `ol${rid()}`;
      expect((await api.putSale(saleId, { stock: 3 })).status).toBe(201);
      expect((await fetch(`${api.base}/v1/admin/sales/${saleId}/stats`, { headers: api.admin() })).status).toBe(404);
      expect((await api.stats(saleId)).body).toMatchObject({ saleId });
    });
  });

  it("audits every admin change: who (the token's fingerprint), what, before and after; never the token", async () => {
    const lines: Record<string, any>[] = [];
    const log = createLogger({
      service: "gateway",
      level: "info",
      destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, any>) },
    });
    const cfg = testConfig("standalone");
    const { gw, api } = await startGateway(cfg, { log });
    try {
      const saleId = `au${rid()}`;
      // Not started yet, so its settings may still change.
      expect((await api.putSale(saleId, { stock: 5, perUserLimit: 1, startInMs: 600_000 })).status).toBe(201);
      expect((await api.putSale(saleId, { stock: 7, perUserLimit: 2, startInMs: 600_000 })).status).toBe(200);
      expect((await api.pause(saleId)).status).toBe(200);
      expect((await api.resume(saleId)).status).toBe(200);
      // Reads and refusals change nothing, and are not audited.
      await api.stats(saleId);
      expect((await api.call("POST", `/v1/admin/sales/${saleId}/pause`, { headers: api.buyer("x") })).status).toBe(403);

      const audit = lines.filter((l) => l.component === "audit");
      const who = `sha256:${createHash("sha256").update(adminTokens(cfg.auth)[0]!).digest("hex").slice(0, 12)}`;
      expect(audit.map((l) => [l.level, l.msg, l.who, l.route, l.saleId])).toEqual([
        [30, "sale created", who, `PUT /v1/admin/sales/${saleId}`, saleId],
        [30, "sale replaced", who, `PUT /v1/admin/sales/${saleId}`, saleId],
        [30, "sale paused", who, `POST /v1/admin/sales/${saleId}/pause`, saleId],
        [30, "sale resumed", who, `POST /v1/admin/sales/${saleId}/resume`, saleId],
      ]);
      const [created, replaced, paused, resumed] = audit;
      expect(created!.before).toBeNull();
      expect(created!.after).toMatchObject({ saleId, stock: 5, perUserLimit: 1, paused: false });
      expect(replaced!.before).toMatchObject({ stock: 5, perUserLimit: 1 });
      expect(replaced!.after).toMatchObject({ stock: 7, perUserLimit: 2 });
      expect([paused!.before.paused, paused!.after.paused]).toEqual([false, true]);
      expect([resumed!.before.paused, resumed!.after.paused]).toEqual([true, false]);
      expect(JSON.stringify(lines)).not.toContain(cfg.auth.adminToken);
    } finally {
      await gw.close();
    }
  });

  describe("readiness is the process's own", () => {
    let proxy: TcpProxy | undefined;
    let gw: GatewayProcess | undefined;
    afterEach(async () => {
      await gw?.close();
      await proxy?.stop();
    });

    it("/readyz stays 200 with Redis cut (/health/dependencies says so) and turns 503 with Retry-After once draining", async () => {
      const base = testConfig("standalone", { server: { drainGraceMs: 60_000 } });
      const redis = new URL(base.redis.url);
      proxy = await new TcpProxy({ host: redis.hostname, port: Number(redis.port) }).start();
      const cfg = testConfig("standalone", {
        redis: { url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: base.redis.keyPrefix },
        server: { drainGraceMs: 60_000 },
      });
      let api: Api;
      ({ gw, api } = await startGateway(cfg));
      expect(await api.call("GET", "/readyz")).toMatchObject({ status: 200, body: { checks: { serving: "up" } } });
      expect((await api.call("GET", "/health/dependencies")).body.checks).toEqual({ redis: "up" });

      proxy.setMode("reset");
      const deps = await api.call("GET", "/health/dependencies");
      expect([deps.status, deps.body.checks]).toEqual([503, { redis: "down" }]);
      expect((await api.call("GET", "/readyz")).status, "a shared dependency does not decide readiness").toBe(200);
      // The buyer gets the gateway's own 503 with Retry-After meanwhile.
      const sale = await api.sale(`rd${rid()}`);
      expect(sale.status).toBe(503);
      expect(sale.headers.get("retry-after")).not.toBeNull();

      proxy.setMode("pass");
      void gw.drain(Date.now() + 3000);
      const draining = await api.call("GET", "/readyz");
      expect([draining.status, draining.body.checks]).toEqual([503, { serving: "down" }]);
      expect(draining.headers.get("retry-after")).not.toBeNull();
    });
  });
});

import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { Api, rid, startGateway, testConfig } from "../helpers/env.js";

interface Raw {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http, since fetch would not let a test set Origin or send OPTIONS as a browser does. */
function raw(port: number, method: string, path: string, headers: Record<string, string>): Promise<Raw> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

const SHOP = "https://shop.example.com";

describe("CORS for storefronts calling from the browser", () => {
  let on: { gw: GatewayProcess; api: Api };
  let off: { gw: GatewayProcess; api: Api };

  beforeAll(async () => {
    on = await startGateway(testConfig("standalone", { server: { cors: { origins: [SHOP], maxAgeSeconds: 300 } } }));
    off = await startGateway(testConfig("standalone"));
  });
  afterAll(async () => {
    await on?.gw.close();
    await off?.gw.close();
  });

  it("answers a configured origin's preflight 204 with the methods and headers the buy path needs", async () => {
    const r = await raw(on.gw.port, "OPTIONS", `/v1/sales/s${rid()}/orders`, {
      Origin: SHOP,
      "Access-Control-Request-Method": "POST",
      "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
    });
    expect(r.status).toBe(204);
    expect(r.headers["access-control-allow-origin"]).toBe(SHOP);
    expect(r.headers["access-control-allow-methods"]).toMatch(/POST/);
    for (const h of ["Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id", "traceparent"])
      expect(r.headers["access-control-allow-headers"]).toContain(h);
    expect(r.headers["access-control-max-age"]).toBe("300");
    expect(r.headers.vary).toBe("Origin");
  });

  it("gives another origin no CORS header at all, preflight or not (the browser refuses)", async () => {
    const pre = await raw(on.gw.port, "OPTIONS", "/v1/sales/x/orders", {
      Origin: "https://evil.example",
      "Access-Control-Request-Method": "POST",
    });
    expect(pre.status).toBe(204);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    expect(pre.headers["access-control-allow-methods"]).toBeUndefined();
    const get = await raw(on.gw.port, "GET", "/v1/sales/nosuch", { Origin: "https://evil.example" });
    expect(get.status).toBe(404);
    expect(get.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("marks every answer to a configured origin, errors included, and exposes the headers a storefront reads", async () => {
    const r = await raw(on.gw.port, "GET", "/v1/sales/nosuch", { Origin: SHOP, "X-Request-Id": "req-cors-1" });
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).error.code).toBe("SALE_NOT_FOUND");
    expect(r.headers["access-control-allow-origin"]).toBe(SHOP);
    expect(r.headers["access-control-expose-headers"]).toBe(
      "X-Request-Id, traceparent, Idempotent-Replayed, Retry-After",
    );
    expect(r.headers["x-request-id"]).toBe("req-cors-1");
    // Without an Origin (a server-side caller) nothing changes.
    expect(
      (await raw(on.gw.port, "GET", "/v1/sales/nosuch", {})).headers["access-control-allow-origin"],
    ).toBeUndefined();
  });

  it("without server.cors.origins a preflight is a method the path does not take (405), and answers carry no CORS header", async () => {
    const pre = await raw(off.gw.port, "OPTIONS", "/v1/sales/x/orders", {
      Origin: SHOP,
      "Access-Control-Request-Method": "POST",
    });
    expect([pre.status, pre.headers.allow]).toEqual([405, "POST"]);
    expect(pre.headers["access-control-allow-origin"]).toBeUndefined();
    expect(
      (await raw(off.gw.port, "GET", "/v1/sales/nosuch", { Origin: SHOP })).headers["access-control-allow-origin"],
    ).toBeUndefined();
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GatewayProcess } from "../../src/gateway-process.js";
import type { Config } from "../../src/config/schema.js";
import { durableConfig, eventually, stopApp } from "../helpers/durable.js";
import { Api, pool, rid } from "../helpers/env.js";

describe("gateway and order writer in separate processes' roles", () => {
  let cfg: Config;
  let gateway: GatewayProcess;
  let writer: GatewayProcess;
  let api: Api;

  beforeAll(async () => {
    cfg = await durableConfig();
    gateway = await GatewayProcess.start(cfg, { port: 0, roles: { http: true, writer: false } });
    writer = await GatewayProcess.start(cfg, { roles: { http: false, writer: true } });
    api = new Api(`http://127.0.0.1:${gateway.port}`, cfg, `http://127.0.0.1:${gateway.opsPort}`);
  });
  afterAll(async () => {
    await gateway?.close();
    await stopApp(writer, cfg);
  });

  it("orders accepted by an HTTP-only gateway are written by the writer-only process", async () => {
    const saleId = `split${rid()}`;
    await api.putSale(saleId, { stock: 6, perUserLimit: 1, shards: 2 });
    const users = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const tokens = await pool(users, 12, (u) => api.token(saleId, u));
    const res = await pool(users, 12, (u, i) => api.order(saleId, u, tokens[i]!));
    expect(res.filter((r) => r.status === 202)).toHaveLength(6);
    await eventually(
      "rows written by the writer",
      () => writer.repo.countBySale(saleId),
      (c) => c.total === 6,
    );
    expect(gateway.writer.stats.received).toBe(0);
    expect(writer.writer.stats.written).toBeGreaterThanOrEqual(6);
    expect((await api.stats(saleId)).body).toMatchObject({ pending: 0, drift: 0 });
  });
});

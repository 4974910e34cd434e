import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { durableConfig, eventually, mysqlProxy, spawnGateway, stopApp, throughProxy } from "../helpers/durable.js";
import { Api, ledgerRecords, rid } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { audit, flood } from "./audit.js";

/** The config with every MySQL shard reached through this proxy. */
describe("the order writer killed mid-batch: another writer takes over", () => {
  let cfg: Config;
  let gateway: GatewayProcess;
  let api: Api;
  let proxy: TcpProxy;
  let victim: ChildProcess | undefined;
  let heir: GatewayProcess | undefined;

  beforeAll(async () => {
    // This process's sweeper never writes rows (persistAfterMs far away): every row comes from a writer process.
    cfg = await durableConfig("standalone", { sweeper: { intervalMs: 600_000, persistAfterMs: 600_000 } });
    proxy = await mysqlProxy(cfg);
    // HTTP, back-checks and the sweeper here; no writer.
    gateway = await GatewayProcess.start(cfg, { port: 0, roles: { writer: false } });
    api = new Api(`http://127.0.0.1:${gateway.port}`, cfg, `http://127.0.0.1:${gateway.opsPort}`);
  });
  afterAll(async () => {
    victim?.kill("SIGKILL");
    // Each close waits out its consumers' long polls: side by side, not one after the other.
    await Promise.all([heir?.close(), gateway?.close()]);
    await stopApp(undefined, cfg);
    await proxy?.stop();
  });

  it("kill -9 of the writer while a flood's messages are being written: every 202 becomes exactly one row", async () => {
    const saleId = `wkill${rid()}`;
    const stock = 150;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 });
    // The first writer, in a child process, reaches MySQL through a slow link, so its batches are in flight
    // (rows inserted, Redis not yet marked, messages not yet acknowledged) when it dies.
    // Small batches: the orders of the flood need many of them, so the first rows land well before the last.
    const slowWriter = { ...cfg, rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, batchMax: 10 } } };
    const first = await spawnGateway(throughProxy(slowWriter, proxy), { writer: true });
    victim = first.child;
    proxy.setMode("delay", 100);

    const sale = flood(
      api,
      saleId,
      Array.from({ length: 400 }, (_, i) => `wk${i}-${rid(2)}`),
      32,
    );
    sale.catch(() => {}); // awaited below; not an unhandled rejection if the wait before fails first
    await eventually(
      "the first writer's first rows",
      () => gateway.repo.countBySale(saleId),
      (c) => c.total > 0,
      30_000,
    );
    victim.kill("SIGKILL");
    expect(await first.exited).toBe(-1);
    const rowsAtKill = (await gateway.repo.countBySale(saleId)).total;
    const attempts = await sale;
    const accepted = attempts.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(stock);
    expect(rowsAtKill).toBeLessThan(stock); // it died with orders still to write
    const pendingAtKill = (await api.stats(saleId)).body.pending;
    expect(pendingAtKill).toBeGreaterThan(0);

    // Another writer process (as `npm run writer` runs: writer and sweeper) joins the consumer group. The
    // messages the dead one had taken stay invisible until the proxy's invisible time runs out (about a
    // minute on this stack); its sweeper writes their reservations long before that, the orders published
    // after the kill come to its consumer, and the redelivered ones later find their rows there.
    const heirCfg = { ...cfg, sweeper: { ...cfg.sweeper, intervalMs: 1000, persistAfterMs: 3000 } };
    heir = await GatewayProcess.start(heirCfg, { roles: { http: false, writer: true, sweeper: true } });
    await audit({ api, gw: gateway, saleId, attempts, allSold: true, rowsWithinMs: 90_000 });
    expect(heir.writer.stats.written).toBeGreaterThan(0);
    expect((await gateway.repo.countBySale(saleId)).total).toBe(stock);
  }, 90_000);
});

describe("MySQL down longer than the writer retries", () => {
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  let proxy: TcpProxy;

  beforeAll(async () => {
    // The sweeper runs when the test asks, and persists reservations older than 3 s.
    const base = await durableConfig("standalone", { sweeper: { intervalMs: 600_000, persistAfterMs: 3000 } });
    proxy = await mysqlProxy(base);
    // A writer batch gives a sick MySQL 2 s before its messages go back to the broker.
    const r = base.rocketmq;
    cfg = throughProxy({ ...base, rocketmq: { ...r, consumer: { ...r.consumer, retryForMs: 2000 } } }, proxy);
    app = await GatewayProcess.start(cfg, { port: 0 });
    api = new Api(`http://127.0.0.1:${app.port}`, cfg, `http://127.0.0.1:${app.opsPort}`);
  });
  afterAll(async () => {
    proxy.setMode("pass");
    await stopApp(app, cfg);
    await proxy.stop();
  });

  it("the writer gives up and hands messages back; once MySQL is back, redelivery and the sweeper make every 202 one row", async () => {
    const saleId = `mdown${rid()}`;
    const stock = 40;
    await api.putSale(saleId, { stock, perUserLimit: 1, shards: 4 });
    const users = Array.from({ length: 120 }, (_, i) => `md${i}-${rid(2)}`);
    const before = await flood(api, saleId, users.slice(0, 30), 16);
    await eventually(
      "the first orders written",
      () => app.repo.countBySale(saleId),
      (c) => c.total === before.filter((a) => a.status === 202).length,
    );

    proxy.setMode("reset"); // MySQL gone: connections cut and refused
    const failedBefore = app.writer.stats.failedBatches;
    const during = await flood(api, saleId, users.slice(30), 16);
    const attempts = [...before, ...during];
    expect(attempts.filter((a) => a.status === 202)).toHaveLength(stock);
    // Down for longer than retryForMs: the writer gives batches up and hands their messages back, and (no new
    // order being published now) the broker delivers them again while MySQL is still down.
    await eventually(
      "the writer gives up on MySQL",
      async () => app.writer.stats.failedBatches - failedBefore,
      (n) => n >= 1,
      30_000,
    );
    const receivedAtGiveUp = app.writer.stats.received;
    await eventually(
      "the messages come again",
      async () => app.writer.stats.received,
      (n) => n > receivedAtGiveUp,
      30_000,
    );
    // (Stats need MySQL; the ledger alone says it.) Every unit is held, some reservations still unwritten.
    const held = (await ledgerRecords(app, saleId, 4)).filter((r) => r.state === "reserved" || r.state === "confirmed");
    expect(held).toHaveLength(stock);
    expect(held.filter((r) => r.state === "reserved").length).toBeGreaterThan(0);

    proxy.setMode("pass");
    // Redelivered messages and the sweeper's pass (reservations older than persistAfterMs) race to write the
    // same orders: one row each all the same.
    await sleep(500);
    const sweep = await api.reconcile(saleId);
    expect(sweep.status).toBe(200);
    await audit({ api, gw: app, saleId, attempts, allSold: true, rowsWithinMs: 60_000 });
  }, 120_000);
});

import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { MysqlShards } from "../../src/persistence/mysql-shards.js";
import { OrderRepository } from "../../src/persistence/order-repository.js";
import { dropTestDatabases } from "../persistence/mysql-test-db.js";
import { durableConfig, spawnGateway } from "../helpers/durable.js";
import { type Api, pool, rid } from "../helpers/env.js";

/** The first /readyz answer other than 200 within the grace (0: refused), or 200 if it never changed. */
async function readinessDuringGrace(api: Api, graceMs: number): Promise<number> {
  const until = Date.now() + graceMs - 100;
  for (;;) {
    const status = await api.call("GET", "/readyz").then(
      (x) => x.status,
      () => 0,
    );
    if (status !== 200 || Date.now() >= until) return status;
    await sleep(25);
  }
}

describe("graceful drain on SIGTERM", () => {
  let cfg: Config | undefined;
  let shards: MysqlShards | undefined;
  afterAll(async () => {
    await shards?.close();
    if (cfg) await dropTestDatabases(cfg.mysql);
  });

  it("mid-sale: not ready during the grace, refuses late arrivals with 503, and exits with every 202 a MySQL row, no sweeper", async () => {
    // No sweeper repairs in this window: what is in MySQL when the process exits is the drain's doing.
    cfg = await durableConfig("standalone", {
      server: { drainGraceMs: 1500, drainTimeoutMs: 20_000 },
      sweeper: { intervalMs: 600_000, persistAfterMs: 600_000 },
    });
    const { child, api, exited, stderr } = await spawnGateway(cfg, { writer: true });
    const saleId = `drain${rid()}`;
    expect((await api.putSale(saleId, { stock: 200, perUserLimit: 1, shards: 4 })).status).toBe(201);
    const users = Array.from({ length: 600 }, (_, i) => `d${i}-${rid(2)}`);
    const tokens = await pool(users, 32, (u) => api.token(saleId, u));

    const accepted: { orderId: string; user: string }[] = [];
    let signalled: number | null = null;
    // Assigned in the callback below, which TypeScript's narrowing does not follow: typed by a cast, not narrowed to null.
    let readyWhileDraining = null as Promise<number> | null;
    const answers = await pool(users, 64, async (u, i) => {
      // Buyers keep coming after the signal, as they would while a balancer notices.
      const r = await api.order(saleId, u, tokens[i]!).catch(() => ({ status: 0, body: null }) as const);
      if (r.status === 202) {
        accepted.push({ orderId: r.body.orderId, user: u });
        if (accepted.length === 60 && signalled === null) {
          signalled = Date.now();
          child.kill("SIGTERM");
          readyWhileDraining = readinessDuringGrace(api, cfg!.server.drainGraceMs);
        }
      }
      return r;
    });
    expect(signalled).not.toBeNull();
    // Within the grace the process still answers, and says it is not ready (a loaded machine may take a
    // moment to run the signal handler, so the probe is asked until it changes, within the grace only).
    expect(await readyWhileDraining).toBe(503);
    const code = await exited;
    expect(code).toBe(0);
    // Its last word: nothing left to the sweeper, the back-check or a redelivery.
    expect(JSON.parse(stderr().trim().split("\n").at(-1)!)).toMatchObject({
      msg: "stopped: nothing left to the sweeper",
    });
    // Every answer was a final one, a 503 (nothing deducted, retry) or a refused connection once closed.
    for (const a of answers) expect([0, 202, 409, 503]).toContain(a.status);
    expect(answers.filter((a) => a.status === 202).length).toBeGreaterThan(60);

    // The process has exited and nothing else runs: every order it accepted is already a row.
    shards = new MysqlShards(cfg.mysql);
    const repo = new OrderRepository(shards);
    const rows = await Promise.all(accepted.map((a) => repo.getOrder(a.user, a.orderId)));
    expect(rows.filter((r) => r === null).length, "accepted orders without a row").toBe(0);
    expect((await repo.countBySale(saleId)).total).toBe(accepted.length);
    await sleep(10);
  });
});

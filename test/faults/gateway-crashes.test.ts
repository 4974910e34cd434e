import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ChildProcess } from "node:child_process";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { decodeOrders, type OrderMessage } from "../../src/messaging/order-message.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { durableConfig, eventually, spawnGateway, startApp, stopApp } from "../helpers/durable.js";
import { Api, ledgerRecords, MODES, pool, rid } from "../helpers/env.js";
import { attempt, audit, flood, tokenFor, type Attempt } from "./audit.js";

/**
 * A gateway process SIGKILLed at a crash point (a child process), the survivors (this process: HTTP, writer,
 * back-check, sweeper) settling what it left half done. Each test ends with the auditor's checks.
 */
describe.each(MODES)(
  "gateway crashes on Redis %s: after the commit, mid-transfer, with a whole group in flight",
  (mode) => {
    let cfg: Config;
    let app: GatewayProcess;
    let api: Api;
    const children: ChildProcess[] = [];

    beforeAll(async () => {
      // No periodic sweeps: the tests run the sweeper themselves and look at what it repaired.
      cfg = await durableConfig(mode, { sweeper: { intervalMs: 600_000, persistAfterMs: 60_000 } });
      ({ app, api } = await startApp(cfg));
    });
    afterEach(() => {
      for (const c of children.splice(0)) c.kill("SIGKILL");
    });
    afterAll(() => stopApp(app, cfg));

    async function crashingGateway(crashAt: "after-commit" | "after-transfer-out" | "after-reserve", childCfg = cfg) {
      // No load shedding in the process meant to die: on a busy machine a 503 would keep it from its crash point.
      const a = childCfg.admission;
      const g = await spawnGateway(
        { ...childCfg, admission: { ...a, shedding: { ...a.shedding, enabled: false } } },
        { crashAt },
      );
      children.push(g.child);
      return g;
    }

    /** `n` buyer names homed on `shard` of a sale with `shards` shards. */
    function usersOn(shard: number, shards: number, n: number, prefix: string): string[] {
      const out: string[] = [];
      while (out.length < n) {
        const u = `${prefix}-${rid(3)}`;
        if (homeShard(u, shards) === shard) out.push(u);
      }
      return out;
    }

    it("after-commit: the buyer sees the connection drop; the retry at a survivor replays the same order, one row", async () => {
      const saleId = `acm${rid()}`;
      const stock = 6;
      await api.putSale(saleId, { stock, perUserLimit: 1, shards: 2 });
      const crashing = await crashingGateway("after-commit");
      const user = `ac-${rid(3)}`;
      const token = await tokenFor(api, saleId, user);
      const lost = await crashing.api.order(saleId, user, token).catch((e: Error) => e);
      expect(lost).toBeInstanceOf(Error); // committed, then killed before the 202 left
      expect(await crashing.exited).toBe(-1);

      // The message was committed: the writer here writes the row without any back-check.
      const recs = (await ledgerRecords(app, saleId, 2)).filter((r) => r.token === token);
      expect(recs.map((r) => r.state)).not.toContain("tombstone");
      expect(recs).toHaveLength(1);
      const orderId = recs[0]!.orderId;
      await eventually(
        "row of the committed order",
        () => app.repo.getOrder(user, orderId),
        (o) => o !== null,
      );

      const retry = await attempt(api, saleId, user, token);
      expect(retry).toMatchObject({ status: 202, replayed: true, orderId });
      const attempts: Attempt[] = [retry];

      // Demand left: the rest of the stock sells to others, and nothing more.
      attempts.push(
        ...(await flood(
          api,
          saleId,
          Array.from({ length: 20 }, (_, i) => `acf${i}-${rid(2)}`),
          10,
        )),
      );
      expect(attempts.filter((a) => a.status === 202)).toHaveLength(stock);
      const { rows } = await audit({ api, gw: app, saleId, attempts, allSold: true });
      expect(rows.filter((r) => r.orderId === orderId)).toHaveLength(1);
      expect((await app.repo.countBySale(saleId)).total).toBe(stock);
    });

    it("after-transfer-out: the sweeper finishes the stranded transfer once; no unit created or destroyed, all stock sells", async () => {
      const saleId = `axo${rid()}`;
      const stock = 8;
      const shards = 4;
      await api.putSale(saleId, { stock, perUserLimit: 1, shards });
      // Drain shard 0 here (two units, two buyers homed there), so the next shard-0 buyer must pull stock.
      const [d1, d2, victim] = usersOn(0, shards, 3, "xo");
      const attempts: Attempt[] = [];
      for (const u of [d1!, d2!]) attempts.push(await attempt(api, saleId, u, await tokenFor(api, saleId, u)));
      expect(attempts.map((a) => a.status)).toEqual([202, 202]);
      expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: stock - 2, inTransfer: 0 });

      const crashing = await crashingGateway("after-transfer-out");
      const token = await tokenFor(api, saleId, victim!);
      const lost = await crashing.api.order(saleId, victim!, token).catch((e: Error) => e);
      expect(lost).toBeInstanceOf(Error);
      expect(await crashing.exited).toBe(-1);

      // Half a transfer: units left a donor and reached no shard. They are counted in transit, not lost.
      const mid = (await api.stats(saleId)).body;
      expect(mid.inTransfer).toBeGreaterThan(0);
      expect(mid).toMatchObject({ redisRemaining: stock - 2 - mid.inTransfer, reserved: 2, drift: 0 });

      // The sweeper leaves young transfers to a live gateway, then finishes this one, exactly once. Meanwhile
      // the broker asks about the crashed attempt's half message: it reserved nothing, so it is rolled back.
      let finished = 0;
      let moved = 0;
      // Waited for by its tombstone in this sale, not by the checker's rollback count: a back-check of another
      // test's message (a sold-out group whose rollback the broker had not yet seen) counts there as well.
      const tombstones = async () => (await ledgerRecords(app, saleId, shards)).filter((r) => r.state === "tombstone");
      const rolledBack = eventually(
        "back-check rollback of the crashed attempt",
        tombstones,
        (t) => t.length > 0,
        40_000,
      );
      rolledBack.catch(() => {}); // awaited below; not an unhandled rejection if the sweeper's wait fails first
      await eventually(
        "the sweeper finishes the stranded transfer",
        async () => {
          const r = (await api.reconcile(saleId)).body;
          finished += r.transfersFinished;
          moved += r.unitsMoved;
          return finished;
        },
        (n) => n > 0,
        30_000,
      );
      const again = (await api.reconcile(saleId)).body;
      expect({ finished, moved, againFinished: again.transfersFinished }).toEqual({
        finished: 1,
        moved: mid.inTransfer,
        againFinished: 0,
      });
      expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: stock - 2, inTransfer: 0, drift: 0 });
      await rolledBack;
      expect(await tombstones()).toHaveLength(1);

      // The token was never used: the victim's retry with it buys, and the rest sells to others.
      attempts.push(await attempt(api, saleId, victim!, token));
      expect(attempts[2]).toMatchObject({ status: 202, replayed: false });
      attempts.push(
        ...(await flood(
          api,
          saleId,
          Array.from({ length: 24 }, (_, i) => `xf${i}-${rid(2)}`),
          12,
        )),
      );
      expect(attempts.filter((a) => a.status === 202)).toHaveLength(stock);
      await audit({ api, gw: app, saleId, attempts, allSold: true });
    });

    it("after-reserve with a whole group in flight: the back-check settles every order of the group, none lost, none invented", async () => {
      const saleId = `grp${rid()}`;
      const stock = 6;
      await api.putSale(saleId, { stock, perUserLimit: 1, shards: 1 });
      // One order before the crash, bought here.
      const first = await attempt(api, saleId, "gp-a", await tokenFor(api, saleId, "gp-a"));
      expect(first.status).toBe(202);

      // Every message the broker asks this process about (the crashed gateway's half message among them).
      const checked: OrderMessage[][] = [];
      const check = app.checker.check.bind(app.checker);
      app.checker.check = (view) => {
        checked.push(decodeOrders(view.body) ?? []);
        return check(view);
      };
      const commitsBefore = app.checker.checks.commit;

      // A gateway that collects up to 32 orders over 100 ms (the most the config allows) into one message, and dies after their reservations.
      const groupCfg = {
        ...cfg,
        rocketmq: { ...cfg.rocketmq, groupCommit: { maxOrders: 32, lingerMs: 100, maxInFlight: 4 } },
      };
      const crashing = await crashingGateway("after-reserve", groupCfg);
      // The group: a replay of the first order, a second token of its buyer (over the limit), eight new
      // buyers for five units (five reserve, three find it sold out).
      const buyers = Array.from({ length: 8 }, (_, i) => `gp${i}-${rid(2)}`);
      const group = [
        { user: "gp-a", token: first.token },
        { user: "gp-a", token: await tokenFor(api, saleId, "gp-a") },
        ...(await pool(buyers, 8, async (u) => ({ user: u, token: await tokenFor(api, saleId, u) }))),
      ];
      const lost = await pool(group, group.length, (g) =>
        crashing.api.order(saleId, g.user, g.token).then(
          () => null,
          (e: Error) => e,
        ),
      );
      expect(lost.every((e) => e instanceof Error)).toBe(true);
      expect(await crashing.exited).toBe(-1);

      // Every order of the group went through its reservation before the kill: each token has its outcome.
      const ledgerNow = await ledgerRecords(app, saleId, 1);
      const tokenState = await Promise.all(
        group.map((g) => app.redis.hget(app.keys.shard(saleId, 0).token(g.token), "c")),
      );
      expect(tokenState.every((c) => c !== null)).toBe(true);
      expect(ledgerNow.filter((r) => r.state === "reserved").length).toBe(stock - 1);

      // The broker asks us about the one undecided message holding the whole group; we commit it.
      const msg = await eventually(
        "the group's back-check",
        async () => checked.find((orders) => orders.some((o) => o.token === group[2]!.token)),
        (m) => m !== undefined,
        40_000,
      );
      expect(new Set(msg!.map((o) => o.token))).toEqual(new Set(group.map((g) => g.token)));
      await eventually(
        "back-check commit",
        async () => app.checker.checks.commit,
        (n) => n > commitsBefore,
        10_000,
      );

      // The buyers retry with their keys at the survivor: each gets the outcome its reservation had.
      const attempts = [first, ...(await pool(group, 4, (g) => attempt(api, saleId, g.user, g.token)))];
      const byToken = new Map(attempts.slice(1).map((a) => [a.token, a]));
      expect(byToken.get(group[0]!.token)).toMatchObject({ status: 202, orderId: first.orderId, replayed: true });
      expect(byToken.get(group[1]!.token)).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED" });
      const newOnes = group.slice(2).map((g) => byToken.get(g.token)!);
      expect(newOnes.filter((a) => a.status === 202)).toHaveLength(stock - 1);
      expect(newOnes.filter((a) => a.status === 409 && a.code === "SOLD_OUT")).toHaveLength(
        buyers.length - (stock - 1),
      );
      // A sold-out buyer with a fresh token still finds nothing: no unit was invented.
      attempts.push(...(await flood(api, saleId, [`gpl-${rid(2)}`])));
      expect(attempts.at(-1)).toMatchObject({ status: 409, code: "SOLD_OUT" });

      const { rows, ledger } = await audit({ api, gw: app, saleId, attempts, allSold: true });
      expect(rows).toHaveLength(stock);
      // Every order id of the group message is settled in the ledger: the reserved ones live, the rest tombstones.
      const groupIds = new Set(msg!.map((o) => o.orderId));
      const groupRecs = ledger.filter((r) => groupIds.has(r.orderId));
      expect(groupRecs).toHaveLength(group.length);
      expect(groupRecs.filter((r) => r.state === "tombstone")).toHaveLength(group.length - (stock - 1));
      await sleep(500);
      expect((await app.repo.countBySale(saleId)).total).toBe(stock);
    });

    it("a 503 (shard_empty) order in a group that commits for the others is tombstoned, never parked as a lost reservation", async () => {
      const saleId = `sem${rid()}`;
      const shards = 2;
      await api.putSale(saleId, { stock: 4, perUserLimit: 1, shards });
      const [d1, d2, v, x] = usersOn(0, shards, 4, "se");
      const [y] = usersOn(1, shards, 1, "se");
      const attempts: Attempt[] = [];
      for (const u of [d1!, d2!]) attempts.push(await attempt(api, saleId, u, await tokenFor(api, saleId, u)));
      // A transfer stranded mid-way: one unit in transit to shard 0, one left on shard 1, none on shard 0.
      const crashing = await crashingGateway("after-transfer-out");
      const vToken = await tokenFor(api, saleId, v!);
      expect(await crashing.api.order(saleId, v!, vToken).catch((e: Error) => e)).toBeInstanceOf(Error);
      expect(await crashing.exited).toBe(-1);
      expect((await api.stats(saleId)).body).toMatchObject({ redisRemaining: 1, inTransfer: 1 });

      // One group: y takes the last free unit (the message commits), x finds units only in transit (503).
      const a = cfg.admission;
      const grouping = await spawnGateway({
        ...cfg,
        admission: { ...a, shedding: { ...a.shedding, enabled: false } },
        rocketmq: { ...cfg.rocketmq, groupCommit: { maxOrders: 32, lingerMs: 100, maxInFlight: 4 } },
      });
      children.push(grouping.child);
      const [yToken, xToken] = [await tokenFor(api, saleId, y!), await tokenFor(api, saleId, x!)];
      const [ry, rx] = await Promise.all([
        grouping.api.order(saleId, y!, yToken),
        grouping.api.order(saleId, x!, xToken),
      ]);
      expect([ry.status, rx.status]).toEqual([202, 503]);
      attempts.push({ user: y!, token: yToken, quantity: 1, status: 202, orderId: ry.body.orderId });
      await eventually(
        "y's row",
        () => app.repo.getOrder(y!, ry.body.orderId),
        (o) => o !== null,
      );
      // x's order id rode in the committed message, which the writer has now read: settled in the ledger
      // (tombstoned), it is not taken for a reservation Redis lost.
      expect(app.writer.stats.parked).toBe(0);

      // Once the sweeper finished the transfer, x's retry with the same key buys the unit that was in transit.
      await eventually(
        "transfer finished",
        async () => (await api.reconcile(saleId)).body.transfersFinished,
        (n) => n > 0,
        30_000,
      );
      attempts.push(await attempt(api, saleId, x!, xToken), await attempt(api, saleId, v!, vToken));
      expect(attempts.slice(-2).map((t) => t.status)).toEqual([202, 409]);
      await audit({ api, gw: app, saleId, attempts, allSold: true });
      expect(app.writer.stats.parked).toBe(0);
    });
  },
);

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../stack/proc.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { Config } from "../../src/config/schema.js";
import { Api, MODES, pool, rid, startGateway, testConfig } from "../helpers/env.js";
import { monitorNode, type Monitor } from "../helpers/redis-monitor.js";
import { join, poll, pollUntil, putRoomSale } from "./room-helpers.js";

/** Every Redis node of the config, as host:port. */
function nodesOf(cfg: Config): string[] {
  if (cfg.redis.mode === "cluster") return cfg.redis.nodes;
  return [new URL(cfg.redis.url).host];
}

/**
 * A command a poll could send: on the room's members or pre-queue (a join, a place lookup), a purchase token
 * (issued at admission), a read of the progress hash or of the sale's settings. The admission loop's own
 * commands (lease, counters, stock, ledger counts, the progress it writes and publishes) are not counted.
 */
function pollCommand(args: string[]): boolean {
  const cmd = args[0]!.toLowerCase();
  if (args.some((x) => /:(members|pq)$|:tok:/.test(x))) return true;
  if (cmd === "hget" && args[1]!.endsWith(":progress")) return true;
  return cmd === "hgetall" && /:sale:\{/.test(args[1]!);
}

describe.each(MODES)("waiting room across two gateways (Redis %s)", (mode) => {
  let a: { gw: GatewayProcess; api: Api };
  let b: { gw: GatewayProcess; api: Api };
  let cfg: Config;

  beforeAll(async () => {
    // Sale settings cached for a minute: a poll's only possible Redis command would be the room's.
    cfg = testConfig(mode, {
      sales: { metaCacheMs: 60_000 },
      admission: { rateLimits: { buyer: { points: 1_000_000 } } },
    });
    a = await startGateway(cfg);
    b = await startGateway(cfg);
  });
  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
  });

  it("both gateways answer the same progress, and polls in steady state send no Redis command", async () => {
    const saleId = `wg${rid()}`;
    await putRoomSale(a.api, saleId, { stock: 2, startInMs: -500, shards: 2 });
    const buyers: { user: string; ticket: string }[] = [];
    const tokens: string[][] = [];
    for (let i = 0; i < 6; i++) {
      const user = `g${i}-${rid(2)}`;
      // Joins alternate between the gateways: one room, places in join order.
      const r = await join(i % 2 ? b.api : a.api, saleId, user);
      expect([r.status, r.body.place]).toEqual([201, i + 1]);
      buyers.push({ user, ticket: r.body.ticket });
    }
    // Each gateway learns the progress by pub/sub from whichever process drives the room, and both answer
    // alike, down to the purchase token (signed, deterministic for the admission: no Redis write).
    for (const g of [a, b]) {
      await pollUntil(g.api, saleId, buyers[1]!.user, buyers[1]!.ticket, (x) => x.state === "ADMITTED");
      const seen = await pool(buyers, 6, (x) => poll(g.api, saleId, x.user, x.ticket));
      tokens.push(seen.slice(0, 2).map((r) => r.body.purchaseToken as string));
      expect(seen.map((r) => [r.body.state, r.body.place, r.body.ahead])).toEqual([
        ["ADMITTED", 1, undefined],
        ["ADMITTED", 2, undefined],
        ["WAITING", 3, 0],
        ["WAITING", 4, 1],
        ["WAITING", 5, 2],
        ["WAITING", 6, 3],
      ]);
    }

    expect(tokens[1]).toEqual(tokens[0]);
    const ours = cfg.redis.keyPrefix;
    const counted: string[][] = [];
    let controllerSeen = 0;
    const monitors: Monitor[] = await Promise.all(
      nodesOf(cfg).map((n) =>
        monitorNode(n, (args) => {
          if (!args.some((x) => x.includes(ours))) return;
          if (args[0]!.toLowerCase() === "spublish") controllerSeen++;
          if (pollCommand(args)) counted.push(args);
        }),
      ),
    );
    try {
      const answers = await pool(
        Array.from({ length: 200 }, (_, i) => i),
        16,
        (i) => {
          const buyer = buyers[i % buyers.length]!;
          return poll(i % 2 ? b.api : a.api, saleId, buyer.user, buyer.ticket);
        },
      );
      expect(answers.every((r) => r.status === 200)).toBe(true);
      expect(answers.map((r) => r.body.state)).toContain("ADMITTED");
      expect(answers.map((r) => r.body.state)).toContain("WAITING");
      // The monitors work: they see the controller's next publication (a tick is 200 ms).
      await waitFor("a SPUBLISH seen by the monitors", () => Promise.resolve(controllerSeen > 0), 10_000, 50);
    } finally {
      for (const m of monitors) m.stop();
    }
    expect(counted, "Redis commands sent by 200 polls").toEqual([]);
  });

  it("at the start, the pre-queue's first polls cost one read of the draw per gateway, not a call each", async () => {
    const saleId = `wd${rid()}`;
    const put = await putRoomSale(a.api, saleId, { stock: 2, startInMs: 3000, shards: 2 });
    const users = Array.from({ length: 30 }, (_, i) => `d${i}-${rid(2)}`);
    const joined = await pool(users, 10, (u, i) => join(i % 2 ? b.api : a.api, saleId, u));
    expect(joined.map((r) => r.status)).toEqual(users.map(() => 201));
    // The controller freezes the pre-queue at the start: wait for it before watching.
    await waitFor(
      "the room admitting",
      async () => (await a.api.stats(saleId)).body.waitingRoom?.state === "ADMITTING",
      15_000,
      100,
    );
    const pq: string[][] = [];
    const monitors: Monitor[] = await Promise.all(
      nodesOf(cfg).map((n) =>
        monitorNode(n, (args, source) => {
          if (source === "lua" || !args.some((x) => x.includes(cfg.redis.keyPrefix) && x.endsWith(":pq"))) return;
          // The controller's freeze at the start is a place call with no member: not a poll's.
          if (/^eval/i.test(args[0]!) && args[5] === "|") return;
          pq.push(args);
        }),
      ),
    );
    let first: Awaited<ReturnType<typeof poll>>[];
    try {
      // Every buyer's first poll after the start, on both gateways, all at once.
      first = await pool([...users, ...users], 20, (u, i) =>
        poll(i < users.length ? a.api : b.api, saleId, u, joined[users.indexOf(u)]!.body.ticket),
      );
    } finally {
      for (const m of monitors) m.stop();
    }
    expect(first.map((r) => r.status)).toEqual(first.map(() => 200));
    // One ZRANGE of the pre-queue per gateway; no place script call per buyer.
    expect(
      pq.map((x) => x[0]!.toLowerCase()).sort(),
      `pre-queue commands of 60 first polls: ${JSON.stringify(pq).slice(0, 600)}`,
    ).toEqual(["zrange", "zrange"]);
    // The places are the draw's: ascending lottery, the same on both gateways.
    const draw = (await a.api.call("GET", `/v1/sales/${saleId}/queue/draw`)).body;
    expect(draw.seedCommitment).toBe(put.waitingRoom.seedCommitment);
    first.forEach((r, i) => {
      expect(r.body.place).toBe(draw.lotteries.indexOf(r.body.receipt.lottery) + 1);
      expect(r.body.receipt.preQueueSize).toBe(30);
      expect(r.body.place).toBe(first[(i + users.length) % first.length]!.body.place);
    });
    expect(new Set(first.map((r) => r.body.place)).size).toBe(30);
  });

  it("when the process driving a room stops, another takes the room over from the published progress", async () => {
    const saleId = `wt${rid()}`;
    const c = await startGateway(cfg);
    let stopped = false;
    try {
      await putRoomSale(c.api, saleId, { stock: 2, startInMs: -500, shards: 2 });
      // Only c has loaded the sale: it drives the room, and admits the first buyer.
      const u1 = `t1-${rid(2)}`;
      const first = await join(c.api, saleId, u1);
      expect(first.body.place).toBe(1);
      await pollUntil(c.api, saleId, u1, first.body.ticket, (x) => x.state === "ADMITTED");
      await c.gw.close();
      stopped = true;
      // b sees the room from now on; once c's lease has lapsed it drives, going on from place 1.
      const user = `t2-${rid(2)}`;
      const second = await join(b.api, saleId, user);
      expect(second.body.place).toBe(2);
      const admitted = await pollUntil(b.api, saleId, user, second.body.ticket, (x) => x.state === "ADMITTED");
      expect(admitted.place).toBe(2);
      const stats = await b.api.stats(saleId);
      expect(stats.body.waitingRoom).toMatchObject({ joined: 2, admitted: 2 });
    } finally {
      if (!stopped) await c.gw.close();
    }
  });
});

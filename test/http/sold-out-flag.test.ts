import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, spawnDaemon, stopPid, waitFor, isListening } from "../../stack/proc.js";
import { redisServerBinary } from "../../stack/redis.js";
import { Redis } from "ioredis";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { Api, pool, rid, startGateway, testConfig } from "../helpers/env.js";

/** Total commands a Redis server has executed, from INFO commandstats. */
async function commandCount(r: Redis): Promise<number> {
  const info = await r.info("commandstats");
  return [...info.matchAll(/calls=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
}

// A private redis-server, so the command count sees this test's gateways and nobody else.
describe("local sold-out flag", () => {
  let pid: number;
  let port: number;
  let probe: Redis;
  let a: { gw: GatewayProcess; api: Api };
  let b: { gw: GatewayProcess; api: Api };

  beforeAll(async () => {
    port = await freePort();
    pid = spawnDaemon(`redis-soldout-${port}`, redisServerBinary(), [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ]);
    await waitFor("private redis", () => isListening(port), 10_000);
    probe = new Redis(port, "127.0.0.1");
    const cfg = testConfig("standalone", {
      redis: { url: `redis://127.0.0.1:${port}` },
      soldOut: { ttlMs: 60_000 },
      sales: { metaCacheMs: 60_000 },
    });
    a = await startGateway(cfg);
    b = await startGateway(cfg);
  });
  afterAll(async () => {
    await a?.gw.close();
    await b?.gw.close();
    probe?.disconnect();
    await stopPid(pid);
  });

  it("answers the flood after sell-out without any Redis command, and clears on every gateway when stock returns", async () => {
    const saleId = `so${rid()}`;
    await a.api.putSale(saleId, { stock: 3, perUserLimit: 1, shards: 2 });
    const users = Array.from({ length: 6 }, (_, i) => `u${i}`);
    const tokens = await pool(users, 6, (u) => a.api.token(saleId, u));
    const first = await pool(users, 6, (u, i) => a.api.order(saleId, u, tokens[i]!));
    const accepted = first.filter((r) => r.status === 202);
    expect(accepted).toHaveLength(3);
    // Each gateway learns of the sell-out from its own final SOLD_OUT (gateway a already had one above).
    expect(a.gw.soldOut.isSoldOut(saleId)).toBe(true);
    for (const g of [b]) {
      expect(g.gw.soldOut.isSoldOut(saleId)).toBe(false);
      const u = `late-${rid()}`;
      expect((await g.api.order(saleId, u, await g.api.token(saleId, u))).body.error.code).toBe("SOLD_OUT");
      expect(g.gw.soldOut.isSoldOut(saleId)).toBe(true);
    }

    // The flood: 400 order attempts with well-formed keys, across both gateways. Tokens are minted locally
    // (issuing them would itself be refused as SOLD_OUT now), they only need the right shape and MAC.
    const flooders = Array.from({ length: 400 }, (_, i) => `f${i}`);
    const minter = new PurchaseTokens(a.gw.config.auth.userJwtSecret);
    const before = await commandCount(probe);
    const flood = await pool(flooders, 32, (u, i) => {
      const g = i % 2 ? a : b;
      return g.api.order(saleId, u, minter.mint(saleId, u, Date.now() + 600_000));
    });
    const after = await commandCount(probe);
    expect(flood.every((r) => r.status === 409 && r.body.error.code === "SOLD_OUT")).toBe(true);
    // INFO itself is the only command counted in between (sale settings are cached for a minute here).
    expect(after - before).toBeLessThanOrEqual(1);
    expect(a.gw.soldOut.shortCircuits + b.gw.soldOut.shortCircuits).toBe(400);

    // A 202's replay still reaches Redis and gets its 202 back, on either gateway.
    const i = first.findIndex((r) => r.status === 202);
    const replay = await b.api.order(saleId, users[i]!, tokens[i]!);
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body).toEqual(first[i]!.body);

    // Stock comes back (say, an unpaid order): both gateways drop their flag and sell it again.
    const orderId = accepted[0]!.body.orderId as string;
    const shard = Number(orderId.split(".")[1]);
    expect(await a.gw.reservations.release(saleId, shard, orderId)).toEqual({ kind: "released", quantity: 1 });
    await waitFor(
      "flags cleared",
      async () => !a.gw.soldOut.isSoldOut(saleId) && !b.gw.soldOut.isSoldOut(saleId),
      2000,
      20,
    );
    const again = await b.api.order(saleId, "newcomer", await b.api.token(saleId, "newcomer"));
    expect(again.status).toBe(202);
  });

  it("a gateway started after the sale sold out learns the accepted keys first: their replays still get their 202", async () => {
    const saleId = `sl${rid()}`;
    await a.api.putSale(saleId, { stock: 3, perUserLimit: 1, shards: 2 });
    const buyers = Array.from({ length: 3 }, (_, i) => `early-${i}-${rid(2)}`);
    const tokens = await pool(buyers, 3, (u) => a.api.token(saleId, u));
    const first = await pool(buyers, 3, (u, i) => a.api.order(saleId, u, tokens[i]!));
    expect(first.map((r) => r.status)).toEqual([202, 202, 202]);
    // A process that was not there when those keys were accepted (a deploy, a re-forked worker).
    const late = await startGateway(a.api.cfg);
    try {
      const newcomer = `late-${rid(3)}`;
      const sold = await late.api.order(
        saleId,
        newcomer,
        await late.api.token(saleId, newcomer).catch(() => "x".repeat(32)),
      );
      expect(sold.status).toBe(409);
      expect(late.gw.soldOut.isSoldOut(saleId)).toBe(true);
      for (const [i, u] of buyers.entries()) {
        const again = await late.api.order(saleId, u, tokens[i]!);
        expect([again.status, again.body.orderId, again.headers.get("idempotent-replayed")]).toEqual([
          202,
          first[i]!.body.orderId,
          "true",
        ]);
      }
    } finally {
      await late.gw.close();
    }
  });
});

// The flag's TTL lapsing under a flood: one attempt re-checks in Redis, the rest are answered meanwhile.
describe("local sold-out flag past its TTL", () => {
  let g: { gw: GatewayProcess; api: Api };
  const TTL_MS = 400;

  beforeAll(async () => {
    g = await startGateway(testConfig("standalone", { soldOut: { ttlMs: TTL_MS } }));
  });
  afterAll(() => g?.gw.close());

  it("sends one attempt to Redis when the flag lapses, and a unit back without a message sells to it", async () => {
    const saleId = `sl${rid()}`;
    await g.api.putSale(saleId, { stock: 1, perUserLimit: 1, shards: 1 });
    expect((await g.api.order(saleId, "first", await g.api.token(saleId, "first"))).status).toBe(202);
    const late = await g.api.order(saleId, "late", await g.api.token(saleId, "late"));
    expect(late.body.error.code).toBe("SOLD_OUT");
    const minter = new PurchaseTokens(g.gw.config.auth.userJwtSecret);
    const attempt = (u: string) => g.api.order(saleId, u, minter.mint(saleId, u, Date.now() + 600_000));

    // Lapsed: 300 attempts, 32 at a time. Each used to go to Redis until one of them set the flag again.
    await new Promise((r) => setTimeout(r, TTL_MS + 50));
    const sc0 = g.gw.soldOut.shortCircuits;
    const flood = await pool(
      Array.from({ length: 300 }, (_, i) => `f${i}`),
      32,
      attempt,
    );
    expect(flood.every((r) => r.status === 409 && r.body.error.code === "SOLD_OUT")).toBe(true);
    // One re-check per 400 ms at most (a slow machine may need a second): the rest from the flag.
    expect(g.gw.soldOut.shortCircuits - sc0).toBeGreaterThanOrEqual(295);

    // A unit comes back and its message is lost (the stock key raised directly, nothing published): the
    // flag answers SOLD_OUT until it lapses, then the re-checking attempt buys the unit, and the flag is gone.
    await g.gw.redis.incrby(g.gw.keys.shard(saleId, 0).stock, 1);
    expect((await attempt("before-lapse")).body.error.code).toBe("SOLD_OUT");
    await new Promise((r) => setTimeout(r, TTL_MS + 50));
    const back = await attempt("after-lapse");
    expect(back.status).toBe(202);
    expect(g.gw.soldOut.isSoldOut(saleId)).toBe(false);
    const sc1 = g.gw.soldOut.shortCircuits;
    expect((await attempt("next")).body.error.code).toBe("SOLD_OUT");
    // That SOLD_OUT came from Redis (the flag was cleared), and set the flag again.
    expect(g.gw.soldOut.shortCircuits).toBe(sc1);
    expect(g.gw.soldOut.isSoldOut(saleId)).toBe(true);
  });
});

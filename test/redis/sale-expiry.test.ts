import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metrics } from "../../src/observability/metrics.js";
import { SweepLoop } from "../../src/reconciliation/sweep-loop.js";
import { Sweeper } from "../../src/reconciliation/sweeper.js";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { scripts } from "../../src/redis/scripts.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { ReservationService } from "../../src/reservation/reservation-service.js";
import type { Sale } from "../../src/reservation/sale.js";
import { SaleStore } from "../../src/reservation/sale-store.js";
import { SoldOutCache } from "../../src/reservation/sold-out-cache.js";
import { MODES, rid, testConfig } from "../helpers/env.js";

/**
 * Every key a sale leaves in Redis expires no later than its end plus `sales.retentionSeconds`, or (the
 * keys the scripts create after warm-up) at the first sweep-loop pass after that, whether or not a pass ran
 * between the sale's end and its settings' expiry; shards a re-put dropped included.
 */
describe.each(MODES)("expiry of a sale's keys on Redis %s", (mode) => {
  const cfg = testConfig(mode);
  let redis: RedisClient;
  let keys: Keys;
  let svc: ReservationService;

  /** Only what expireShards uses (Redis and the key layout); a pass over a sale would fail loudly. */
  const sweeperOf = () =>
    new Sweeper(
      redis,
      keys,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      {} as never,
      { persistAfterMs: 1, leaseMs: 1000, outboxStaleAfterMs: 1, owner: "t" },
      new Metrics(),
    );

  beforeAll(() => {
    redis = createRedis(cfg.redis);
    keys = new Keys(cfg.redis.keyPrefix);
    svc = new ReservationService(redis, keys, new SoldOutCache({ max: 100, ttlMs: 60_000 }), {
      replaySeconds: 3600,
      chunkRatio: 0.5,
    });
  });
  afterAll(() => redis.disconnect());

  const shardKeyNames = (saleId: string, shards: number) =>
    Array.from({ length: shards }, (_, i) => {
      const k = keys.shard(saleId, i);
      return [k.stock, k.buyers, k.res, k.open, k.xout, k.xin, k.xdone];
    }).flat();

  it("a sale no sweep saw between its end and its settings' expiry leaves no shard key behind", async () => {
    const retentionSeconds = 1;
    const sales = new SaleStore(redis, keys, { cacheMs: 0, retentionSeconds });
    const now = Date.now();
    const sale: Sale = {
      saleId: `x${rid()}`,
      skuId: "sku",
      stock: 10,
      perUserLimit: 5,
      startsAt: now + 60_000,
      endsAt: now + 1500,
      shards: 2,
      paymentTimeoutSeconds: 60,
      paused: false,
    };
    expect((await sales.put(sale, now)).kind).toBe("created");
    const expiresAt = sale.endsAt + retentionSeconds * 1000;
    // Warmed with the sale's expiry, not left for a sweep after the end.
    for (let i = 0; i < sale.shards; i++)
      expect(await redis.pexpiretime(keys.shard(sale.saleId, i).stock)).toBe(expiresAt);

    // Selling (startsAt moved: the scripts do not read it) creates buyers, res and open; a transfer xout, xin and xdone.
    const selling = { ...sale, startsAt: Date.now() - 1 };
    for (const user of ["ann", "bob", "cyd"]) {
      const t = rid(16);
      expect((await svc.reserve({ sale: selling, userId: user, token: t, quantity: 1 })).kind).toBe("reserved");
    }
    const [k0, k1] = [keys.shard(sale.saleId, 0), keys.shard(sale.saleId, 1)];
    expect(await scripts.transferOut(redis, k0, { id: "t1", want: 1, least: 0, to: 1, now: Date.now() })).toBe(1);
    expect(await scripts.transferIn(redis, k1, "t1", 1)).toBe("applied");
    expect(await scripts.transferDone(redis, k0, "t1")).toBe("finished");
    expect(await scripts.transferOut(redis, k0, { id: "t2", want: 1, least: 0, to: 1, now: Date.now() })).toBe(1);
    const created = [
      k0.xout,
      k0.xdone,
      k1.xin,
      ...[homeShard("ann", 2), homeShard("bob", 2), homeShard("cyd", 2)].flatMap((i) => {
        const k = keys.shard(sale.saleId, i);
        return [k.buyers, k.res, k.open];
      }),
    ];
    // The reserve path sets no expiry (it must not cost a command more): these have none yet.
    for (const key of created) expect(await redis.pttl(key), key).toBe(-1);

    // No pass runs until the settings have expired.
    await sleep(Math.max(0, expiresAt - Date.now()) + 200);
    expect(await redis.exists(keys.saleMeta(sale.saleId))).toBe(0);
    expect(await sales.ids()).toContain(sale.saleId);

    await new SweepLoop(sweeperOf(), sales, redis, keys, { intervalMs: 1000, retentionSeconds }).sweepAll();
    expect(await sales.ids()).not.toContain(sale.saleId);
    expect(await redis.hexists(keys.saleShards, sale.saleId)).toBe(0);
    const left = [];
    for (const key of shardKeyNames(sale.saleId, sale.shards)) if ((await redis.exists(key)) === 1) left.push(key);
    expect(left).toEqual([]);
  });

  it("a sale put again with fewer shards and an earlier end expires every shard it ever warmed with it", async () => {
    const retentionSeconds = 3600;
    const sales = new SaleStore(redis, keys, { cacheMs: 0, retentionSeconds });
    const now = Date.now();
    const base: Sale = {
      saleId: `x${rid()}`,
      skuId: "sku",
      stock: 80,
      perUserLimit: 5,
      startsAt: now + 60_000,
      endsAt: now + 7_200_000,
      shards: 8,
      paymentTimeoutSeconds: 60,
      paused: false,
    };
    expect((await sales.put(base, now)).kind).toBe("created");
    expect((await sales.put({ ...base, shards: 4 }, now)).kind).toBe("updated");
    const last = { ...base, shards: 2, endsAt: base.endsAt - 3_600_000 };
    expect((await sales.put(last, now)).kind).toBe("updated");

    const due = last.endsAt + retentionSeconds * 1000;
    const stocks = Array.from({ length: 8 }, (_, i) => keys.shard(base.saleId, i).stock);
    // 4…7 were dropped two puts ago: they expire with the sale as it now is, not as it was.
    expect(await Promise.all(stocks.map((k) => redis.pexpiretime(k)))).toEqual(stocks.map(() => due));
    expect(await Promise.all(stocks.map((k) => redis.get(k)))).toEqual(["40", "40", "0", "0", "0", "0", "0", "0"]);

    // The sweep after the end walks every shard ever warmed, not only the two of the last settings.
    const at = Date.now() + 600_000;
    await sweeperOf().expireShards(last, at);
    expect(await Promise.all(stocks.map((k) => redis.pexpiretime(k)))).toEqual(stocks.map(() => at));
  });
});

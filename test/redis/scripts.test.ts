import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { scripts } from "../../src/redis/scripts.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { parseLedgerRecord, readRecord } from "../../src/reservation/ledger.js";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { ReservationService } from "../../src/reservation/reservation-service.js";
import type { Sale } from "../../src/reservation/sale.js";
import { SaleStore } from "../../src/reservation/sale-store.js";
import { SoldOutCache } from "../../src/reservation/sold-out-cache.js";
import { pino } from "pino";
import type { MessageView } from "rocketmq-client-nodejs";
import { encodeOrders } from "../../src/messaging/order-message.js";
import { TransactionResolution } from "../../src/messaging/rocketmq.js";
import { OrderTransactionChecker } from "../../src/messaging/transaction-checker.js";
import { MODES, rid, testConfig } from "../helpers/env.js";

describe.each(MODES)("Lua scripts on Redis %s", (mode) => {
  const cfg = testConfig(mode);
  let redis: RedisClient;
  let keys: Keys;
  let sales: SaleStore;
  let svc: ReservationService;
  let soldOut: SoldOutCache;

  beforeAll(async () => {
    redis = createRedis(cfg.redis);
    keys = new Keys(cfg.redis.keyPrefix);
    sales = new SaleStore(redis, keys, { cacheMs: 0, retentionSeconds: 3600 });
    soldOut = new SoldOutCache({ max: 100, ttlMs: 60_000 });
    svc = new ReservationService(redis, keys, soldOut, { replaySeconds: 3600, chunkRatio: 0.5 });
  });
  afterAll(() => redis.disconnect());

  async function newSale(stock: number, shards: number, perUserLimit = 2): Promise<Sale> {
    const sale: Sale = {
      saleId: `s${rid()}`,
      skuId: "sku",
      stock,
      perUserLimit,
      startsAt: Date.now() + 60_000,
      endsAt: Date.now() + 3_600_000,
      shards,
      paymentTimeoutSeconds: 60,
      paused: false,
    };
    expect((await sales.put(sale)).kind).toBe("created");
    return { ...sale, startsAt: Date.now() - 1 };
  }

  const minter = new PurchaseTokens("scripts-test-purchase-token-secret");

  /** A signed token (the gateway's check is not on this path: the script's own rules are under test). */
  function token(sale: Sale, user: string, expiresAt = Date.now() + 60_000): Promise<string> {
    return Promise.resolve(minter.mint(sale.saleId, user, expiresAt));
  }

  const stocks = (sale: Sale) => svc.rebalancer.shardStocks(sale);

  it("warm-shard splits stock over the shards and refuses once a shard holds reservations", async () => {
    const sale = await newSale(10, 4, 5);
    expect(await stocks(sale)).toEqual([3, 3, 2, 2]);
    const user = "alice";
    await svc.reserve({ sale, userId: user, token: await token(sale, user), quantity: 1 });
    const k = keys.shard(sale.saleId, homeShard(user, 4));
    expect(await scripts.warmShard(redis, k, 99)).toBe("locked");
    expect((await stocks(sale)).reduce((a, b) => a + b)).toBe(9);
  });

  it("a signed token costs Redis nothing until it buys; its use record then lasts until its expiry + the replay window", async () => {
    const sale = await newSale(5, 2);
    const expiresAt = Date.now() + 120_000;
    const t = await token(sale, "bob", expiresAt);
    const k = keys.shard(sale.saleId, homeShard("bob", 2));
    expect(await redis.exists(k.token(t))).toBe(0);
    expect((await svc.reserve({ sale, userId: "bob", token: t, quantity: 1 })).kind).toBe("reserved");
    expect(await redis.hgetall(k.token(t))).toMatchObject({ u: "bob", q: "1", c: "1" });
    // PEXPIRETIME (Redis 7): the record expires exactly at the token's expiry + replaySeconds (3600 s here).
    expect(Number(await redis.call("PEXPIRETIME", k.token(t)))).toBe(expiresAt + 3_600_000);
  });

  it("reserve: takes stock, writes the record and index, and a replay returns the first answer without deducting", async () => {
    const sale = await newSale(10, 2, 3);
    const t = await token(sale, "carol");
    const first = await svc.reserve({ sale, userId: "carol", token: t, quantity: 2 });
    expect(first).toMatchObject({ kind: "reserved", replayed: false });
    const orderId = (first as { orderId: string }).orderId;
    const k = keys.shard(sale.saleId, homeShard("carol", 2));
    const rec = parseLedgerRecord(orderId, (await redis.hget(k.res, orderId))!);
    expect(rec).toMatchObject({ state: "reserved", quantity: 2, userId: "carol", token: t });
    expect(await redis.zscore(k.open, orderId)).not.toBeNull();
    expect(await redis.hget(k.buyers, "carol")).toBe("2");
    const before = await stocks(sale);
    const again = await svc.reserve({ sale, userId: "carol", token: t, quantity: 2 });
    expect(again).toEqual({ kind: "reserved", orderId, replayed: true });
    expect(await stocks(sale)).toEqual(before);
  });

  it("reserve: an expired unused token, and a used token of another buyer's, are INVALID_TOKEN and change nothing", async () => {
    const sale = await newSale(10, 1, 3);
    const k = keys.shard(sale.saleId, 0);
    const expired = await token(sale, "dave", Date.now() - 1);
    expect((await svc.reserve({ sale, userId: "dave", token: expired, quantity: 1 })).kind).toBe("invalid_token");
    expect(await redis.exists(k.token(expired))).toBe(0);
    expect(await stocks(sale)).toEqual([10]);
    expect(await redis.hget(k.buyers, "dave")).toBeNull();
    // The signature binds a token to its buyer at the gateway; once used, the record binds it in Redis too.
    const t = await token(sale, "dave");
    expect((await svc.reserve({ sale, userId: "dave", token: t, quantity: 1 })).kind).toBe("reserved");
    const stolen = await svc.reserve({ sale, userId: "eve", token: t, quantity: 1 });
    expect(stolen.kind).toBe("invalid_token");
    expect(await stocks(sale)).toEqual([9]);
    expect(await redis.hget(k.buyers, "eve")).toBeNull();
  });

  it("reserve: a used token replays its first answer after its expiry, and an unused one never buys then", async () => {
    const sale = await newSale(10, 1, 3);
    const now = Date.now();
    const t = await token(sale, "ivan", now + 60_000);
    const first = await svc.reserve({ sale, userId: "ivan", token: t, quantity: 1, now });
    expect(first.kind).toBe("reserved");
    // The script judges expiry by the attempt's time: an hour later the token has expired.
    const later = now + 3_600_000;
    const again = await svc.reserve({ sale, userId: "ivan", token: t, quantity: 1, now: later });
    expect(again).toEqual({ ...first, replayed: true });
    const unused = await token(sale, "ivan", now + 60_000);
    expect((await svc.reserve({ sale, userId: "ivan", token: unused, quantity: 1, now: later })).kind).toBe(
      "invalid_token",
    );
    expect(await stocks(sale)).toEqual([9]);
  });

  it("reserve: the same token with another quantity is KEY_REUSED", async () => {
    const sale = await newSale(10, 1, 3);
    const t = await token(sale, "frank");
    await svc.reserve({ sale, userId: "frank", token: t, quantity: 1 });
    expect((await svc.reserve({ sale, userId: "frank", token: t, quantity: 2 })).kind).toBe("key_reused");
    expect(await stocks(sale)).toEqual([9]);
  });

  it("reserve: the per-buyer limit is stored for replays and takes no stock", async () => {
    const sale = await newSale(10, 1, 2);
    await svc.reserve({ sale, userId: "gina", token: await token(sale, "gina"), quantity: 2 });
    const t = await token(sale, "gina");
    expect(await svc.reserve({ sale, userId: "gina", token: t, quantity: 1 })).toEqual({
      kind: "limit_exceeded",
      replayed: false,
    });
    expect(await svc.reserve({ sale, userId: "gina", token: t, quantity: 1 })).toEqual({
      kind: "limit_exceeded",
      replayed: true,
    });
    expect(await stocks(sale)).toEqual([8]);
  });

  it("reserve: a final SOLD_OUT is stored, sets the local flag, and a replay returns it", async () => {
    const sale = await newSale(1, 1, 1);
    await svc.reserve({ sale, userId: "h1", token: await token(sale, "h1"), quantity: 1 });
    const t = await token(sale, "h2");
    expect(await svc.reserve({ sale, userId: "h2", token: t, quantity: 1 })).toEqual({
      kind: "sold_out",
      replayed: false,
    });
    expect(soldOut.isSoldOut(sale.saleId)).toBe(true);
    expect(await svc.reserve({ sale, userId: "h2", token: t, quantity: 1 })).toEqual({
      kind: "sold_out",
      replayed: true,
    });
  });

  it("release returns stock exactly once, lowers the buyer's count and publishes stock-returned on the shard's channel", async () => {
    const sale = await newSale(3, 1, 3);
    const r = await svc.reserve({ sale, userId: "ivy", token: await token(sale, "ivy"), quantity: 2 });
    const orderId = (r as { orderId: string }).orderId;
    const sub = createRedis(cfg.redis, { shardedSubscribers: true });
    const heard: string[] = [];
    const returned = keys.shard(sale.saleId, 0).returned;
    await sub.ssubscribe(returned);
    sub.on("smessage", (_c: string, m: string) => heard.push(m));
    const results = await Promise.all(Array.from({ length: 5 }, () => svc.release(sale.saleId, 0, orderId)));
    expect(results.filter((x) => x.kind === "released")).toEqual([{ kind: "released", quantity: 2 }]);
    expect(results.filter((x) => x.kind === "already_released")).toHaveLength(4);
    expect(await stocks(sale)).toEqual([3]);
    expect(await redis.hget(keys.shard(sale.saleId, 0).buyers, "ivy")).toBeNull();
    expect(await svc.release(sale.saleId, 0, "nope")).toEqual({ kind: "not_found" });
    // A tombstone is not a reservation: releasing it gives nothing back and leaves it a tombstone.
    const tomb = `${sale.saleId}.0.tombstoneabc`;
    expect(await scripts.checkOrder(redis, keys.shard(sale.saleId, 0), tomb, Date.now(), Date.now())).toBe("rollback");
    expect(await svc.release(sale.saleId, 0, tomb)).toEqual({ kind: "not_found" });
    expect(parseLedgerRecord(tomb, (await redis.hget(keys.shard(sale.saleId, 0).res, tomb))!)?.state).toBe("tombstone");
    expect(await stocks(sale)).toEqual([3]);
    // A marker published after the releases arrives after anything they published: then the count is final.
    await redis.spublish(returned, "marker");
    for (let i = 0; !heard.includes("marker"); i++) {
      if (i > 500) throw new Error("the marker never arrived");
      await sleep(10);
    }
    expect(heard).toEqual([sale.saleId, "marker"]);
    sub.disconnect();
  });

  it("check-order tombstones an unknown order id, after which reserve with that id is refused", async () => {
    const sale = await newSale(5, 1, 3);
    const k = keys.shard(sale.saleId, 0);
    const orderId = `${sale.saleId}.0.abcdefghijkl`;
    expect(await scripts.checkOrder(redis, k, orderId, Date.now(), Date.now())).toBe("rollback");
    const out = await svc.reserve({ sale, userId: "jack", token: await token(sale, "jack"), quantity: 1, orderId });
    expect(out.kind).toBe("order_id_taken");
    expect(await stocks(sale)).toEqual([5]);
    const ok = await svc.reserve({ sale, userId: "jack", token: await token(sale, "jack"), quantity: 1 });
    const okId = (ok as { orderId: string }).orderId;
    expect(await scripts.checkOrder(redis, k, okId, Date.now(), Date.now())).toBe("commit");
    expect(await scripts.confirm(redis, k, [okId])).toBe(1);
    expect(await scripts.confirm(redis, k, [okId])).toBe(0);
    expect(await redis.zscore(k.open, okId)).toBeNull();
  });

  it("check-order on a shard whose state was lost: ask again (nothing written); after its rebuild an older order commits", async () => {
    const sale = await newSale(6, 2, 3);
    const k = keys.shard(sale.saleId, 1);
    const before = Date.now() - 5_000;
    const lostId = `${sale.saleId}.1.lostlostlost`;
    await redis.del(k.stock, k.res); // the shard's state is gone (its marker with it)
    expect(await scripts.checkOrder(redis, k, lostId, Date.now(), before)).toBe("unknown");
    expect(await redis.hget(k.res, lostId)).toBeNull(); // no tombstone: a rebuild may still honour it
    // Through the checker: the broker is told nothing (UNSPECIFIED: it asks again later), even beside a
    // missing order of a live shard, which is tombstoned as ever.
    const checker = new OrderTransactionChecker(redis, keys, pino({ level: "silent" }));
    const liveId = `${sale.saleId}.0.nonenonenone`;
    const order = (orderId: string, reservedAt: number) => ({
      orderId,
      saleId: sale.saleId,
      skuId: "sku",
      userId: "u",
      quantity: 1,
      reservedAt,
    });
    const view = (...orders: ReturnType<typeof order>[]) =>
      ({ messageId: rid(), body: encodeOrders(orders) }) as unknown as MessageView;
    expect(await checker.check(view(order(lostId, before), order(liveId, before)))).toBe(
      TransactionResolution.TRANSACTION_RESOLUTION_UNSPECIFIED,
    );
    expect(await redis.hget(k.res, lostId)).toBeNull();
    expect(parseLedgerRecord(liveId, (await redis.hget(keys.shard(sale.saleId, 0).res, liveId))!)?.state).toBe(
      "tombstone",
    );

    // Rebuilt: an order reserved before the rebuild may be one the loss took (commit: parked, then honoured);
    // one reserved after it and missing never reserved (tombstoned, rolled back).
    const rebuiltAt = Date.now() - 1_000;
    expect(await scripts.rebuildStock(redis, k, 3, rebuiltAt)).toBe("rebuilt");
    expect(await scripts.checkOrder(redis, k, lostId, Date.now(), before)).toBe("forgotten");
    expect(await redis.hget(k.res, lostId)).toBeNull();
    expect(await checker.check(view(order(lostId, before)))).toBe(TransactionResolution.COMMIT);
    const lateId = `${sale.saleId}.1.latelatelate`;
    expect(await checker.check(view(order(lateId, Date.now())))).toBe(TransactionResolution.ROLLBACK);
    expect(parseLedgerRecord(lateId, (await redis.hget(k.res, lateId))!)?.state).toBe("tombstone");
    expect(checker.checks).toEqual({ commit: 1, rollback: 1, unknown: 1 });
  });

  it("a shard held by a rebuild's read: release and transfers answer held and move nothing until the hold goes", async () => {
    const sale = await newSale(10, 2, 5);
    const user = "holly";
    const home = homeShard(user, 2);
    const other = 1 - home;
    const out = await svc.reserve({ sale, userId: user, token: await token(sale, user), quantity: 2 });
    const orderId = (out as { orderId: string }).orderId;
    const [hk, ok] = [keys.shard(sale.saleId, home), keys.shard(sale.saleId, other)];
    const before = await stocks(sale);
    await redis.set(hk.hold, "rebuild", "PX", 60_000);
    await redis.set(ok.hold, "rebuild", "PX", 60_000);
    expect(await svc.release(sale.saleId, home, orderId)).toEqual({ kind: "held" });
    expect(await scripts.transferOut(redis, ok, { id: "h1", want: 2, least: 1, to: home, now: Date.now() })).toBe(0);
    expect(await scripts.transferIn(redis, hk, "h2", 2)).toBe("held");
    expect(await stocks(sale)).toEqual(before);
    expect(parseLedgerRecord(orderId, (await redis.hget(hk.res, orderId))!)?.state).toBe("reserved");
    expect(await redis.sismember(hk.xin, "h2")).toBe(0);
    await Promise.all([redis.del(hk.hold), redis.del(ok.hold)]);
    expect(await svc.release(sale.saleId, home, orderId)).toEqual({ kind: "released", quantity: 2 });
    expect((await stocks(sale)).reduce((a, b) => a + b)).toBe(10);
  });

  it("transfer-out/in move stock once; a crash between them is finished by finishStranded", async () => {
    const sale = await newSale(10, 2, 5);
    const [from, to] = [0, 1];
    const src = keys.shard(sale.saleId, from);
    const dst = keys.shard(sale.saleId, to);
    // Crash after the first half: the stock is only in the donor's transfer record.
    expect(await scripts.transferOut(redis, src, { id: "x1", want: 3, least: 1, to, now: Date.now() - 10_000 })).toBe(
      3,
    );
    expect(await stocks(sale)).toEqual([2, 5]);
    expect(await svc.rebalancer.inFlight(sale)).toBe(3);
    expect(await svc.rebalancer.finishStranded(sale, 5000)).toEqual({ finished: 1, units: 3 });
    expect(await svc.rebalancer.finishStranded(sale, 5000)).toEqual({ finished: 0, units: 0 });
    expect(await stocks(sale)).toEqual([2, 8]);
    // A repeated second half does nothing.
    expect(await scripts.transferIn(redis, dst, "x1", 3)).toBe("already_applied");
    expect(await stocks(sale)).toEqual([2, 8]);
    // transfer-out resent with the same id (its reply lost to a reconnect) takes nothing twice.
    expect(await scripts.transferOut(redis, src, { id: "x3", want: 1, least: 1, to, now: Date.now() - 10_000 })).toBe(
      1,
    );
    expect(await scripts.transferOut(redis, src, { id: "x3", want: 1, least: 1, to, now: Date.now() - 10_000 })).toBe(
      1,
    );
    expect(await stocks(sale)).toEqual([1, 8]);
    expect(await svc.rebalancer.finishStranded(sale, 5000)).toEqual({ finished: 1, units: 1 });
    expect(await stocks(sale)).toEqual([1, 9]);
    // Finished: a resend now moves nothing at all, and finishing again changes nothing.
    expect(await scripts.transferOut(redis, src, { id: "x3", want: 1, least: 1, to, now: Date.now() })).toBe(0);
    expect(await scripts.transferDone(redis, src, "x3")).toBe("already_finished");
    expect(await stocks(sale)).toEqual([1, 9]);
    expect(await svc.rebalancer.inFlight(sale)).toBe(0);
    // A donor with less than the least useful amount gives nothing.
    expect(await scripts.transferOut(redis, src, { id: "x2", want: 5, least: 3, to, now: Date.now() })).toBe(0);
  });

  it("demand equal to stock over many shards, all at once: every unit sells, and no SOLD_OUT while units remain", async () => {
    for (let round = 0; round < 10; round++) {
      // One unit per shard: most buyers' home shards run dry and they pull from the same few donors at once.
      const sale = await newSale(32, 32, 1);
      const users = Array.from({ length: 32 }, (_, i) => `d${round}-${i}`);
      const toks = await Promise.all(users.map((u) => token(sale, u)));
      const outcomes = await Promise.all(
        users.map(async (u, i) => {
          for (let attempt = 0; attempt < 50; attempt++) {
            const out = await svc.reserve({ sale, userId: u, token: toks[i]!, quantity: 1 });
            // A pull lost to other buyers while stock remains is a retry with the same token, never final.
            if (out.kind !== "shard_empty") return out.kind;
          }
          return "gave up";
        }),
      );
      expect(outcomes, `round ${round}`).toEqual(Array(32).fill("reserved"));
      expect((await stocks(sale)).reduce((a, b) => a + b)).toBe(0);
    }
  });

  it("units in transit between shards are not sold out: the attempt is retried (shard_empty), not stored as SOLD_OUT", async () => {
    const sale = await newSale(1, 3, 1);
    expect(await stocks(sale)).toEqual([1, 0, 0]);
    const user = Array.from({ length: 50 }, (_, i) => `transit-${i}`).find((u) => homeShard(u, 3) !== 0)!;
    const home = homeShard(user, 3);
    const to = home === 1 ? 2 : 1;
    // Another gateway moved the last unit out of shard 0 towards shard `to` and has not applied it yet.
    expect(
      await scripts.transferOut(redis, keys.shard(sale.saleId, 0), {
        id: "inflight",
        want: 1,
        least: 1,
        to,
        now: Date.now(),
      }),
    ).toBe(1);
    const t = await token(sale, user);
    expect(
      (await svc.reserve({ sale, userId: user, token: t, quantity: 1, orderId: `${sale.saleId}.${home}.gaveupgaveup` }))
        .kind,
    ).toBe("shard_empty");
    expect(soldOut.isSoldOut(sale.saleId)).toBe(false);
    // The order id of the attempt that gave up is tombstoned: in a committed group it is no lost reservation.
    expect((await readRecord(redis, keys, `${sale.saleId}.${home}.gaveupgaveup`))?.state).toBe("tombstone");
    // The transfer lands; the same token (not consumed) now buys the unit.
    await svc.rebalancer.finishStranded(sale, 0);
    expect(await svc.reserve({ sale, userId: user, token: t, quantity: 1 })).toMatchObject({
      kind: "reserved",
      replayed: false,
    });
  });

  it("a buyer whose home shard is empty still buys, by pulling stock from other shards", async () => {
    const sale = await newSale(8, 8, 8);
    const user = "kate";
    const home = homeShard(user, 8);
    const out = await svc.reserve({ sale, userId: user, token: await token(sale, user), quantity: 4 });
    expect(out.kind).toBe("reserved");
    const s = await stocks(sale);
    expect(s.reduce((a, b) => a + b)).toBe(4);
    expect(s[home]).toBeGreaterThanOrEqual(0);
    expect(await svc.rebalancer.inFlight(sale)).toBe(0);
  });
});

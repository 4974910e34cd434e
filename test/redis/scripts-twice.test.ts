import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { Keys, type ShardKeys } from "../../src/redis/keys.js";
import { scripts } from "../../src/redis/scripts.js";
import { rid, testConfig } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

/**
 * Every script is safe to run twice with the same arguments: ioredis resends a command whose reply a
 * reconnect lost (autoResendUnfulfilledCommands), so a script may run again after it took effect. Each is
 * run twice in a row, and the stock-moving ones also with their reply dropped in flight (the TCP proxy
 * swallows the answer, then cuts the connection: ioredis reconnects and resends). Nothing moves twice.
 */
describe("Lua scripts run twice (a resend after a lost reply)", () => {
  const cfg = testConfig("standalone");
  let proxy: TcpProxy;
  let redis: RedisClient;
  let direct: RedisClient;
  const keys = new Keys(cfg.redis.keyPrefix);

  beforeAll(async () => {
    const url = new URL(cfg.redis.url);
    proxy = await new TcpProxy({ host: url.hostname, port: Number(url.port || 6379) }).start();
    redis = createRedis({ ...cfg.redis, url: `redis://127.0.0.1:${proxy.port}`, commandTimeoutMs: 5000 });
    direct = createRedis(cfg.redis);
  });
  afterAll(async () => {
    redis.disconnect();
    direct.disconnect();
    await proxy.stop();
  });

  /** Runs `call` with its reply lost and the connection cut: ioredis resends it, and its answer is the resend's. */
  async function withLostReply<T>(call: () => Promise<T>): Promise<T> {
    await redis.ping();
    proxy.setMode("drop-replies");
    const dropped = proxy.droppedReplies;
    const pending = call();
    // Cut only once Redis has run the command and its reply is lost (a fixed wait could cut it unsent).
    const deadline = Date.now() + 10_000;
    while (proxy.droppedReplies === dropped) {
      if (Date.now() > deadline) throw new Error("the command never reached Redis through the proxy");
      await sleep(5);
    }
    proxy.setMode("reset");
    await sleep(20);
    proxy.setMode("pass");
    return pending;
  }

  async function shard(stock: number): Promise<ShardKeys> {
    const k = keys.shard(`tw${rid()}`, 0);
    expect(await scripts.warmShard(direct, k, stock)).toBe("warmed");
    return k;
  }

  const stockOf = async (k: ShardKeys) => Number(await direct.get(k.stock));

  const reserveArgs = (k: ShardKeys, token: string, orderId: string) => ({
    userId: "u1",
    quantity: 2,
    perUserLimit: 5,
    orderId,
    now: Date.now(),
    token,
    tokenExpiresAt: Date.now() + 60_000,
    final: true,
    replayMs: 60_000,
    acceptedChannel: k.accepted,
    saleId: k.saleId,
  });

  it("reserve: a resent reservation is the same one (its own, not a replay) and takes no stock again", async () => {
    for (const lost of [false, true]) {
      const k = await shard(10);
      const token = rid(16).slice(0, 32);
      const orderId = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
      const first = lost
        ? await withLostReply(() => scripts.reserve(redis, k, reserveArgs(k, token, orderId)))
        : await scripts.reserve(redis, k, reserveArgs(k, token, orderId));
      // The resend names this attempt's own order id: its reservation, answered as new (issue 17, scenario 2).
      expect(first).toEqual({ kind: "reserved", orderId, replayed: false });
      expect(await scripts.reserve(redis, k, reserveArgs(k, token, orderId))).toEqual({
        kind: "reserved",
        orderId,
        replayed: false,
      });
      // Another attempt with the same key (its own order id) is a replay of the first, and its id is tombstoned.
      const otherId = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
      expect(await scripts.reserve(redis, k, reserveArgs(k, token, otherId))).toEqual({
        kind: "reserved",
        orderId,
        replayed: true,
      });
      expect((await direct.hget(k.res, otherId))!.startsWith("T|")).toBe(true);
      expect(await scripts.replay(redis, k, token, "u1", 2)).toEqual({ kind: "reserved", orderId, replayed: true });
      expect(await stockOf(k)).toBe(8);
      expect(await direct.hget(k.buyers, "u1")).toBe("2");
      expect((await direct.hget(k.res, orderId))!.startsWith("R|2|")).toBe(true);
    }
  });

  it("release: units come back once, however often the release runs", async () => {
    for (const lost of [false, true]) {
      const k = await shard(10);
      const token = rid(16).slice(0, 32);
      const orderId = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
      await scripts.reserve(direct, k, reserveArgs(k, token, orderId));
      const first = lost
        ? await withLostReply(() => scripts.release(redis, k, orderId, k.returned, k.saleId))
        : await scripts.release(redis, k, orderId, k.returned, k.saleId);
      expect(first.kind).toBe(lost ? "already_released" : "released");
      expect(await scripts.release(redis, k, orderId, k.returned, k.saleId)).toEqual({ kind: "already_released" });
      expect(await stockOf(k)).toBe(10);
      expect(await direct.hget(k.buyers, "u1")).toBeNull();
    }
  });

  it("transfer-out, transfer-in and transfer-done: a resent step moves nothing again", async () => {
    for (const lost of [false, true]) {
      const from = await shard(10);
      const to = keys.shard(from.saleId, 1);
      expect(await scripts.warmShard(direct, to, 0)).toBe("warmed");
      const run = <T>(call: () => Promise<T>) => (lost ? withLostReply(call) : call());
      const args = { id: `t-${rid()}`, want: 4, least: 1, to: 1, now: Date.now() };
      expect(await run(() => scripts.transferOut(redis, from, args))).toBe(4);
      expect(await scripts.transferOut(redis, from, args)).toBe(4);
      expect(await stockOf(from)).toBe(6);
      expect(await run(() => scripts.transferIn(redis, to, args.id, 4))).toBe(lost ? "already_applied" : "applied");
      expect(await scripts.transferIn(redis, to, args.id, 4)).toBe("already_applied");
      expect(await stockOf(to)).toBe(4);
      expect(await run(() => scripts.transferDone(redis, from, args.id))).toBe(lost ? "already_finished" : "finished");
      expect(await scripts.transferDone(redis, from, args.id)).toBe("already_finished");
      // After the transfer finished, even a late resend of its first step takes nothing.
      expect(await scripts.transferOut(redis, from, args)).toBe(0);
      expect([await stockOf(from), await stockOf(to), await direct.hlen(from.xout)]).toEqual([6, 4, 0]);
    }
  });

  it("rebuild-order, rebuild-stock and honor-order (a shard whose state was lost): resent, each changes state once", async () => {
    for (const lost of [false, true]) {
      const k = keys.shard(`tw${rid()}`, 0); // never warmed: a shard whose state is gone
      const run = <T>(call: () => Promise<T>) => (lost ? withLostReply(call) : call());
      // Before the rebuild nothing sells, returns, arrives or is honoured on it, and nothing is written.
      const parked = { orderId: "o-parked", quantity: 2, reservedAt: Date.now(), userId: "u2", token: "tok-p" };
      const honorArgs = { perUserLimit: 3, keepUntil: Date.now() + 60_000 };
      expect(await scripts.reserve(redis, k, reserveArgs(k, "tok-a", "o-new"))).toEqual({ kind: "state_lost" });
      expect((await scripts.release(redis, k, "o-1", k.returned, k.saleId)).kind).toBe("state_lost");
      expect(await scripts.transferIn(redis, k, "x-1", 3)).toBe("state_lost");
      expect(await scripts.honorOrder(redis, k, parked, honorArgs)).toEqual({ kind: "state_lost" });
      expect(await direct.exists(k.stock, k.res, k.buyers, k.token("tok-a"), k.token("tok-p"), k.xin)).toBe(0);

      const row = {
        orderId: "o-1",
        state: "F" as const,
        quantity: 2,
        reservedAt: Date.now(),
        userId: "u1",
        token: "tok-row",
      };
      expect(await run(() => scripts.rebuildOrder(redis, k, row, Date.now() + 60_000))).toBe(
        lost ? "exists" : "rebuilt",
      );
      expect(await scripts.rebuildOrder(redis, k, row, Date.now() + 60_000)).toBe("exists");
      expect(
        await scripts.rebuildOrder(redis, k, { ...row, orderId: "o-2", state: "C", token: "" }, Date.now() + 60_000),
      ).toBe("rebuilt");
      expect(await direct.hget(k.buyers, "u1")).toBe("2"); // once, and not for the released order
      expect(await run(() => scripts.rebuildStock(redis, k, 7, Date.now()))).toBe(lost ? "exists" : "rebuilt");
      expect(await scripts.rebuildStock(redis, k, 99, Date.now())).toBe("exists");
      expect(await stockOf(k)).toBe(7);
      // The row's token replays its order, and buys nothing else.
      expect(await scripts.reserve(redis, k, reserveArgs(k, "tok-row", "o-again"))).toEqual({
        kind: "reserved",
        orderId: "o-1",
        replayed: true,
      });
      expect(
        await scripts.honorOrder(
          redis,
          k,
          { orderId: "o-dup", quantity: 1, reservedAt: Date.now(), userId: "u1", token: "tok-row" },
          { perUserLimit: 9, keepUntil: Date.now() + 60_000 },
        ),
      ).toEqual({ kind: "token_used" });

      // A parked order is honoured once: its units taken once, its token answering its replay.
      expect(await run(() => scripts.honorOrder(redis, k, parked, honorArgs))).toEqual({
        kind: lost ? "already" : "honored",
      });
      expect(await scripts.honorOrder(redis, k, parked, honorArgs)).toEqual({ kind: "already" });
      expect([await stockOf(k), await direct.hget(k.buyers, "u2"), await direct.zscore(k.open, "o-parked")]).toEqual([
        5,
        "2",
        String(parked.reservedAt),
      ]);
      expect(await scripts.reserve(redis, k, { ...reserveArgs(k, "tok-p", "o-replay"), userId: "u2" })).toEqual({
        kind: "reserved",
        orderId: "o-parked",
        replayed: true,
      });
      // Another parked order: refused over the limit, or when its token answered another attempt, or without units.
      expect(await scripts.honorOrder(redis, k, { ...parked, orderId: "o-p2", token: "tok-q" }, honorArgs)).toEqual({
        kind: "limit_exceeded",
      });
      expect(await scripts.honorOrder(redis, k, { ...parked, orderId: "o-p3", userId: "u3" }, honorArgs)).toEqual({
        kind: "token_used",
      });
      expect(
        await scripts.honorOrder(
          redis,
          k,
          { ...parked, orderId: "o-p4", userId: "u4", token: "tok-r", quantity: 6 },
          { ...honorArgs, perUserLimit: 10 },
        ),
      ).toEqual({ kind: "shard_empty", shardStock: 5 });
      expect(await stockOf(k)).toBe(5);
    }
  });

  it("the ledger scripts (check-order, confirm, mark-paid, restore-record) and lease and warm-shard change state once", async () => {
    const k = await shard(5);
    const token = rid(16).slice(0, 32);
    const orderId = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
    await scripts.reserve(direct, k, reserveArgs(k, token, orderId));
    const ghost = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
    const record = async (id: string) => direct.hget(k.res, id);
    expect(await withLostReply(() => scripts.checkOrder(redis, k, ghost, 1, 1))).toBe("rollback");
    const tomb = await record(ghost);
    expect(await scripts.checkOrder(redis, k, ghost, 2, 1)).toBe("rollback");
    expect(await record(ghost)).toBe(tomb);
    expect(await withLostReply(() => scripts.confirm(redis, k, [orderId]))).toBe(0);
    expect((await record(orderId))!.startsWith("F|")).toBe(true);
    expect(await withLostReply(() => scripts.markPaid(redis, k, orderId))).toBe("already");
    expect((await record(orderId))!.startsWith("P|")).toBe(true);
    expect(await scripts.markPaid(redis, k, orderId)).toBe("already");
    const restored = `${k.saleId}.0.${rid(6).slice(0, 12)}`;
    const r = { orderId: restored, state: "F" as const, quantity: 1, reservedAt: 5, userId: "u9" };
    expect(await withLostReply(() => scripts.restoreRecord(redis, k, r))).toBe("exists");
    expect(await scripts.restoreRecord(redis, k, { ...r, state: "C" })).toBe("exists");
    expect((await record(restored))!.startsWith("F|1|5|")).toBe(true);
    const lease = `${cfg.redis.keyPrefix}lease-${rid()}`;
    expect(await withLostReply(() => scripts.lease(redis, lease, "me", 5000))).toBe("held");
    expect(await scripts.lease(redis, lease, "other", 5000)).toBe("taken");
    expect(await scripts.warmShard(redis, k, 99)).toBe("locked");
    expect(await stockOf(k)).toBe(3);
  });
});

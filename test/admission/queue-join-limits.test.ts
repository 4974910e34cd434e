import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimits } from "../../src/admission/rate-limits.js";
import type { Config } from "../../src/config/schema.js";
import { ApiError } from "../../src/errors.js";
import { Metrics } from "../../src/observability/metrics.js";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { RoomStore, type JoinOutcome } from "../../src/waiting-room/room-store.js";
import { MODES, rid, testConfig } from "../helpers/env.js";

type QueueJoin = Config["admission"]["rateLimits"]["queueJoin"];
const long = (points: number, blockSeconds = 0) => ({ points, durationSeconds: 300, blockSeconds });
const peer = (remoteIp: string, forwardedFor = "") => ({ remoteIp, forwardedFor });
type Peer = ReturnType<typeof peer>;

/**
 * The waiting room's join limits, counted by the join script (lua/waiting-room/join-5.lua) in the room's slot
 * before it looks at the proof: per client address and sale, then per buyer and sale. Two Redis clients with
 * a RoomStore each stand for two gateways; the HTTP side (one Redis command per join, 429 RATE_LIMITED with
 * Retry-After) is test/waiting-room/room-join.test.ts.
 */
describe.each(MODES)("waiting-room join limits in the join script on Redis %s", (mode) => {
  const cfg = testConfig(mode);
  const keys = new Keys(cfg.redis.keyPrefix);
  let redis: [RedisClient, RedisClient];
  let stores: [RoomStore, RoomStore];

  beforeAll(async () => {
    redis = [createRedis(cfg.redis), createRedis(cfg.redis)];
    stores = [new RoomStore(redis[0], keys), new RoomStore(redis[1], keys)];
  });
  afterAll(() => redis.forEach((r) => r.disconnect()));

  function limits(queueJoin: Partial<QueueJoin>, admission: Partial<Config["admission"]> = {}) {
    const a = { ...cfg.admission, ...admission };
    const rl = { ...a.rateLimits, exemptIps: [], ...admission.rateLimits };
    return new RateLimits({ ...a, rateLimits: { ...rl, queueJoin: { ...rl.queueJoin, ...queueJoin } } }, new Metrics());
  }

  /** One join attempt through gateway `g` (0 or 1); the room's keys live an hour unless `expiresAt` says. */
  function attempt(
    g: 0 | 1,
    rl: RateLimits,
    o: { sale: string; buyer: string; from: Peer; proofOk?: boolean; expiresAt?: number },
  ): Promise<JoinOutcome> {
    return stores[g].join(o.sale, o.buyer, {
      startsAt: Date.now() - 1000,
      lottery: rid(8),
      expiresAt: o.expiresAt ?? Date.now() + 3_600_000,
      proofOk: o.proofOk ?? true,
      limits: rl.queueJoin(o.from),
    });
  }

  const kinds = (rs: JoinOutcome[]) => rs.map((r) => (r.kind === "limited" ? `limited:${r.limiter}` : r.kind));
  const rlKey = (sale: string, k: "buyerJoins" | "addressJoins", id: string) => keys.room(sale)[k](id);

  it("per buyer and sale, across gateways, re-joins and bad proofs included; a limited attempt changes nothing", async () => {
    const sale = `qj${rid()}`;
    const rl = limits({ buyer: long(3), ip: long(1000) });
    const out = [
      await attempt(0, rl, { sale, buyer: "ann", from: peer("203.0.113.1"), proofOk: false }),
      await attempt(1, rl, { sale, buyer: "ann", from: peer("203.0.113.2") }),
      // A re-join needs no proof, and counts.
      await attempt(0, rl, { sale, buyer: "ann", from: peer("203.0.113.3"), proofOk: false }),
      await attempt(1, rl, { sale, buyer: "ann", from: peer("203.0.113.4") }),
      await attempt(0, rl, { sale, buyer: "ann", from: peer("203.0.113.5"), proofOk: false }),
    ];
    expect(kinds(out)).toEqual(["invalid_proof", "in", "in", "limited:buyer", "limited:buyer"]);
    expect(out.slice(1, 3).map((r) => r.kind === "in" && r.created)).toEqual([true, false]);
    const limited = out[3] as Extract<JoinOutcome, { kind: "limited" }>;
    expect(limited.msBeforeNext).toBeGreaterThan(290_000);
    expect(limited.msBeforeNext).toBeLessThanOrEqual(300_000);
    // Another buyer, or another sale, is unaffected; the refusals joined nobody.
    expect(kinds([await attempt(0, rl, { sale, buyer: "ben", from: peer("203.0.113.1") })])).toEqual(["in"]);
    const other = `qj${rid()}`;
    expect(kinds([await attempt(1, rl, { sale: other, buyer: "ann", from: peer("203.0.113.1") })])).toEqual(["in"]);
    const k = keys.room(sale);
    expect(Object.keys(await redis[0].hgetall(k.members)).sort()).toEqual(["ann", "ben"]);
    expect(await redis[0].hget(k.meta, "fcfs")).toBe("2");
    // In the room's slot, expiring with its window.
    const ttl = await redis[1].pttl(rlKey(sale, "buyerJoins", "ann"));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(300_000);
  });

  it("per client address and sale, across gateways; a refusal takes no point from the buyer's limit", async () => {
    const sale = `qj${rid()}`;
    const rl = limits({ buyer: long(2), ip: long(3) });
    const from = peer("198.51.100.7");
    const go = (g: 0 | 1, buyer: string, p = from) => attempt(g, rl, { sale, buyer, from: p });
    const out = [await go(0, "u1"), await go(1, "u2"), await go(0, "u3"), await go(1, "u4"), await go(0, "u4")];
    expect(kinds(out)).toEqual(["in", "in", "in", "limited:ip", "limited:ip"]);
    // u4 was refused by address twice: both of its buyer points are still there.
    const u4 = [await go(0, "u4", peer("198.51.100.8")), await go(1, "u4", peer("198.51.100.9"))];
    expect(kinds([...u4, await go(0, "u4", peer("198.51.100.10"))])).toEqual(["in", "in", "limited:buyer"]);
    // IPv6 counts by /64: another host of the same /64 shares the limit.
    const v6 = [];
    for (const host of ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3", "2001:db8:1:2::ffff"])
      v6.push(await go(1, `v${host}`, peer(host)));
    v6.push(await go(0, "v7", peer("2001:db8:1:3::1")));
    expect(kinds(v6)).toEqual(["in", "in", "in", "limited:ip", "in"]);
    expect(await redis[0].exists(rlKey(sale, "addressJoins", "198.51.100.7"))).toBe(1);
  });

  it("the address is the trusted proxy's X-Forwarded-For hop; exempt addresses skip the address limit", async () => {
    const sale = `qj${rid()}`;
    const viaProxy = limits({ buyer: long(100), ip: long(1) }, { trustedProxies: ["127.0.0.1"] });
    const proxied = (buyer: string, xff: string) => attempt(0, viaProxy, { sale, buyer, from: peer("127.0.0.1", xff) });
    expect(
      kinds([await proxied("p1", "192.0.2.1"), await proxied("p2", "192.0.2.1"), await proxied("p3", "192.0.2.2")]),
    ).toEqual(["in", "limited:ip", "in"]);
    const exempt = limits(
      { buyer: long(100), ip: long(1) },
      { rateLimits: { ...cfg.admission.rateLimits, exemptIps: ["192.0.2.0/24"] } },
    );
    const out = [];
    for (let i = 0; i < 5; i++) out.push(await attempt(1, exempt, { sale, buyer: `e${i}`, from: peer("192.0.2.50") }));
    expect(kinds(out)).toEqual(out.map(() => "in"));
    expect(await redis[0].exists(rlKey(sale, "addressJoins", "192.0.2.50"))).toBe(0);
  });

  it("blockSeconds keeps a refused buyer out for the block; the window's end lets a buyer in again", async () => {
    const sale = `qj${rid()}`;
    const blocking = limits({ buyer: { points: 1, durationSeconds: 1, blockSeconds: 120 }, ip: long(100) });
    const from = peer("203.0.113.30");
    expect(kinds([await attempt(0, blocking, { sale, buyer: "bo", from })])).toEqual(["in"]);
    const blocked = await attempt(1, blocking, { sale, buyer: "bo", from });
    expect(blocked).toMatchObject({ kind: "limited", limiter: "buyer" });
    expect((blocked as { msBeforeNext: number }).msBeforeNext).toBeGreaterThan(100_000);

    const l = limits({ buyer: { points: 1, durationSeconds: 1, blockSeconds: 0 }, ip: long(100) });
    expect(kinds([await attempt(0, l, { sale, buyer: "wes", from })])).toEqual(["in"]);
    const refused = await attempt(1, l, { sale, buyer: "wes", from });
    expect(refused).toMatchObject({ kind: "limited", limiter: "buyer" });
    expect((refused as { msBeforeNext: number }).msBeforeNext).toBeLessThanOrEqual(1000);
    await expect
      .poll(async () => (await attempt(0, l, { sale, buyer: "wes", from })).kind, { timeout: 15_000, interval: 200 })
      .toBe("in");
    // The blocked buyer is still out, a window later.
    expect((await attempt(0, blocking, { sale, buyer: "bo", from })).kind).toBe("limited");
  });

  it("a limit's key never outlives the room's keys", async () => {
    const sale = `qj${rid()}`;
    const rl = limits({ buyer: long(5, 600), ip: long(5, 600) });
    const expiresAt = Date.now() + 20_000;
    const from = peer("203.0.113.40");
    for (let i = 0; i < 7; i++) await attempt(i % 2 ? 1 : 0, rl, { sale, buyer: "cap", from, expiresAt });
    for (const key of [rlKey(sale, "buyerJoins", "cap"), rlKey(sale, "addressJoins", "203.0.113.40")]) {
      const ttl = await redis[0].pttl(key);
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(20_000);
    }
    expect(await redis[0].pttl(keys.room(sale).members)).toBeLessThanOrEqual(20_000);
  });

  it("with limits off, the script counts nothing", async () => {
    const sale = `qj${rid()}`;
    const off = limits({}, { rateLimits: { ...cfg.admission.rateLimits, enabled: false } });
    expect(off.queueJoin(peer("203.0.113.1"))).toBeUndefined();
    const out = [];
    for (let i = 0; i < 8; i++) out.push(await attempt(0, off, { sale, buyer: "free", from: peer("203.0.113.1") }));
    expect(kinds(out)).toEqual(out.map(() => "in"));
    expect(await redis[0].exists(rlKey(sale, "buyerJoins", "free"))).toBe(0);
  });
});

describe("the join script's refusal as the gateway renders it", () => {
  it("429 RATE_LIMITED with Retry-After (whole seconds, at least 1), counted per limiter", async () => {
    const metrics = new Metrics();
    const rl = new RateLimits(testConfig("standalone").admission, metrics);
    const e = rl.queueJoinRefused("queue_join_ip", 41_001);
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.headers["retry-after"]]).toEqual([429, "RATE_LIMITED", "42"]);
    expect(e.message).toContain("queue_join_ip limit");
    expect(rl.queueJoinRefused("queue_join_buyer", 0).headers["retry-after"]).toBe("1");
    const text = await metrics.text();
    expect(text).toMatch(/flashsale_rate_limited_total\{limiter="queue_join_ip"\} 1/);
    expect(text).toMatch(/flashsale_rate_limited_total\{limiter="queue_join_buyer"\} 1/);
  });
});

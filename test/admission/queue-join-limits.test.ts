import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimits } from "../../src/admission/rate-limits.js";
import type { Config } from "../../src/config/schema.js";
import { ApiError } from "../../src/errors.js";
import { Metrics } from "../../src/observability/metrics.js";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { MODES, rid, testConfig } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

type QueueJoin = Config["admission"]["rateLimits"]["queueJoin"];
const long = (points: number) => ({ points, durationSeconds: 300, blockSeconds: 0 });

/**
 * The waiting room's join limits (RateLimits.queueJoin, which the join route calls before it checks the
 * proof): per client address and sale, then per buyer and sale, kept in Redis so every gateway counts
 * against one limit. Two RateLimits on one key prefix stand for two gateways.
 */
describe.each(MODES)("waiting-room join limits on Redis %s", (mode) => {
  const cfg = testConfig(mode);
  let redis: RedisClient;
  /** Each RateLimits registers its metrics, so each gets its own registry, as each gateway has. */
  const registries: Metrics[] = [];

  beforeAll(async () => {
    redis = createRedis(cfg.redis);
    // The limiters refuse to use a Redis that is not ready yet (their insurance answers instead).
    await redis.ping();
  });
  afterAll(() => redis.disconnect());

  function limits(queueJoin: Partial<QueueJoin>, admission: Partial<Config["admission"]> = {}) {
    const a = { ...cfg.admission, ...admission };
    const rl = { ...a.rateLimits, exemptIps: [], ...admission.rateLimits };
    return new RateLimits(
      { ...a, rateLimits: { ...rl, queueJoin: { ...rl.queueJoin, redisTimeoutMs: 2000, ...queueJoin } } },
      redis,
      cfg.redis.keyPrefix,
      registries[registries.push(new Metrics()) - 1]!,
    );
  }

  const peer = (remoteIp: string, forwardedFor = "") => ({ remoteIp, forwardedFor });

  /** The refusal the route renders: 429 RATE_LIMITED with Retry-After, naming the limiter. */
  async function refusal(p: Promise<void> | undefined): Promise<ApiError> {
    const e = await p!.then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }

  function expect429(e: ApiError, limiter: string, windowSeconds = 300) {
    expect(e.status).toBe(429);
    expect(e.code).toBe("RATE_LIMITED");
    expect(e.message).toContain(`${limiter} limit`);
    const retry = Number(e.headers["retry-after"]);
    expect(retry).toBeGreaterThanOrEqual(1);
    expect(retry).toBeLessThanOrEqual(windowSeconds);
  }

  it("per buyer and sale, across gateways; another buyer or sale is unaffected", async () => {
    const sale = `qj${rid()}`;
    const [a, b] = [limits({ buyer: long(2), ip: long(1000) }), limits({ buyer: long(2), ip: long(1000) })];
    await a.queueJoin(sale, "ann", peer("203.0.113.1"));
    await b.queueJoin(sale, "ann", peer("203.0.113.2"));
    expect429(await refusal(a.queueJoin(sale, "ann", peer("203.0.113.3"))), "queue_join_buyer");
    expect429(await refusal(b.queueJoin(sale, "ann", peer("203.0.113.4"))), "queue_join_buyer");
    await a.queueJoin(sale, "ben", peer("203.0.113.1"));
    await b.queueJoin(`qj${rid()}`, "ann", peer("203.0.113.1"));
    expect(await redis.exists(`${cfg.redis.keyPrefix}rl:qjb:${sale}|ann`)).toBe(1);
  });

  it("per client address and sale, across gateways; a refusal takes no point from the buyer's limit", async () => {
    const sale = `qj${rid()}`;
    const [a, b] = [limits({ buyer: long(2), ip: long(3) }), limits({ buyer: long(2), ip: long(3) })];
    await a.queueJoin(sale, "u1", peer("198.51.100.7"));
    await b.queueJoin(sale, "u2", peer("198.51.100.7"));
    await a.queueJoin(sale, "u3", peer("198.51.100.7"));
    expect429(await refusal(b.queueJoin(sale, "u4", peer("198.51.100.7"))), "queue_join_ip");
    expect429(await refusal(a.queueJoin(sale, "u4", peer("198.51.100.7"))), "queue_join_ip");
    // u4 was refused by address twice: both of its buyer points are still there.
    await a.queueJoin(sale, "u4", peer("198.51.100.8"));
    await a.queueJoin(sale, "u4", peer("198.51.100.9"));
    expect429(await refusal(a.queueJoin(sale, "u4", peer("198.51.100.10"))), "queue_join_buyer");
    // IPv6 counts by /64: another host of the same /64 shares the limit.
    for (const host of ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"])
      await a.queueJoin(sale, `v${host}`, peer(host));
    expect429(await refusal(a.queueJoin(sale, "v6", peer("2001:db8:1:2::ffff"))), "queue_join_ip");
    await a.queueJoin(sale, "v7", peer("2001:db8:1:3::1"));
  });

  it("the address is the trusted proxy's X-Forwarded-For hop; exempt addresses skip the address limit", async () => {
    const sale = `qj${rid()}`;
    const viaProxy = limits({ buyer: long(100), ip: long(1) }, { trustedProxies: ["127.0.0.1"] });
    await viaProxy.queueJoin(sale, "p1", peer("127.0.0.1", "192.0.2.1"));
    expect429(await refusal(viaProxy.queueJoin(sale, "p2", peer("127.0.0.1", "192.0.2.1"))), "queue_join_ip");
    await viaProxy.queueJoin(sale, "p3", peer("127.0.0.1", "192.0.2.2"));
    const exempt = limits(
      { buyer: long(100), ip: long(1) },
      {
        rateLimits: { ...cfg.admission.rateLimits, exemptIps: ["192.0.2.0/24"] },
      },
    );
    for (let i = 0; i < 5; i++) await exempt.queueJoin(sale, `e${i}`, peer("192.0.2.50"));
    expect(await redis.exists(`${cfg.redis.keyPrefix}rl:qji:${sale}|192.0.2.50`)).toBe(0);
  });

  it("a window's end lets the buyer in again (Retry-After is the rest of the window)", async () => {
    const sale = `qj${rid()}`;
    const l = limits({ buyer: { points: 1, durationSeconds: 1, blockSeconds: 0 }, ip: long(100) });
    await l.queueJoin(sale, "wes", peer("203.0.113.20"));
    expect429(await refusal(l.queueJoin(sale, "wes", peer("203.0.113.20"))), "queue_join_buyer", 1);
    await expect
      .poll(
        () =>
          l.queueJoin(sale, "wes", peer("203.0.113.20"))!.then(
            () => "in",
            () => "refused",
          ),
        {
          timeout: 15_000,
          interval: 200,
        },
      )
      .toBe("in");
  });

  it("with limits off, nothing is checked", () => {
    const off = limits({}, { rateLimits: { ...cfg.admission.rateLimits, enabled: false } });
    expect(off.queueJoin("s", "u", peer("203.0.113.1"))).toBeUndefined();
  });

  it("refusals are counted per limiter in the metrics; Redis, not the insurance, answered", async () => {
    const texts = (await Promise.all(registries.map((m) => m.text()))).join("\n");
    expect(texts).not.toMatch(/flashsale_rate_limiter_insurance_total\{limiter="queue_join_\w+"\} [1-9]/);
    expect(texts).toMatch(/flashsale_rate_limited_total\{limiter="queue_join_buyer"\} [1-9]/);
    expect(texts).toMatch(/flashsale_rate_limited_total\{limiter="queue_join_ip"\} [1-9]/);
  });
});

describe("waiting-room join limits when Redis does not answer", () => {
  it("the in-memory insurance limiter decides within redisTimeoutMs, with the same limit", async () => {
    const base = testConfig("standalone");
    const proxy = await new TcpProxy({ host: "127.0.0.1", port: Number(new URL(base.redis.url).port) }).start();
    let redis: RedisClient | undefined;
    try {
      redis = createRedis({ ...base.redis, url: `redis://127.0.0.1:${proxy.port}` });
      await redis.ping();
      const metrics = new Metrics();
      const rl = base.admission.rateLimits;
      const queueJoin = { buyer: long(2), ip: long(100), redisTimeoutMs: 150 };
      const limits = new RateLimits(
        { ...base.admission, rateLimits: { ...rl, exemptIps: [], queueJoin } },
        redis,
        base.redis.keyPrefix,
        metrics,
      );
      const from = { remoteIp: "203.0.113.77", forwardedFor: "" };
      proxy.setMode("blackhole");
      // Were the fallback missing, these would wait on the blackholed Redis and the test would time out.
      for (let i = 0; i < 2; i++) await limits.queueJoin("s", "ivy", from);
      const refused = await limits.queueJoin("s", "ivy", from)!.catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ApiError);
      expect((refused as ApiError).code).toBe("RATE_LIMITED");
      expect(await metrics.text()).toMatch(
        /flashsale_rate_limiter_insurance_total\{limiter="queue_join_buyer"\} [3-9]/,
      );
    } finally {
      proxy.setMode("reset");
      redis?.disconnect();
      await proxy.stop();
    }
  });
});

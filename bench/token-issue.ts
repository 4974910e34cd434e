import type { Redis } from "ioredis";
import { createRedis } from "../src/redis/client.js";
import type { TokenJob, TokenResult } from "./clients/token-caller.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, benchEnv, rid } from "./lib/config.js";
import { ask, compiledScript, LOAD_CORE, pinningAvailable, TsChild } from "./lib/proc.js";
import { dropPrefix } from "./lib/redis.js";

/**
 * Purchase tokens issued per second (issue 20, item 4): signed tokens (the in-memory issuance limiter and
 * PurchaseTokens.mint, no I/O, as POST /v1/sales/{saleId}/tokens issues them; mint alone, as a waiting
 * room's admission does, reported beside) against the Redis-backed issuance they replaced (the cluster-wide limiter in
 * Redis and the issue-token script: two round trips per token), both in one caller process from dist/,
 * pinned to the load core, a new buyer per token. Each side runs as the gateway runs it: the signed ones
 * synchronously (the route calls them without a promise), the Redis one `CONCURRENCY` in flight. The old path lives
 * only in the caller (bench/clients/token-caller.ts) as this baseline. Rounds go S M R S M R ...; each
 * side's best round is its figure. After every round the sale's token keys are counted: one per token on
 * the Redis side, none on the signed side (checked: the bench fails otherwise).
 *
 * This is the issuance step of POST /v1/sales/{saleId}/tokens, not the whole request: the JWT check, the
 * sale's window and HTTP cost both versions alike.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SIGNED_CALLS = 300_000;
const REDIS_CALLS = 30_000;
const CONCURRENCY = 64;
const SHARDS = 8;

/** The keys one round left under its sale's shards (token records and limiter keys), then dropped. */
async function sweepRound(redis: Redis, prefix: string, saleId: string): Promise<{ records: number; limiter: number }> {
  const scan = async (match: string): Promise<string[]> => {
    const out: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", match, "COUNT", 5000);
      cursor = next;
      out.push(...keys);
    } while (cursor !== "0");
    return out;
  };
  const records = await scan(`${prefix}{${saleId}:*}:tok:*`);
  const limiter = await scan(`${prefix}rl:tok:${saleId}|*`);
  for (let i = 0; i < records.length + limiter.length; i += 5000)
    await redis.unlink(...[...records, ...limiter].slice(i, i + 5000));
  return { records: records.length, limiter: limiter.length };
}

async function round(
  caller: TsChild,
  redis: Redis,
  prefix: string,
  mode: TokenJob["mode"],
  calls: number,
): Promise<Sample> {
  const job: TokenJob = {
    mode,
    saleId: `ti-${rid()}`,
    shards: SHARDS,
    calls,
    concurrency: CONCURRENCY,
    userPrefix: `u${rid(2)}-`,
  };
  const r = await ask<TokenResult, TokenJob & { cmd: string }>(caller, { cmd: mode, ...job }, 300_000);
  const left = await sweepRound(redis, prefix, job.saleId);
  // The Redis limiter falls back to memory past its 200 ms timeout (as it did), so its keys may be fewer.
  const ok =
    mode === "redis" ? left.records === calls && left.limiter <= calls : left.records === 0 && left.limiter === 0;
  if (!ok) throw new Error(`token-issue: a ${mode} round of ${calls} left ${JSON.stringify(left)} keys`);
  return {
    opsPerSec: r.opsPerSec,
    ops: r.calls,
    seconds: r.seconds,
    latencyMs: r.latencyMs,
    redisKeysPerToken: (left.records + left.limiter) / calls,
  };
}

export const tokenIssue: Benchmark = {
  name: "token-issue",
  description: "purchase tokens issued/s: signed (no I/O) ÷ Redis-backed (limiter in Redis + issue-token script)",
  target: 20,
  async run() {
    const env = benchEnv();
    const cfg = benchConfig(env);
    if (cfg.redis.mode !== "standalone") throw new Error("token-issue runs against standalone Redis");
    const redis = createRedis(cfg.redis) as Redis;
    const signed: Sample[] = [];
    const minted: Sample[] = [];
    const stored: Sample[] = [];
    let caller: TsChild | undefined;
    try {
      caller = new TsChild(compiledScript("bench/clients/token-caller.ts"), { core: LOAD_CORE, env });
      // JIT warm-up of both paths, not counted.
      await round(caller, redis, cfg.redis.keyPrefix, "signed", 20_000);
      await round(caller, redis, cfg.redis.keyPrefix, "mint", 20_000);
      await round(caller, redis, cfg.redis.keyPrefix, "redis", 5_000);
      for (let i = 0; i < ROUNDS; i++) {
        signed.push(await round(caller, redis, cfg.redis.keyPrefix, "signed", SIGNED_CALLS));
        minted.push(await round(caller, redis, cfg.redis.keyPrefix, "mint", SIGNED_CALLS));
        stored.push(await round(caller, redis, cfg.redis.keyPrefix, "redis", REDIS_CALLS));
      }
    } finally {
      await caller?.stop();
      await dropPrefix(redis, cfg.redis.keyPrefix);
      redis.disconnect();
    }
    const candidate = side("signed (memory limiter + mint)", signed);
    const baseline = side("Redis-stored (limiter + issue-token, 2 round trips)", stored);
    const mintOnly = side("mint alone (admission)", minted);
    return {
      unit: "tokens/s",
      candidate,
      baseline,
      references: [mintOnly],
      extraRatios: {
        "mint alone ÷ Redis-stored": mintOnly.opsPerSec / baseline.opsPerSec,
        "mint alone ÷ Redis-stored, median": mintOnly.medianOpsPerSec / baseline.medianOpsPerSec,
      },
      details: {
        rounds: ROUNDS,
        calls: { signed: SIGNED_CALLS, redis: REDIS_CALLS },
        concurrency: { signed: "synchronous, as the route calls it", redis: CONCURRENCY },
        shards: SHARDS,
        redisKeysPerToken: { signed: 0, redis: 2 },
        tokenIssueLimit: cfg.admission.rateLimits.tokenIssue,
        pinned: pinningAvailable() ? { caller: LOAD_CORE, redis: "not pinned (shared server)" } : false,
        scope:
          "the issuance step of POST /v1/sales/{saleId}/tokens (limiter + token); JWT, sale window and HTTP excluded",
      },
    };
  },
};

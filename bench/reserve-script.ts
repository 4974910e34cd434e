import { execFile } from "node:child_process";
import type { Redis } from "ioredis";
import type { Config } from "../src/config/schema.js";
import { createRedis, type RedisClient } from "../src/redis/client.js";
import { Keys, type ShardKeys } from "../src/redis/keys.js";
import { loadScripts } from "../src/redis/script-loader.js";
import { ReservationService } from "../src/reservation/reservation-service.js";
import { SoldOutCache } from "../src/reservation/sold-out-cache.js";
import type { CallerJob, CallerResult } from "./clients/reserve-caller.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, benchEnv, rid } from "./lib/config.js";
import { compiledScript, cpuSeconds, LOAD_CORE, pinned, pinningAvailable, TsChild } from "./lib/proc.js";
import { dropPrefix } from "./lib/redis.js";
import { BENCH_USER, benchSale, UNLIMITED } from "./lib/reserve-work.js";

/**
 * The reserve script through the gateway's Redis layer (ReservationService.reserve on one ioredis
 * connection, 64 callers) against redis-benchmark sending the same EVALSHA unpipelined from 50 connections
 * (the ratio), and, reported beside it, the same redis-benchmark run pipelined (-P 16): the gateway keeps up
 * to 64 calls in flight on its one connection, so -P 16 is the closer match for how its calls reach Redis.
 *
 * Same work per call on both sides: every call is a real reservation attempt on a fresh shard with
 * effectively unlimited stock and per-buyer limit, with a token drawn uniformly from a pool of POOL_FACTOR×
 * calls pre-issued tokens (redis-benchmark can only draw at random, via __rand_int__, so the gateway side
 * draws the same way). About 94% of calls consume a fresh token and write the full reservation; the rest
 * land on an already used token and take the replay answer, in the same share on both sides (reported).
 * The replay path alone would be cheaper but is not what a sale spends its Redis time on.
 *
 * redis-benchmark's command line is what ReservationService.reserve sends, recorded from a stand-in client,
 * with __rand_int__ where the gateway puts the token and order id: it follows the script's arguments as
 * they change.
 *
 * Both clients run pinned to the load core; Redis is the one redis.url names (shared, not
 * ours to pin). Rounds go G R P G R P ... (P: redis-benchmark -P 16), each on a fresh shard, settled and
 * checked alike; each side's best round is its figure.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CALLS = 80_000;
const POOL_FACTOR = 8;
const GATEWAY_CONCURRENCY = 64;
const REDIS_BENCHMARK_CLIENTS = 50;
/** Pipeline depth of the reported, not headline, redis-benchmark run (the headline one is -P 1). */
export const PIPELINE = 16;

/**
 * Bench set-up only: issues or deletes tokens `<base><12 digits>` for i in [from, to) server-side, since a
 * million round trips would take longer than the benchmark. Builds key names inside Lua, which only a
 * standalone Redis allows; the gateway's own scripts in lua/ never do.
 */
const POOL_LUA = `
local base, from, to, user, ttl = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], ARGV[5]
for i = from, to - 1 do
  local k = base .. string.format('%012d', i)
  if user == '' then redis.call('UNLINK', k) else redis.call('HSET', k, 'u', user); redis.call('PEXPIRE', k, ttl) end
end
return to - from`;
const POOL_CHUNK = 20_000;

async function pool(redis: Redis, base: string, size: number, user: string): Promise<void> {
  // Chunks keep each call to a few milliseconds: this Redis is shared with other work.
  for (let from = 0; from < size; from += POOL_CHUNK) {
    await redis.eval(POOL_LUA, 0, base, from, Math.min(size, from + POOL_CHUNK), user, 600_000);
  }
}

interface ShardRun {
  saleId: string;
  tag: string;
  k: ShardKeys;
}

async function freshShard(redis: Redis, keys: Keys): Promise<ShardRun> {
  const saleId = `rs-${rid()}`;
  const tag = rid(2);
  const k = keys.shard(saleId, 0);
  await redis.set(k.stock, String(UNLIMITED), "PX", 600_000);
  await pool(redis, k.token(`${tag}:`), POOL_FACTOR * CALLS, BENCH_USER);
  return { saleId, tag, k };
}

/** Counts what the run reserved (fresh tokens) and checks the ledger agrees, then drops the shard. */
async function settle(redis: Redis, run: ShardRun): Promise<{ fresh: number }> {
  const fresh = Number((await redis.hget(run.k.buyers, BENCH_USER)) ?? 0);
  // Reservations only: the ledger also holds a tombstone for every replayed call's order id.
  const ledger = await redis.zcard(run.k.open);
  if (ledger !== fresh) throw new Error(`reserve-script: ${fresh} reservations counted but ${ledger} in the ledger`);
  await pool(redis, run.k.token(`${run.tag}:`), POOL_FACTOR * CALLS, "");
  await redis.unlink(run.k.stock, run.k.buyers, run.k.res, run.k.open);
  return { fresh };
}

/**
 * Redis's CPU seconds so far; per call over a run it shows whether Redis was the bottleneck (the server is
 * shared, so other clients' work is in it too).
 */
async function redisCpu(redis: Redis): Promise<number> {
  const info = await redis.info("cpu");
  const get = (f: string) => Number(new RegExp(`${f}:([0-9.]+)`).exec(info)?.[1] ?? NaN);
  return get("used_cpu_user") + get("used_cpu_sys");
}

/**
 * Keys then arguments of the script call ReservationService.reserve makes for this token and order id,
 * captured by a stand-in client whose every method records its arguments and answers INVALID_TOKEN.
 */
async function gatewayCall(cfg: Config, keys: Keys, saleId: string, token: string, orderId: string): Promise<string[]> {
  let seen: unknown[] | undefined;
  const recorder = (...args: unknown[]) => {
    seen = args;
    return Promise.resolve([-1, "", 0]);
  };
  const stub = new Proxy({}, { get: () => recorder }) as unknown as RedisClient;
  const service = new ReservationService(stub, keys, new SoldOutCache({ max: 10, ttlMs: 1000 }), {
    replaySeconds: cfg.tokens.replaySeconds,
    chunkRatio: cfg.stock.transferChunkRatio,
  });
  await service.reserve({ sale: benchSale(saleId), userId: BENCH_USER, token, quantity: 1, orderId });
  if (!seen) throw new Error("reserve-script: could not record the gateway's reserve call");
  return seen.map(String);
}

function redisBenchmark(args: string[]): Promise<{ rps: number; p50: number; p99: number; max: number }> {
  const [cmd, argv] = pinned(LOAD_CORE, "redis-benchmark", args);
  return new Promise((done, fail) => {
    execFile(cmd, argv, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`redis-benchmark failed: ${err.message} ${stderr}`));
      // --csv: a header, then "<command>","rps","avg","min","p50","p95","p99","max" (ms); read from the end,
      // as the command text comes first.
      const n = stdout
        .trim()
        .split("\n")
        .pop()!
        .split(",")
        .slice(-7)
        .map((c) => Number(c.replace(/"/g, "")));
      if (n.length < 7 || !n.every(Number.isFinite))
        return fail(new Error(`redis-benchmark: unexpected output ${stdout}`));
      const [rps, , , p50, , p99, max] = n as [number, number, number, number, number, number, number];
      done({ rps, p50, p99, max });
    });
  });
}

/** The loaded reserve script and what a redis-benchmark round needs to call it as the gateway does. */
export interface ScriptTarget {
  cfg: Config;
  redis: Redis;
  keys: Keys;
  sha: string;
  numberOfKeys: number;
}

/** The reserve script loaded into the Redis `redis` is connected to (the one cfg.redis.url names). */
export async function scriptTarget(cfg: Config, redis: Redis): Promise<ScriptTarget> {
  const keys = new Keys(cfg.redis.keyPrefix);
  const { lua, numberOfKeys } = loadScripts().get("reserve")!;
  const sha = (await redis.script("LOAD", lua)) as string;
  return { cfg, redis, keys, sha, numberOfKeys };
}

/**
 * One redis-benchmark run of the gateway's call at pipeline depth `depth`, on a fresh shard, settled; its
 * `redisCpuPerCallUs` is the cost model's Redis floor per reservation at -P 16 (bench/cost.ts).
 */
export async function redisBenchmarkRound(
  { cfg, redis, keys, sha, numberOfKeys }: ScriptTarget,
  depth: number,
): Promise<Sample> {
  const run = await freshShard(redis, keys);
  // Two placeholders make the order id space pool² wide: no ORDER_ID_TAKEN by chance.
  const call = await gatewayCall(
    cfg,
    keys,
    run.saleId,
    `${run.tag}:__rand_int__`,
    `${run.saleId}.0.__rand_int____rand_int__`,
  );
  const args = [
    "-u",
    cfg.redis.url,
    "-n",
    String(CALLS),
    "-c",
    String(REDIS_BENCHMARK_CLIENTS),
    "-r",
    String(POOL_FACTOR * CALLS),
    ...(depth > 1 ? ["-P", String(depth)] : []),
    "--csv",
    "EVALSHA",
    sha,
    String(numberOfKeys),
    ...call,
  ];
  const cpu0 = await redisCpu(redis);
  const t0 = process.hrtime.bigint();
  const r = await redisBenchmark(args);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const redisCpuPerCallUs = (((await redisCpu(redis)) - cpu0) * 1e6) / CALLS;
  const { fresh } = await settle(redis, run);
  return {
    opsPerSec: r.rps,
    ops: CALLS,
    seconds,
    latencyMs: { p50: r.p50, p90: NaN, p99: r.p99, max: r.max },
    freshShare: fresh / CALLS,
    redisCpuPerCallUs,
    pipeline: depth,
  };
}

export const reserveScript: Benchmark = {
  name: "reserve-script",
  description:
    "reserve-5.lua, gateway Redis layer calls/s ÷ redis-benchmark EVALSHA calls/s (unpipelined; ÷ -P 16 reported beside)",
  target: 0.5,
  async run() {
    const env = benchEnv();
    const cfg = benchConfig(env);
    if (cfg.redis.mode !== "standalone") throw new Error("reserve-script runs against standalone Redis");
    const redis = createRedis(cfg.redis) as Redis;
    const script = await scriptTarget(cfg, redis);
    const { keys, sha } = script;
    let caller: TsChild | undefined;
    const gateway: Sample[] = [];
    const bench: Sample[] = [];
    const pipelined: Sample[] = [];
    try {
      caller = new TsChild(compiledScript("bench/clients/reserve-caller.ts"), { core: LOAD_CORE, env });
      for (let round = 0; round < ROUNDS; round++) {
        gateway.push(await gatewayRound(caller, redis, keys, round));
        bench.push(await redisBenchmarkRound(script, 1));
        pipelined.push(await redisBenchmarkRound(script, PIPELINE));
      }
    } finally {
      await caller?.stop();
      await dropPrefix(redis, cfg.redis.keyPrefix);
      redis.disconnect();
    }
    const candidate = side("gateway (ioredis, 1 connection)", gateway);
    const p16 = side(`redis-benchmark -P ${PIPELINE}`, pipelined);
    return {
      unit: "calls/s",
      candidate,
      baseline: side("redis-benchmark", bench),
      references: [p16],
      extraRatios: {
        [`÷ -P ${PIPELINE}`]: candidate.opsPerSec / p16.opsPerSec,
        [`÷ -P ${PIPELINE} median`]: candidate.medianOpsPerSec / p16.medianOpsPerSec,
      },
      details: {
        calls: CALLS,
        rounds: ROUNDS,
        tokenPool: POOL_FACTOR * CALLS,
        gatewayConcurrency: GATEWAY_CONCURRENCY,
        redisBenchmarkClients: REDIS_BENCHMARK_CLIENTS,
        pipelining: { baseline: 1, reference: PIPELINE },
        scriptSha: sha,
        pinned: pinningAvailable() ? { clients: LOAD_CORE, redis: "not pinned (shared server)" } : false,
      },
    };
  },
};

/** One round of the gateway's own call, from the caller process on a fresh shard; every outcome checked against the ledger. */
async function gatewayRound(caller: TsChild, redis: Redis, keys: Keys, round: number): Promise<Sample> {
  const run = await freshShard(redis, keys);
  caller.send({
    saleId: run.saleId,
    tag: run.tag,
    pool: POOL_FACTOR * CALLS,
    calls: CALLS,
    concurrency: GATEWAY_CONCURRENCY,
    warmupSeconds: round === 0 ? 2 : 0.5,
  } satisfies CallerJob);
  await caller.next<{ phase: string }>();
  const cpu0 = await redisCpu(redis);
  const callerCpu0 = cpuSeconds(caller.pid);
  const r = await caller.next<CallerResult>();
  const redisCpuPerCallUs = (((await redisCpu(redis)) - cpu0) * 1e6) / r.calls;
  const clientCpuPerCallUs = ((cpuSeconds(caller.pid) - callerCpu0) * 1e6) / r.calls;
  const { fresh } = await settle(redis, run);
  const unexpected = Object.keys(r.outcomes).filter((k) => k !== "reserved" && k !== "replayed");
  if (unexpected.length > 0 || r.outcomes.reserved !== fresh) {
    throw new Error(`reserve-script: gateway outcomes ${JSON.stringify(r.outcomes)}, ledger ${fresh}`);
  }
  return {
    opsPerSec: r.opsPerSec,
    ops: r.calls,
    seconds: r.seconds,
    latencyMs: r.latencyMs,
    freshShare: fresh / r.calls,
    redisCpuPerCallUs,
    clientCpuPerCallUs,
  };
}

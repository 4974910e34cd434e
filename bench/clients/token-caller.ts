import { createHmac, randomBytes } from "node:crypto";
import { RateLimiterMemory, RateLimiterRedis, RLWrapperTimeouts } from "rate-limiter-flexible";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { RateLimits } from "../../src/admission/rate-limits.js";
import { loadConfig } from "../../src/config/load.js";
import { purchaseTokenKeys } from "../../src/config/schema.js";
import { Metrics } from "../../src/observability/metrics.js";
import { createRedis } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { LatencyRecorder } from "../lib/stats.js";
import { reply, stdinMessages } from "../lib/proc.js";
import { eachIndex } from "../lib/reserve-work.js";

/**
 * token-issue's caller, in its own process (pinned by the parent): the issuance step of
 * POST /v1/sales/{saleId}/tokens, after the JWT and the sale's window, as each version does it.
 *
 * - `signed`: the gateway's issuance limiter (RateLimits.tokenIssue with admission.rateLimits.tokenIssue,
 *   switched on whatever rateLimits.enabled says, so the figure always includes it) and PurchaseTokens.mint,
 *   no I/O.
 * - `mint`: PurchaseTokens.mint alone, what a waiting room's admission pays per token.
 * - `redis`: the path before signed tokens, kept here only as the baseline: the cluster-wide issuance limiter
 *   (RateLimiterRedis in RLWrapperTimeouts, as rate-limits.ts had it) and the `issue-token` script (its text
 *   below, as lua/issue-token-1.lua was), two Redis round trips on the gateway's one ioredis connection,
 *   `concurrency` in flight.
 *
 * Every token is a new buyer's (no 429 on either side). Config comes from FLASHSALE__* like the gateway's.
 */
export interface TokenJob {
  mode: "signed" | "mint" | "redis";
  saleId: string;
  shards: number;
  calls: number;
  concurrency: number;
  /** Buyer ids `<prefix><i>`, fresh each round. */
  userPrefix: string;
}

export interface TokenResult {
  calls: number;
  seconds: number;
  opsPerSec: number;
  latencyMs: ReturnType<LatencyRecorder["percentiles"]>;
}

/** lua/issue-token-1.lua as it was when tokens were stored (Reply: 1 stored, -10 exists). */
const LEGACY_ISSUE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then
  return -10
end
redis.call('HSET', KEYS[1], 'u', ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1`;

/** The token as it was: 12 random bytes and a 12-byte HMAC over (sale, buyer, random), base64url. */
function legacyMint(key: Buffer, saleId: string, userId: string): string {
  const nonce = randomBytes(12);
  const mac = createHmac("sha256", key).update(saleId).update("\0").update(userId).update("\0").update(nonce);
  return Buffer.concat([nonce, mac.digest().subarray(0, 12)]).toString("base64url");
}

const cfg = loadConfig();
const redis = createRedis(cfg.redis);
redis.defineCommand("fsLegacyIssueToken", { numberOfKeys: 1, lua: LEGACY_ISSUE_LUA });
const keys = new Keys(cfg.redis.keyPrefix);
const t = cfg.admission.rateLimits.tokenIssue;
const limiterOpts = { points: t.points, duration: t.durationSeconds, blockDuration: t.blockSeconds };
const signed = {
  tokens: new PurchaseTokens(purchaseTokenKeys(cfg.auth)),
  limits: new RateLimits(
    { ...cfg.admission, rateLimits: { ...cfg.admission.rateLimits, enabled: true } },
    new Metrics(),
  ),
};
const legacy = {
  key: createHmac("sha256", cfg.auth.userJwtSecret).update("flashsale purchase token v1").digest(),
  limiter: new RLWrapperTimeouts({
    limiter: new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${cfg.redis.keyPrefix}rl:tok`,
      rejectIfRedisNotReady: true,
      inMemoryBlockOnConsumed: t.points + 1,
      ...limiterOpts,
    }),
    insuranceLimiter: new RateLimiterMemory({ keyPrefix: "", ...limiterOpts }),
    timeoutMs: 200,
  }),
};

type LegacyRedis = typeof redis & {
  fsLegacyIssueToken(key: string, userId: string, expiresAt: number): Promise<number>;
};

function issueSigned(job: TokenJob, userId: string, expiresAt: number): string {
  signed.limits.tokenIssue(job.saleId, userId);
  return signed.tokens.mint(job.saleId, userId, expiresAt);
}

function mintOnly(job: TokenJob, userId: string, expiresAt: number): string {
  return signed.tokens.mint(job.saleId, userId, expiresAt);
}

async function issueLegacy(job: TokenJob, userId: string, expiresAt: number): Promise<string> {
  await legacy.limiter.consume(`${job.saleId}|${userId}`);
  const token = legacyMint(legacy.key, job.saleId, userId);
  const k = keys.shard(job.saleId, homeShard(userId, job.shards));
  const got = await (redis as LegacyRedis).fsLegacyIssueToken(k.token(token), userId, expiresAt);
  if (got !== 1) throw new Error(`token-caller: issue-token answered ${got}`);
  return token;
}

/**
 * The signed sides as the gateway calls them (routes/buyer.ts): synchronously, one after another, no promise
 * per token (there is nothing to wait for, so `concurrency` does not apply); each call timed.
 */
function runSync(job: TokenJob, issue: (job: TokenJob, userId: string, expiresAt: number) => string): TokenResult {
  const expiresAt = Date.now() + cfg.tokens.ttlSeconds * 1000;
  const lat = new LatencyRecorder();
  const t0 = performance.now();
  for (let i = 0; i < job.calls; i++) {
    const start = performance.now();
    issue(job, `${job.userPrefix}${i}`, expiresAt);
    lat.recordMs(performance.now() - start);
  }
  const seconds = (performance.now() - t0) / 1000;
  return { calls: job.calls, seconds, opsPerSec: job.calls / seconds, latencyMs: lat.percentiles() };
}

/** The Redis-backed side: two round trips per token, `concurrency` in flight on the one connection. */
async function runRedis(job: TokenJob): Promise<TokenResult> {
  const expiresAt = Date.now() + cfg.tokens.ttlSeconds * 1000;
  const lat = new LatencyRecorder();
  const t0 = process.hrtime.bigint();
  await eachIndex(job.calls, job.concurrency, async (i) => {
    const start = process.hrtime.bigint();
    await issueLegacy(job, `${job.userPrefix}${i}`, expiresAt);
    lat.recordNs(process.hrtime.bigint() - start);
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { calls: job.calls, seconds, opsPerSec: job.calls / seconds, latencyMs: lat.percentiles() };
}

function run(job: TokenJob): Promise<TokenResult> {
  if (job.mode === "redis") return runRedis(job);
  return Promise.resolve(runSync(job, job.mode === "signed" ? issueSigned : mintOnly));
}

let queue = Promise.resolve();
stdinMessages((job: TokenJob) => {
  queue = queue.then(() => run(job).then(reply, (e: unknown) => reply({ error: String(e) })));
});
process.on("SIGTERM", () => {
  redis.disconnect();
  process.exit(0);
});

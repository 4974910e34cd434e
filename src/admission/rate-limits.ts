import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  RLWrapperTimeouts,
  type RateLimiterAbstract,
} from "rate-limiter-flexible";
import type { Config } from "../config/schema.js";
import { ApiError } from "../errors.js";
import type { Cell, Metrics } from "../observability/metrics.js";
import type { RedisClient } from "../redis/client.js";
import { AddressSet, ClientIpResolver, rateLimitKey } from "./client-ip.js";
import { FixedWindowLimiter } from "./fixed-window-limiter.js";

type LimiterConfig = Config["admission"]["rateLimits"]["ip"];
export type LimiterName = "ip" | "buyer" | "sale" | "token_issue" | "queue_join_buyer" | "queue_join_ip";
/** The limiters behind a promise (rate-limiter-flexible); token issuance is counted synchronously. */
type GateName = Exclude<LimiterName, "token_issue">;

const NOOP = () => {};
/** Resolved client keys kept (a pure function of peer and X-Forwarded-For); the map is emptied when full. */
const MAX_CACHED_ADDRESSES = 50_000;

/** The in-memory limiter standing in for a Redis-backed one while Redis is sick; counts how often it does. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    opts: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly used: Cell,
  ) {
    super(opts);
  }

  override consume(
    key: string | number,
    points?: number,
    options?: { [key: string]: unknown },
  ): Promise<RateLimiterRes> {
    this.used.n++;
    return super.consume(key, points, options);
  }
}

/** One limiter as the request path sees it: consume a point or fail with 429 RATE_LIMITED and Retry-After. */
class Gate {
  private readonly limited: Cell;
  private readonly failedOpen: Cell;

  constructor(
    readonly name: LimiterName,
    private readonly limiter: RateLimiterAbstract,
    metrics: { limited: Cell; failedOpen: Cell },
  ) {
    this.limited = metrics.limited;
    this.failedOpen = metrics.failedOpen;
  }

  consume(key: string): Promise<void> {
    return this.limiter.consume(key).then(NOOP, this.reject);
  }

  private readonly reject = (r: unknown): void => {
    if (r instanceof RateLimiterRes) {
      this.limited.n++;
      throw rateLimited(this.name, r.msBeforeNext);
    }
    // The limiter itself failed (Redis and its insurance both): a broken limiter must not refuse buyers.
    this.failedOpen.n++;
  };
}

/** 429 RATE_LIMITED naming the limiter, with Retry-After: the seconds until it frees a point (at least 1). */
function rateLimited(name: LimiterName, msBeforeNext: number): ApiError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ApiError("RATE_LIMITED", `too many requests (${name} limit); retry after ${seconds} s`, {
    "retry-after": String(seconds),
  });
}

function memoryLimiter(cfg: LimiterConfig): RateLimiterMemory {
  // No key prefix: each limiter has its own store, and the prefix would cost a string concat per request.
  return new RateLimiterMemory({
    keyPrefix: "",
    points: cfg.points,
    duration: cfg.durationSeconds,
    blockDuration: cfg.blockSeconds,
  });
}

/**
 * A limiter kept in Redis, cluster-wide, with an in-memory insurance limiter of the same settings that
 * decides when Redis errs or takes longer than timeoutMs (a stuck call would hold the request).
 */
function redisLimiter(
  o: { redis: RedisClient; keyPrefix: string; cfg: LimiterConfig; timeoutMs: number },
  insuranceUsed: Cell,
): RateLimiterAbstract {
  const { points, durationSeconds: duration, blockSeconds: blockDuration } = o.cfg;
  const insurance = new InsuranceLimiter({ keyPrefix: "", points, duration, blockDuration }, insuranceUsed);
  const limiter = new RateLimiterRedis({
    storeClient: o.redis,
    keyPrefix: o.keyPrefix,
    points,
    duration,
    blockDuration,
    rejectIfRedisNotReady: true,
    // Once over the limit, the rest of the window is answered from memory, without Redis.
    inMemoryBlockOnConsumed: points + 1,
    // No insurance of its own: the wrapper below falls back on errors and on timeouts alike, and a
    // second fallback here (when a timed-out call fails later) would take the point twice.
  });
  return new RLWrapperTimeouts({ limiter, insuranceLimiter: insurance, timeoutMs: o.timeoutMs });
}

/**
 * The gateway's rate limits (docs/admission.md). Per client IP, per buyer, per sale (RateLimiterMemory) and
 * token issuance per buyer and sale (FixedWindowLimiter, the same counting without a promise) are local to
 * the process: the hot path never pays a Redis round trip for them, and the limits are per process (a
 * signed token costs no Redis record, and the reserve script holds the per-buyer limit). Waiting-room joins per buyer and per address are kept in Redis, cluster-wide, since a buyer (or a bot farm behind one address) could otherwise spread
 * its attempts over every gateway; when Redis is slow or down, an in-memory insurance limiter with the
 * same settings answers instead. Each check returns undefined when no limit applies, so a
 * disabled limiter costs nothing, not even a promise.
 */
export class RateLimits {
  private readonly gates: Record<GateName, Gate> | null;
  private readonly tokenGate: { limiter: FixedWindowLimiter; limited: Cell } | null = null;
  private readonly clientIp: ClientIpResolver;
  private readonly exempt: AddressSet;
  /** (peer, X-Forwarded-For) → the limiter key, or null when exempt: parsing them costs more than the limiter. */
  private readonly clientKeys = new Map<string, string | null>();

  constructor(cfg: Config["admission"], redis: RedisClient, redisKeyPrefix: string, metrics: Metrics) {
    const rl = cfg.rateLimits;
    this.clientIp = new ClientIpResolver(cfg.trustedProxies);
    this.exempt = new AddressSet(rl.exemptIps);
    const limited = metrics.counter("flashsale_rate_limited_total", "Requests refused with 429 by limiter", [
      "limiter",
    ]);
    const failedOpen = metrics.counter(
      "flashsale_rate_limiter_errors_total",
      "Limiter failures let through (fail open) by limiter",
      ["limiter"],
    );
    const insurance = metrics.counter(
      "flashsale_rate_limiter_insurance_total",
      "Checks answered by the in-memory insurance limiter while Redis was sick",
      ["limiter"],
    );
    const cells = (name: LimiterName) => ({
      limited: limited.cell({ limiter: name }),
      failedOpen: failedOpen.cell({ limiter: name }),
    });
    if (!rl.enabled) {
      this.gates = null;
      return;
    }
    const redisGate = (name: LimiterName, cfg: LimiterConfig, keyPrefix: string, timeoutMs: number) =>
      new Gate(
        name,
        redisLimiter(
          { redis, keyPrefix: `${redisKeyPrefix}${keyPrefix}`, cfg, timeoutMs },
          insurance.cell({ limiter: name }),
        ),
        cells(name),
      );
    // In memory: a signed purchase token costs no Redis record, and the reserve script holds the sale's
    // per-buyer limit whatever tokens a buyer collects from several gateways.
    this.tokenGate = { limiter: new FixedWindowLimiter(rl.tokenIssue), limited: cells("token_issue").limited };
    const q = rl.queueJoin;
    this.gates = {
      ip: new Gate("ip", memoryLimiter(rl.ip), cells("ip")),
      buyer: new Gate("buyer", memoryLimiter(rl.buyer), cells("buyer")),
      sale: new Gate("sale", memoryLimiter(rl.sale), cells("sale")),
      queue_join_buyer: redisGate("queue_join_buyer", q.buyer, "rl:qjb", q.redisTimeoutMs),
      queue_join_ip: redisGate("queue_join_ip", q.ip, "rl:qji", q.redisTimeoutMs),
    };
  }

  /** Per client address (IPv6 by /64; see ClientIpResolver for when X-Forwarded-For is believed); exempt addresses are not limited. */
  ip(remoteIp: string, forwardedFor: string): Promise<void> | undefined {
    if (!this.gates) return undefined;
    const key = this.clientKey(remoteIp, forwardedFor);
    return key === null ? undefined : this.gates.ip.consume(key);
  }

  /** ip() for a request; its peer address is read only when limits are on (reading it costs a syscall). */
  ipOf(req: { readonly remoteIp: string; readonly forwardedFor: string }): Promise<void> | undefined {
    return this.gates ? this.ip(req.remoteIp, req.forwardedFor) : undefined;
  }

  private clientKey(remoteIp: string, forwardedFor: string): string | null {
    const cacheKey = forwardedFor.length === 0 ? remoteIp : `${remoteIp}\n${forwardedFor}`;
    let key = this.clientKeys.get(cacheKey);
    if (key === undefined) {
      const ip = this.clientIp.resolve(remoteIp, forwardedFor);
      key = this.exempt.has(ip) ? null : rateLimitKey(ip);
      if (this.clientKeys.size >= MAX_CACHED_ADDRESSES) this.clientKeys.clear();
      this.clientKeys.set(cacheKey, key);
    }
    return key;
  }

  /** Per authenticated buyer, over every buyer endpoint. */
  buyer(userId: string): Promise<void> | undefined {
    return this.gates?.buyer.consume(userId);
  }

  /** Per sale: order attempts that would reach Redis (the sold-out flag's answers are not counted). */
  sale(saleId: string): Promise<void> | undefined {
    return this.gates?.sale.consume(saleId);
  }

  /**
   * A waiting-room join (`POST /v1/sales/{saleId}/queue`), cluster-wide through Redis: per client address
   * and sale first (exempt addresses skip it), then per buyer and sale; a refusal by the first takes no
   * point from the second. Call it before the proof is checked, so a flood of bad proofs is limited too.
   */
  queueJoin(
    saleId: string,
    userId: string,
    req: { readonly remoteIp: string; readonly forwardedFor: string },
  ): Promise<void> | undefined {
    const gates = this.gates;
    if (!gates) return undefined;
    const address = this.clientKey(req.remoteIp, req.forwardedFor);
    // Sale ids never contain '|', so the keys are unambiguous.
    const buyer = () => gates.queue_join_buyer.consume(`${saleId}|${userId}`);
    return address === null ? buyer() : gates.queue_join_ip.consume(`${saleId}|${address}`).then(buyer);
  }

  /**
   * Purchase tokens per buyer and sale, in this process (issuing a signed token writes nothing): returns
   * when within the limit, throws 429 RATE_LIMITED when not. Synchronous: a promise per token would cost
   * as much as the count.
   */
  tokenIssue(saleId: string, userId: string): void {
    const gate = this.tokenGate;
    if (!gate) return;
    const msBeforeNext = gate.limiter.consume(saleId, userId);
    if (msBeforeNext > 0) {
      gate.limited.n++;
      throw rateLimited("token_issue", msBeforeNext);
    }
  }
}

import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config } from "../config/schema.js";
import { ApiError } from "../errors.js";
import type { Cell, Metrics } from "../observability/metrics.js";
import { AddressSet, ClientIpResolver, rateLimitKey } from "./client-ip.js";

type LimiterConfig = Config["admission"]["rateLimits"]["ip"];
export type LimiterName = "ip" | "buyer" | "sale" | "token_issue";

const NOOP = () => {};
/** Resolved client keys kept (a pure function of peer and X-Forwarded-For); the map is emptied when full. */
const MAX_CACHED_ADDRESSES = 50_000;

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
      const seconds = Math.max(1, Math.ceil(r.msBeforeNext / 1000));
      throw new ApiError("RATE_LIMITED", `too many requests (${this.name} limit); retry after ${seconds} s`, {
        "retry-after": String(seconds),
      });
    }
    // The limiter itself failed: a broken limiter must not refuse buyers.
    this.failedOpen.n++;
  };
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
 * The gateway's rate limits (docs/admission.md). Per client IP, per buyer, per sale and token issuance per
 * buyer and sale are local to the process (RateLimiterMemory): no request pays a Redis round trip for them,
 * and the limits are per process. (Token issuance was limited in Redis, cluster-wide, while each token cost a
 * Redis record; a signed token costs none, and whatever a buyer's tokens, the per-buyer limit of the sale
 * holds in the reserve script.) Each check returns undefined when no limit applies, so a disabled limiter
 * costs nothing, not even a promise.
 */
export class RateLimits {
  private readonly gates: Record<LimiterName, Gate> | null;
  private readonly clientIp: ClientIpResolver;
  private readonly exempt: AddressSet;
  /** (peer, X-Forwarded-For) → the limiter key, or null when exempt: parsing them costs more than the limiter. */
  private readonly clientKeys = new Map<string, string | null>();

  constructor(cfg: Config["admission"], metrics: Metrics) {
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
    const cells = (name: LimiterName) => ({
      limited: limited.cell({ limiter: name }),
      failedOpen: failedOpen.cell({ limiter: name }),
    });
    if (!rl.enabled) {
      this.gates = null;
      return;
    }
    this.gates = {
      ip: new Gate("ip", memoryLimiter(rl.ip), cells("ip")),
      buyer: new Gate("buyer", memoryLimiter(rl.buyer), cells("buyer")),
      sale: new Gate("sale", memoryLimiter(rl.sale), cells("sale")),
      token_issue: new Gate("token_issue", memoryLimiter(rl.tokenIssue), cells("token_issue")),
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

  /** Purchase tokens per buyer and sale, in this process. */
  tokenIssue(saleId: string, userId: string): Promise<void> | undefined {
    // Sale ids never contain '|', so the key is unambiguous.
    return this.gates?.token_issue.consume(`${saleId}|${userId}`);
  }
}

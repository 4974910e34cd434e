import type { Config } from "../config/schema.js";
import { ApiError } from "../errors.js";
import type { Cell, Metrics } from "../observability/metrics.js";
import { AddressSet, ClientIpResolver, rateLimitKey } from "./client-ip.js";
import { FixedWindowLimiter } from "./fixed-window-limiter.js";

type LimiterConfig = Config["admission"]["rateLimits"]["ip"];
export type LimiterName = "ip" | "buyer" | "sale" | "token_issue" | "queue_join_buyer" | "queue_join_ip";
/** The limiters of the request path, counted synchronously in memory; joins are counted in Redis. */
type GateName = Exclude<LimiterName, "token_issue" | "queue_join_buyer" | "queue_join_ip">;

/** Resolved client keys kept (a pure function of peer and X-Forwarded-For); the map is emptied when full. */
const MAX_CACHED_ADDRESSES = 50_000;

/** A fixed window as the join script counts it: points per window, then refused (for blockMs when set). */
export interface JoinWindow {
  points: number;
  windowMs: number;
  blockMs: number;
}

/** What the join script counts an attempt against: the buyer's window, and the address's unless exempt. */
export interface JoinLimits {
  buyer: JoinWindow;
  /** The client address's limiter key (IPv6 by /64) and its window; null for an exempt address. */
  address: { key: string; window: JoinWindow } | null;
}

function joinWindow(cfg: LimiterConfig): JoinWindow {
  return { points: cfg.points, windowMs: cfg.durationSeconds * 1000, blockMs: cfg.blockSeconds * 1000 };
}

function refusal(name: LimiterName, msBeforeNext: number): ApiError {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  return new ApiError("RATE_LIMITED", `too many requests (${name} limit); retry after ${seconds} s`, {
    "retry-after": String(seconds),
  });
}

/** One limiter as the request path sees it: take a point, or 429 RATE_LIMITED with Retry-After. */
class Gate {
  private readonly limited: Cell;

  constructor(
    readonly name: LimiterName,
    private readonly limiter: FixedWindowLimiter,
    metrics: { limited: Cell },
  ) {
    this.limited = metrics.limited;
  }

  /** Takes a point for `key`: null within the limit, else the refusal (counted, not thrown). */
  take(key: string): ApiError | null {
    const msBeforeNext = this.limiter.consume("", key);
    if (msBeforeNext === 0) return null;
    this.limited.n++;
    return refusal(this.name, msBeforeNext);
  }

  consume(key: string): void {
    const refused = this.take(key);
    if (refused) throw refused;
  }
}

function memoryLimiter(cfg: LimiterConfig): FixedWindowLimiter {
  return new FixedWindowLimiter({
    points: cfg.points,
    durationSeconds: cfg.durationSeconds,
    blockSeconds: cfg.blockSeconds,
  });
}

/**
 * The gateway's rate limits (docs/admission.md). Per client IP, per buyer, per sale and token issuance per
 * buyer and sale (FixedWindowLimiter: rate-limiter-flexible's RateLimiterMemory counting, verdict for
 * verdict, without a promise, a timer or an object per key) are local to the process: the hot path never pays a Redis round trip for them, and the limits are per process (a
 * signed token costs no Redis record, and the reserve script holds the per-buyer limit). Waiting-room joins
 * per buyer and per address are cluster-wide (a buyer, or a bot farm behind one address, could otherwise
 * spread its attempts over every gateway): the join script counts them in the room's own slot, in the
 * join's one Redis call (queueJoin gives it what to count, and queueJoinRefused renders its refusal). Each
 * check throws its 429 synchronously, and costs nothing when limits are off.
 */
export class RateLimits {
  private readonly gates: Record<GateName, Gate> | null;
  private readonly tokenGate: { limiter: FixedWindowLimiter; limited: Cell } | null = null;
  private readonly join: { buyer: JoinWindow; ip: JoinWindow } | null;
  private readonly joinRefusals: Record<"queue_join_buyer" | "queue_join_ip", Cell>;
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
    this.joinRefusals = {
      queue_join_buyer: limited.cell({ limiter: "queue_join_buyer" }),
      queue_join_ip: limited.cell({ limiter: "queue_join_ip" }),
    };
    if (!rl.enabled) {
      this.gates = null;
      this.join = null;
      return;
    }
    // In memory: a signed purchase token costs no Redis record, and the reserve script holds the sale's
    // per-buyer limit whatever tokens a buyer collects from several gateways.
    this.tokenGate = { limiter: new FixedWindowLimiter(rl.tokenIssue), limited: cells("token_issue").limited };
    this.gates = {
      ip: new Gate("ip", memoryLimiter(rl.ip), cells("ip")),
      buyer: new Gate("buyer", memoryLimiter(rl.buyer), cells("buyer")),
      sale: new Gate("sale", memoryLimiter(rl.sale), cells("sale")),
    };
    // queueJoin.redisTimeoutMs (from when these limits had their own Redis calls) is accepted and ignored.
    this.join = { buyer: joinWindow(rl.queueJoin.buyer), ip: joinWindow(rl.queueJoin.ip) };
  }

  /** Per client address (IPv6 by /64; see ClientIpResolver for when X-Forwarded-For is believed); exempt addresses are not limited. */
  ip(remoteIp: string, forwardedFor: string): void {
    if (!this.gates) return;
    const key = this.clientKey(remoteIp, forwardedFor);
    if (key !== null) this.gates.ip.consume(key);
  }

  /** ip() for a request; its peer address is read only when limits are on (reading it costs a syscall). */
  ipOf(req: { readonly remoteIp: string; readonly forwardedFor: string }): void {
    if (this.gates) this.ip(req.remoteIp, req.forwardedFor);
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
  buyer(userId: string): void {
    this.gates?.buyer.consume(userId);
  }

  /**
   * An order attempt that would reach Redis (the sold-out flag's answers are not counted): a point per buyer
   * and per sale, both taken whatever the verdicts, then the buyer's refusal or else the sale's thrown.
   */
  orderAttempt(userId: string, saleId: string): void {
    if (!this.gates) return;
    const buyer = this.gates.buyer.take(userId);
    const sale = this.gates.sale.take(saleId);
    if (buyer ?? sale) throw buyer ?? sale;
  }

  /**
   * What a waiting-room join (`POST /v1/sales/{saleId}/queue`) counts against, cluster-wide, in the join
   * script: per buyer and sale, and per client address and sale (exempt addresses skip it; the address is
   * counted first, and its refusal takes no point from the buyer). Undefined when limits are off. Every
   * attempt counts, re-joins included, before the script looks at the proof.
   */
  queueJoin(req: { readonly remoteIp: string; readonly forwardedFor: string }): JoinLimits | undefined {
    const join = this.join;
    if (!join) return undefined;
    const key = this.clientKey(req.remoteIp, req.forwardedFor);
    return { buyer: join.buyer, address: key === null ? null : { key, window: join.ip } };
  }

  /** The join script's refusal as the gateway answers it (429 RATE_LIMITED, Retry-After), counted. */
  queueJoinRefused(limiter: "queue_join_buyer" | "queue_join_ip", msBeforeNext: number): ApiError {
    this.joinRefusals[limiter].n++;
    return refusal(limiter, msBeforeNext);
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
      throw refusal("token_issue", msBeforeNext);
    }
  }
}

import { ApiError, ERRORS, RETRY_SOON } from "../../errors.js";
import { constantReply, errorReply, type Handler, type HttpReply, type Req } from "../exchange.js";
import { buyerOf } from "./buyer-of.js";
import { ipLimited } from "./ip-limited.js";
import type { BuyerAuth } from "../../admission/auth.js";
import { jsonObject, NO_FIELDS, positiveInt } from "../../admission/body.js";
import type { Breakers } from "../../admission/breakers.js";
import { PURCHASE_TOKEN_RE, saleIdParam } from "../../admission/ids.js";
import type { PurchaseTokens } from "../../admission/purchase-token.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import { asApiError } from "../../admission/refusals.js";
import type { Cell, Metrics } from "../../observability/metrics.js";
import type { ReserveOutcome } from "../../redis/script-replies.js";
import type { OrderPlacer } from "../../reservation/order-placer.js";
import { isLive, pausedReason, saleStatus, saleToJson, type Sale } from "../../reservation/sale.js";
import type { SaleStore } from "../../reservation/sale-store.js";
import type { SoldOutCache } from "../../reservation/sold-out-cache.js";
import type { ReservationService, ReserveRequest } from "../../reservation/reservation-service.js";

/** Largest quantity accepted as well-formed; above a sale's per-buyer limit the answer is LIMIT_EXCEEDED. */
export const MAX_QUANTITY = 10_000;

/** The only field an order body may carry; anything else (userId, price, status, ...) is refused with 400. */
export const ORDER_FIELDS: ReadonlySet<string> = new Set(["quantity"]);

export interface BuyerRoutesDeps {
  auth: BuyerAuth;
  tokens: PurchaseTokens;
  sales: SaleStore;
  soldOut: SoldOutCache;
  reservations: ReservationService;
  placer: OrderPlacer;
  limits: RateLimits;
  breakers: Breakers;
  metrics: Metrics;
  tokenLeadMs: number;
  tokenTtlMs: number;
  /** How long a used token answers replays (tokens.replaySeconds): past its expiry + this, no record is left. */
  tokenReplayMs: number;
}

const REPLAYED = { "idempotent-replayed": "true" };

/** An order attempt past every check of the gateway's, on its way to the reservation. */
type Attempt = Required<Pick<ReserveRequest, "sale" | "userId" | "token" | "tokenExpiresAt" | "quantity">>;

const OUTCOMES = [
  "reserved",
  "replayed",
  "sold_out",
  "limit_exceeded",
  "invalid_token",
  "key_reused",
  "unavailable",
] as const;

/** The sold-out answers, serialized once: the flag's 409 is the reply sent most often in a flash sale. */
const SOLD_OUT = constantReply(errorReply(new ApiError("SOLD_OUT", ERRORS.SOLD_OUT.meaning)));
const SOLD_OUT_REPLAYED = constantReply(errorReply(new ApiError("SOLD_OUT", ERRORS.SOLD_OUT.meaning, REPLAYED)));

function soldOutReply(replayed: boolean): HttpReply {
  return replayed ? SOLD_OUT_REPLAYED : SOLD_OUT;
}

/**
 * The buyer endpoints. Admission order on the buy path, cheapest and widest first: client-address limit,
 * JWT, input validation, sale window, the local sold-out flag, the token's MAC; then, only for attempts that
 * will reach Redis: open circuits (503), the buyer and sale limits, and finally the reservation. The flag's
 * 409 is as cheap as a 429, so the buyer limit guards what costs (Redis, RocketMQ), not the flag.
 * Everything that can refuse a request (429, 503, 4xx) does so before the token is consumed or stock moves.
 * Each step is synchronous unless a limiter is on, so a disabled limiter costs no promise.
 */
export class BuyerRoutes {
  private readonly outcomes: Record<(typeof OUTCOMES)[number], Cell>;
  readonly getSale: Handler;
  readonly issueToken: Handler;
  /** Sync up to the sold-out flag when the sale is cached and limiters are off, so that flood costs no await. */
  readonly placeOrder: Handler;

  constructor(private readonly deps: BuyerRoutesDeps) {
    const c = deps.metrics.counter(
      "flashsale_reservations_total",
      "Order attempts that reached the reservation, by outcome",
      ["outcome"],
    );
    this.getSale = ipLimited(deps.limits, (req) => this.saleView(req));
    this.issueToken = ipLimited(deps.limits, (req) => this.tokenFor(req));
    this.placeOrder = ipLimited(deps.limits, (req) => this.orderChecked(req));
    this.outcomes = Object.fromEntries(OUTCOMES.map((o) => [o, c.cell({ outcome: o })])) as BuyerRoutes["outcomes"];
  }

  /** True while this process's sold-out flag is up for the sale: its order attempts are answered without I/O. */
  readonly soldOutHere = (saleId: string): boolean => this.deps.soldOut.isSoldOut(saleId);

  /** The sale, as this process holds it, has a waiting room: its orders come from buyers the room admitted. */
  readonly roomMeteredHere = (saleId: string): boolean => !!this.deps.sales.cached(saleId)?.waitingRoom;

  /** The sale, from the local cache without I/O when fresh, else through the Redis breaker. */
  private sale(saleId: string): Promise<Sale> {
    const cached = this.deps.sales.cached(saleId);
    if (cached !== undefined) {
      if (cached === null) return Promise.reject(new ApiError("SALE_NOT_FOUND", "no sale with this id"));
      return Promise.resolve(cached);
    }
    return this.deps.breakers.redis
      .forSale(saleId)
      .run(() => this.deps.sales.get(saleId))
      .then((sale) => {
        if (!sale) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
        return sale;
      });
  }

  private async saleView(req: Req): Promise<HttpReply> {
    const sale = await this.sale(saleIdParam(req.params[0]!));
    // Every shard is read: the sale's own node's breaker stands for the display read.
    const remaining = await this.deps.sales.remaining(sale, () =>
      this.deps.breakers.redis.forSale(sale.saleId).run(() => this.deps.reservations.remaining(sale)),
    );
    return { status: 200, body: { ...saleToJson(sale), status: saleStatus(sale, remaining), remaining } };
  }

  private async tokenFor(req: Req): Promise<HttpReply> {
    const userId = await buyerOf(this.deps.auth, req);
    this.deps.limits.buyer(userId);
    const saleId = saleIdParam(req.params[0]!);
    jsonObject(req.body, req.contentType, NO_FIELDS);
    const sale = await this.sale(saleId);
    if (sale.waitingRoom)
      throw new ApiError("ROOM_REQUIRED", "this sale has a waiting room: join POST /v1/sales/{saleId}/queue");
    const now = Date.now();
    if (now < sale.startsAt - this.deps.tokenLeadMs || now >= sale.endsAt) {
      throw new ApiError("SALE_NOT_LIVE", "tokens are issued from shortly before the sale starts until it ends");
    }
    if (sale.paused) throw new ApiError("SALE_NOT_LIVE", pausedReason(sale));
    if (this.deps.soldOut.isSoldOut(sale.saleId)) throw new ApiError("SOLD_OUT", "no stock left");
    this.deps.limits.tokenIssue(sale.saleId, userId);
    // Signed, never stored: Redis first hears of a token when it buys (reserve records its one use).
    const expiresAt = Math.min(now + this.deps.tokenTtlMs, sale.endsAt);
    const token = this.deps.tokens.mint(sale.saleId, userId, expiresAt);
    return { status: 201, body: { token, expiresAt: new Date(expiresAt).toISOString() } };
  }

  private orderChecked(req: Req): HttpReply | Promise<HttpReply> {
    const userId = buyerOf(this.deps.auth, req);
    return typeof userId === "string" ? this.orderAs(req, userId) : userId.then((u) => this.orderAs(req, u));
  }

  private orderAs(req: Req, userId: string): HttpReply | Promise<HttpReply> {
    const saleId = saleIdParam(req.params[0]!);
    const token = req.idempotencyKey;
    if (!PURCHASE_TOKEN_RE.test(token))
      throw new ApiError(
        "INVALID_REQUEST",
        "Idempotency-Key must be a purchase token from POST /v1/sales/{saleId}/tokens",
      );
    const body = jsonObject(req.body, req.contentType, ORDER_FIELDS);
    const quantity = body.quantity === undefined ? 1 : positiveInt(body.quantity, "quantity", MAX_QUANTITY);
    const cached = this.deps.sales.cached(saleId);
    if (cached === undefined)
      return this.sale(saleId).then((sale) => this.orderFor(sale, userId, token, quantity, req));
    if (cached === null) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    return this.orderFor(cached, userId, token, quantity, req);
  }

  private orderFor(
    sale: Sale,
    userId: string,
    token: string,
    quantity: number,
    req: Req,
  ): HttpReply | Promise<HttpReply> {
    if (!isLive(sale)) throw new ApiError("SALE_NOT_LIVE", sale.paused ? pausedReason(sale) : "the sale is not live");
    if (this.deps.soldOut.mayShortCircuit(sale.saleId, token)) {
      this.deps.soldOut.shortCircuits++;
      return soldOutReply(false);
    }
    // Accepted past its expiry for the replay window: an expired token may still have a use record to
    // replay (the reserve script refuses it a new purchase); past the window none is left.
    const check = this.deps.tokens.verify(token, sale.saleId, userId, Date.now(), this.deps.tokenReplayMs);
    if (!check.ok) throw new ApiError("INVALID_TOKEN", "purchase token is not valid for this buyer and sale");
    const tokenExpiresAt = check.expiresAt;
    // From here on the attempt reaches Redis (and RocketMQ): refuse now, before a message is sent or stock moves.
    this.deps.breakers.redis.forBuyer(sale, userId).ensureClosed();
    this.deps.breakers.rocketmq.ensureClosed();
    this.deps.limits.orderAttempt(userId, sale.saleId);
    return this.reserve({ sale, userId, token, tokenExpiresAt, quantity }, req);
  }

  /** `req`: the request's X-Request-Id and traceparent go into the order message. */
  private reserve(attempt: Attempt, req: Req): Promise<HttpReply> {
    const { requestId, traceparent } = req;
    const { sale, userId, quantity } = attempt;
    return this.deps.placer.place({ ...attempt, requestId, traceparent }).then(
      (out) => {
        this.count(out);
        return outcomeReply(out, sale, userId, quantity);
      },
      (err: unknown) => {
        // A refusal of the placer's (a duplicate in flight, replicas behind) gets its HTTP answer here.
        const e = asApiError(err);
        if (e instanceof ApiError && e.code === "UNAVAILABLE") this.outcomes.unavailable.n++;
        throw e;
      },
    );
  }

  private count(out: ReserveOutcome): void {
    switch (out.kind) {
      case "reserved":
        this.outcomes[out.replayed ? "replayed" : "reserved"].n++;
        return;
      case "sold_out":
      case "limit_exceeded":
      case "invalid_token":
      case "key_reused":
        this.outcomes[out.kind].n++;
        return;
      default:
        this.outcomes.unavailable.n++;
    }
  }
}

function outcomeReply(out: ReserveOutcome, sale: Sale, userId: string, quantity: number): HttpReply {
  switch (out.kind) {
    case "reserved":
      return {
        status: 202,
        body: { orderId: out.orderId, saleId: sale.saleId, skuId: sale.skuId, userId, quantity, status: "RESERVED" },
        headers: out.replayed ? REPLAYED : undefined,
      };
    case "sold_out":
      return soldOutReply(out.replayed);
    case "limit_exceeded":
      return errorReply(
        new ApiError(
          "LIMIT_EXCEEDED",
          `at most ${sale.perUserLimit} per buyer in this sale`,
          out.replayed ? REPLAYED : undefined,
        ),
      );
    case "invalid_token":
      throw new ApiError("INVALID_TOKEN", "purchase token unknown, expired, or not yours");
    case "key_reused":
      throw new ApiError("IDEMPOTENCY_KEY_REUSED", "this key was used with a different body");
    case "order_id_taken":
    case "shard_empty":
      throw new ApiError(
        "UNAVAILABLE",
        "the reservation could not be settled in time; retry with the same key",
        RETRY_SOON,
      );
    case "state_lost":
      throw new ApiError(
        "UNAVAILABLE",
        "the sale's stock is being rebuilt after a Redis failure; nothing was taken",
        RETRY_SOON,
      );
  }
}

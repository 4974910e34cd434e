import { ApiError } from "../errors.js";
import type { Reply, Req } from "../exchange.js";
import type { BuyerAuth } from "../../admission/auth.js";
import { jsonObject, positiveInt } from "../../admission/body.js";
import { PURCHASE_TOKEN_RE, saleIdParam } from "../../admission/ids.js";
import type { PurchaseTokens } from "../../admission/purchase-token.js";
import type { ReserveOutcome } from "../../reservation/reply-codes.js";
import type { ReserveRequest } from "../../reservation/reservation-service.js";
import { isLive, saleStatus, saleToJson, type Sale } from "../../reservation/sale.js";
import type { SaleStore } from "../../reservation/sale-store.js";
import type { SoldOutCache } from "../../reservation/sold-out-cache.js";
import type { ReservationService } from "../../reservation/reservation-service.js";

/** Places an order: the reservation alone, or wrapped in a transactional message (messaging/). */
export interface OrderPlacer {
  place(req: ReserveRequest): Promise<ReserveOutcome>;
}

/** Largest quantity accepted as well-formed; above a sale's per-buyer limit the answer is LIMIT_EXCEEDED. */
export const MAX_QUANTITY = 10_000;

export interface BuyerRoutesDeps {
  auth: BuyerAuth;
  tokens: PurchaseTokens;
  sales: SaleStore;
  soldOut: SoldOutCache;
  reservations: ReservationService;
  placer: OrderPlacer;
  tokenLeadMs: number;
  tokenTtlMs: number;
}

const REPLAYED = { "idempotent-replayed": "true" };

function soldOutReply(replayed: boolean): Reply {
  return {
    status: 409,
    body: { error: { code: "SOLD_OUT", message: "no stock left for this request" } },
    headers: replayed ? REPLAYED : undefined,
  };
}

export class BuyerRoutes {
  constructor(private readonly d: BuyerRoutesDeps) {}

  private async sale(saleId: string): Promise<Sale> {
    const sale = await this.d.sales.get(saleId);
    if (!sale) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    return sale;
  }

  getSale = async (req: Req): Promise<Reply> => {
    const sale = await this.sale(saleIdParam(req.params[0]!));
    const remaining = await this.d.sales.remaining(sale, () => this.d.reservations.remaining(sale));
    return { status: 200, body: { ...saleToJson(sale), status: saleStatus(sale, remaining), remaining } };
  };

  issueToken = async (req: Req): Promise<Reply> => {
    const userId = this.d.auth.userId(req.authorization);
    const sale = await this.sale(saleIdParam(req.params[0]!));
    const now = Date.now();
    if (now < sale.startsAt - this.d.tokenLeadMs || now >= sale.endsAt) {
      throw new ApiError("SALE_NOT_LIVE", "tokens are issued from shortly before the sale starts until it ends");
    }
    if (this.d.soldOut.isSoldOut(sale.saleId)) throw new ApiError("SOLD_OUT", "no stock left");
    const token = this.d.tokens.mint(sale.saleId, userId);
    const expiresAt = Math.min(now + this.d.tokenTtlMs, sale.endsAt);
    await this.d.reservations.issueToken(sale, userId, token, expiresAt);
    return { status: 201, body: { token, expiresAt: new Date(expiresAt).toISOString() } };
  };

  /** Sync up to the sold-out flag when the sale is cached, so the flood after sell-out costs no await. */
  placeOrder = (req: Req): Reply | Promise<Reply> => {
    const userId = this.d.auth.userId(req.authorization);
    const saleId = saleIdParam(req.params[0]!);
    const token = req.idempotencyKey;
    if (!PURCHASE_TOKEN_RE.test(token)) throw new ApiError("INVALID_REQUEST", "Idempotency-Key must be a purchase token from POST /v1/sales/{saleId}/tokens");
    const quantity = this.quantity(req);
    const cached = this.d.sales.cached(saleId);
    if (cached === undefined) return this.sale(saleId).then((sale) => this.orderFor(sale, userId, token, quantity));
    if (cached === null) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    return this.orderFor(cached, userId, token, quantity);
  };

  private quantity(req: Req): number {
    if (req.body && req.body.length > 0 && !/^application\/json(\s*;.*)?$/i.test(req.contentType)) {
      throw new ApiError("UNSUPPORTED_MEDIA_TYPE", "body must be application/json");
    }
    const body = jsonObject(req.body);
    return body.quantity === undefined ? 1 : positiveInt(body.quantity, "quantity", MAX_QUANTITY);
  }

  private orderFor(sale: Sale, userId: string, token: string, quantity: number): Reply | Promise<Reply> {
    if (!isLive(sale)) throw new ApiError("SALE_NOT_LIVE", "the sale is not live");
    if (this.d.soldOut.mayShortCircuit(sale.saleId, token)) {
      this.d.soldOut.shortCircuits++;
      return soldOutReply(false);
    }
    if (!this.d.tokens.verify(token, sale.saleId, userId)) throw new ApiError("INVALID_TOKEN", "purchase token is not valid for this buyer and sale");
    return this.d.placer.place({ sale, userId, token, quantity }).then((out) => outcomeReply(out, sale, userId, quantity));
  }
}

export function outcomeReply(out: ReserveOutcome, sale: Sale, userId: string, quantity: number): Reply {
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
      return {
        status: 409,
        body: { error: { code: "LIMIT_EXCEEDED", message: `at most ${sale.perUserLimit} per buyer in this sale` } },
        headers: out.replayed ? REPLAYED : undefined,
      };
    case "invalid_token":
      throw new ApiError("INVALID_TOKEN", "purchase token unknown, expired, or not yours");
    case "key_reused":
      throw new ApiError("IDEMPOTENCY_KEY_REUSED", "this key was used with a different body");
    case "order_id_taken":
    case "shard_empty":
      throw new ApiError("UNAVAILABLE", "the reservation could not be settled in time; retry with the same key", { "retry-after": "1" });
  }
}

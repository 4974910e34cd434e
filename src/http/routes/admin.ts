import { ApiError } from "../errors.js";
import type { Reply, Req } from "../exchange.js";
import type { AdminAuth } from "../../admission/auth.js";
import { jsonObject, positiveInt } from "../../admission/body.js";
import { SKU_ID_RE, saleIdParam } from "../../admission/ids.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import type { ReservationService } from "../../reservation/reservation-service.js";
import { saleToJson, type Sale } from "../../reservation/sale.js";
import type { SaleStore } from "../../reservation/sale-store.js";
import type { LedgerStats } from "../../reservation/sale-stats.js";

/** What the durable layers add to stats and reconciliation (MySQL counts, sweeper passes). */
export interface SaleOps {
  stats(sale: Sale): Promise<Record<string, unknown> & LedgerStats & { drift: number }>;
  reconcile(sale: Sale): Promise<Record<string, unknown>>;
}

export interface AdminRoutesDeps {
  auth: AdminAuth;
  sales: SaleStore;
  reservations: ReservationService;
  ops: SaleOps;
  limits: RateLimits;
  defaultShards: number;
  defaultPaymentTimeoutSeconds: number;
}

/** Fields of PUT /v1/admin/sales/{saleId}; any other is refused, so a typo never silently takes a default. */
const SALE_FIELDS: ReadonlySet<string> = new Set(["skuId", "stock", "perUserLimit", "startsAt", "endsAt", "shards", "paymentTimeoutSeconds"]);

function time(v: unknown, name: string): number {
  const ms = typeof v === "string" && /^\d{4}-\d\d-\d\dT/.test(v) ? Date.parse(v) : typeof v === "number" && Number.isSafeInteger(v) ? v : NaN;
  if (!Number.isFinite(ms) || ms <= 0) throw new ApiError("INVALID_REQUEST", `${name} must be an ISO-8601 time or unix milliseconds`);
  return ms;
}

export function parseSaleBody(saleId: string, body: Record<string, unknown>, defaults: { shards: number; paymentTimeoutSeconds: number }): Sale {
  if (typeof body.skuId !== "string" || !SKU_ID_RE.test(body.skuId)) throw new ApiError("INVALID_REQUEST", "skuId must be 1-64 of [A-Za-z0-9_.-]");
  const stock = positiveInt(body.stock, "stock", 1_000_000_000);
  const perUserLimit = positiveInt(body.perUserLimit, "perUserLimit", 1_000_000);
  const startsAt = time(body.startsAt, "startsAt");
  const endsAt = time(body.endsAt, "endsAt");
  if (endsAt <= startsAt) throw new ApiError("INVALID_REQUEST", "endsAt must be after startsAt");
  const shards = body.shards === undefined ? defaults.shards : positiveInt(body.shards, "shards", 1024);
  const paymentTimeoutSeconds =
    body.paymentTimeoutSeconds === undefined ? defaults.paymentTimeoutSeconds : positiveInt(body.paymentTimeoutSeconds, "paymentTimeoutSeconds", 7 * 86400);
  return { saleId, skuId: body.skuId, stock, perUserLimit, startsAt, endsAt, shards, paymentTimeoutSeconds };
}

/** Operator endpoints; the client-IP limit applies here too, as a brake on guessing the admin token. */
export class AdminRoutes {
  constructor(private readonly d: AdminRoutesDeps) {}

  private limited(handler: (req: Req) => Promise<Reply>): (req: Req) => Promise<Reply> {
    return (req) => {
      const gate = this.d.limits.ip(req.remoteIp, req.forwardedFor);
      return gate ? gate.then(() => handler(req)) : handler(req);
    };
  }

  private async sale(req: Req): Promise<Sale> {
    this.d.auth.check(req.authorization);
    const sale = await this.d.sales.load(saleIdParam(req.params[0]!));
    if (!sale) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    return sale;
  }

  putSale = this.limited(async (req) => {
    this.d.auth.check(req.authorization);
    const saleId = saleIdParam(req.params[0]!);
    if (!req.body || req.body.length === 0) throw new ApiError("INVALID_REQUEST", "body required: the sale as a JSON object");
    const sale = parseSaleBody(saleId, jsonObject(req.body, req.contentType, SALE_FIELDS), {
      shards: this.d.defaultShards,
      paymentTimeoutSeconds: this.d.defaultPaymentTimeoutSeconds,
    });
    const r = await this.d.sales.put(sale);
    if (r.kind === "locked") throw new ApiError("SALE_LOCKED", "the sale has started (or holds reservations) and can no longer change");
    return { status: r.kind === "created" ? 201 : 200, body: saleToJson(r.sale) };
  });

  stats = this.limited(async (req) => {
    const sale = await this.sale(req);
    return { status: 200, body: { saleId: sale.saleId, ...(await this.d.ops.stats(sale)) } };
  });

  reconcile = this.limited(async (req) => {
    const sale = await this.sale(req);
    return { status: 200, body: { saleId: sale.saleId, ...(await this.d.ops.reconcile(sale)) } };
  });
}

import { createHash, randomBytes } from "node:crypto";
import { ApiError } from "../../errors.js";
import type { Handler, Req } from "../exchange.js";
import { ipLimited } from "./ip-limited.js";
import type { AdminAuth } from "../../admission/auth.js";
import { jsonObject, NO_FIELDS, positiveInt } from "../../admission/body.js";
import { SKU_ID_RE, saleIdParam } from "../../admission/ids.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import type { Logger } from "../../observability/log.js";
import type { OrderRepository } from "../../persistence/order-repository.js";
import { saleToJson, WAITING_ROOM_DEFAULTS, type Sale, type WaitingRoomSettings } from "../../reservation/sale.js";
import type { SaleOps } from "../../reservation/sale-ops.js";
import type { SaleStore } from "../../reservation/sale-store.js";

export interface AdminRoutesDeps {
  auth: AdminAuth;
  sales: SaleStore;
  ops: SaleOps;
  repo: OrderRepository;
  limits: RateLimits;
  defaultShards: number;
  defaultPaymentTimeoutSeconds: number;
  /** The audit log (component "audit"): one info line per change an operator makes. */
  audit: Logger;
  /** The waiting room's numbers of a sale (null: no room, or not yet driven). */
  roomStats?: (sale: Sale) => Promise<object | null>;
}

/**
 * Which operator token made a request, without the token: the first 12 hex digits of its SHA-256 (the
 * token is at least 32 bytes in production, so the fingerprint gives nothing away). An operator finds a
 * token's with `printf %s "$TOKEN" | sha256sum | cut -c1-12`.
 */
export function tokenFingerprint(authorization: string): string {
  const token = authorization.replace(/^Bearer\s+/i, "");
  return `sha256:${createHash("sha256").update(token).digest("hex").slice(0, 12)}`;
}

/** Fields of PUT /v1/admin/sales/{saleId}; any other is refused, so a typo never silently takes a default. */
export const SALE_FIELDS: ReadonlySet<string> = new Set([
  "skuId",
  "stock",
  "perUserLimit",
  "startsAt",
  "endsAt",
  "shards",
  "paymentTimeoutSeconds",
  "waitingRoom",
]);
/** Fields of a sale's `waitingRoom` object; any other is refused. */
export const WAITING_ROOM_FIELDS: ReadonlySet<string> = new Set(Object.keys(WAITING_ROOM_DEFAULTS));
/** Bounds of the room's settings; the OpenAPI document states the same. */
export const WAITING_ROOM_LIMITS = {
  opensSecondsBefore: { min: 0, max: 7 * 86400 },
  admissionTtlSeconds: { min: 10, max: 3600 },
  admitPerSecond: { min: 1, max: 1_000_000 },
  maxOverbook: { min: 1, max: 10 },
} as const;

function bounded(v: unknown, name: keyof typeof WAITING_ROOM_LIMITS, integer: boolean): number {
  const { min, max } = WAITING_ROOM_LIMITS[name];
  if (v === undefined) return WAITING_ROOM_DEFAULTS[name];
  const ok = typeof v === "number" && Number.isFinite(v) && (!integer || Number.isSafeInteger(v));
  if (!ok || v < min || v > max)
    throw new ApiError(
      "INVALID_REQUEST",
      `waitingRoom.${name} must be ${integer ? "an integer" : "a number"} from ${min} to ${max}`,
    );
  return v;
}

/** The room's settings from the body (null: no room), with a fresh seed (the caller keeps an earlier one). */
export function parseWaitingRoom(v: unknown): Omit<WaitingRoomSettings, "seed"> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "object" || Array.isArray(v))
    throw new ApiError("INVALID_REQUEST", "waitingRoom must be an object (or null for no room)");
  const unknown = Object.keys(v).filter((k) => !WAITING_ROOM_FIELDS.has(k));
  if (unknown.length > 0)
    throw new ApiError("INVALID_REQUEST", `waitingRoom: unknown field ${JSON.stringify(unknown[0])}`);
  const o = v as Record<string, unknown>;
  return {
    opensSecondsBefore: bounded(o.opensSecondsBefore, "opensSecondsBefore", true),
    admissionTtlSeconds: bounded(o.admissionTtlSeconds, "admissionTtlSeconds", true),
    admitPerSecond: bounded(o.admitPerSecond, "admitPerSecond", true),
    maxOverbook: bounded(o.maxOverbook, "maxOverbook", false),
  };
}
/** Fields a sale must name; `shards` and `paymentTimeoutSeconds` default from the config. */
export const SALE_REQUIRED = ["skuId", "stock", "perUserLimit", "startsAt", "endsAt"] as const;
/** Upper bounds of a sale's integer fields (each at least 1); the OpenAPI document states the same. */
export const SALE_LIMITS = {
  stock: 1_000_000_000,
  perUserLimit: 1_000_000,
  shards: 1024,
  paymentTimeoutSeconds: 7 * 86400,
} as const;
/** A time given as a string must start like ISO-8601 (Date.parse takes the rest); a number is unix ms. */
export const ISO_TIME_RE = /^\d{4}-\d\d-\d\dT/;

function time(v: unknown, name: string): number {
  const ms =
    typeof v === "string" && ISO_TIME_RE.test(v)
      ? Date.parse(v)
      : typeof v === "number" && Number.isSafeInteger(v)
        ? v
        : NaN;
  if (!Number.isFinite(ms) || ms <= 0)
    throw new ApiError("INVALID_REQUEST", `${name} must be an ISO-8601 time or unix milliseconds`);
  return ms;
}

function parseSaleBody(
  saleId: string,
  body: Record<string, unknown>,
  defaults: { shards: number; paymentTimeoutSeconds: number },
): Sale {
  if (typeof body.skuId !== "string" || !SKU_ID_RE.test(body.skuId))
    throw new ApiError("INVALID_REQUEST", "skuId must be 1-64 of [A-Za-z0-9_.-]");
  const stock = positiveInt(body.stock, "stock", SALE_LIMITS.stock);
  const perUserLimit = positiveInt(body.perUserLimit, "perUserLimit", SALE_LIMITS.perUserLimit);
  const startsAt = time(body.startsAt, "startsAt");
  const endsAt = time(body.endsAt, "endsAt");
  if (endsAt <= startsAt) throw new ApiError("INVALID_REQUEST", "endsAt must be after startsAt");
  const shards = body.shards === undefined ? defaults.shards : positiveInt(body.shards, "shards", SALE_LIMITS.shards);
  const paymentTimeoutSeconds =
    body.paymentTimeoutSeconds === undefined
      ? defaults.paymentTimeoutSeconds
      : positiveInt(body.paymentTimeoutSeconds, "paymentTimeoutSeconds", SALE_LIMITS.paymentTimeoutSeconds);
  const room = parseWaitingRoom(body.waitingRoom);
  return {
    saleId,
    skuId: body.skuId,
    stock,
    perUserLimit,
    startsAt,
    endsAt,
    shards,
    paymentTimeoutSeconds,
    paused: false,
    // The seed is made here; put() keeps the one already committed to when the sale had a room.
    ...(room ? { waitingRoom: { ...room, seed: randomBytes(32).toString("hex") } } : {}),
  };
}

/** Operator endpoints; the client-IP limit applies here too, as a brake on guessing the admin token. */
export class AdminRoutes {
  readonly putSale: Handler;
  readonly stats: Handler;
  readonly reconcile: Handler;
  readonly pause: Handler;
  readonly resume: Handler;
  readonly refunds: Handler;
  readonly list: Handler;

  constructor(private readonly deps: AdminRoutesDeps) {
    this.putSale = ipLimited(deps.limits, (req) => this.put(req));
    this.stats = ipLimited(deps.limits, async (req) => {
      const sale = await this.sale(req);
      const [stats, room] = await Promise.all([deps.ops.stats(sale), deps.roomStats?.(sale) ?? null]);
      return { status: 200, body: { saleId: sale.saleId, ...stats, ...(room ? { waitingRoom: room } : {}) } };
    });
    this.reconcile = ipLimited(deps.limits, async (req) => {
      const sale = await this.sale(req);
      const repairs = await deps.ops.reconcile(sale);
      // The settings do not change: the line says what the pass repaired.
      this.audit(req, sale.saleId, "sale reconciled", sale, sale, { repairs });
      return { status: 200, body: { saleId: sale.saleId, ...repairs } };
    });
    this.pause = ipLimited(deps.limits, (req) => this.setPaused(req, true));
    this.resume = ipLimited(deps.limits, (req) => this.setPaused(req, false));
    this.list = ipLimited(deps.limits, async (req) => {
      deps.auth.check(req.authorization);
      const sales = (await Promise.all((await deps.sales.ids()).map((id) => deps.sales.load(id)))).filter(
        (x): x is Sale => x !== null,
      );
      sales.sort((a, b) => a.startsAt - b.startsAt || (a.saleId < b.saleId ? -1 : 1));
      return { status: 200, body: { sales: sales.map((s) => saleToJson(s)) } };
    });
    this.refunds = ipLimited(deps.limits, async (req) => {
      const sale = await this.sale(req);
      const refunds = await deps.repo.refundsOf(sale.saleId);
      return {
        status: 200,
        body: { saleId: sale.saleId, refunds: refunds.map((r) => ({ ...r, recordedAt: r.recordedAt.toISOString() })) },
      };
    });
  }

  /** Pause or resume: every gateway refuses (or again takes) tokens and orders within a second. */
  private async setPaused(req: Req, paused: boolean) {
    this.deps.auth.check(req.authorization);
    const saleId = saleIdParam(req.params[0]!);
    jsonObject(req.body, req.contentType, NO_FIELDS);
    const before = await this.deps.sales.load(saleId);
    const sale = before && (await this.deps.sales.setPaused(saleId, paused));
    if (!sale) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    this.audit(req, saleId, paused ? "sale paused" : "sale resumed", before, sale);
    return { status: 200, body: saleToJson(sale) };
  }

  /** The audit line of a change: who (the token's fingerprint), what (route, sale), the settings before and after. */
  private audit(req: Req, saleId: string, msg: string, before: Sale | null, after: Sale, extra: object = {}): void {
    this.deps.audit.info(
      {
        who: tokenFingerprint(req.authorization),
        route: `${req.method.toUpperCase()} ${req.path}`,
        saleId,
        requestId: req.requestId,
        before: before && saleToJson(before),
        after: saleToJson(after),
        ...extra,
      },
      msg,
    );
  }

  private async sale(req: Req): Promise<Sale> {
    this.deps.auth.check(req.authorization);
    const sale = await this.deps.sales.load(saleIdParam(req.params[0]!));
    if (!sale) throw new ApiError("SALE_NOT_FOUND", "no sale with this id");
    return sale;
  }

  private async put(req: Req) {
    this.deps.auth.check(req.authorization);
    const saleId = saleIdParam(req.params[0]!);
    if (!req.body || req.body.length === 0)
      throw new ApiError("INVALID_REQUEST", "body required: the sale as a JSON object");
    const sale = parseSaleBody(saleId, jsonObject(req.body, req.contentType, SALE_FIELDS), {
      shards: this.deps.defaultShards,
      paymentTimeoutSeconds: this.deps.defaultPaymentTimeoutSeconds,
    });
    const before = await this.deps.sales.load(saleId);
    // A re-put keeps the room's seed: its commitment was published, and the pre-queue's lotteries use it.
    if (sale.waitingRoom && before?.waitingRoom) sale.waitingRoom.seed = before.waitingRoom.seed;
    const r = await this.deps.sales.put(sale);
    if (r.kind === "locked")
      throw new ApiError("SALE_LOCKED", "the sale has started (or holds reservations) and can no longer change");
    this.audit(req, saleId, r.kind === "created" ? "sale created" : "sale replaced", before, r.sale);
    return { status: r.kind === "created" ? 201 : 200, body: saleToJson(r.sale) };
  }
}

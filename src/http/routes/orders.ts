import { ApiError } from "../errors.js";
import type { Reply, Req } from "../exchange.js";
import type { BuyerAuth } from "../../admission/auth.js";
import type { Breakers } from "../../admission/breakers.js";
import { ORDER_ID_RE } from "../../admission/ids.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import type { OrderRepository } from "../../persistence/order-repository.js";
import type { Keys } from "../../redis/keys.js";
import type { RedisClient } from "../../redis/scripts.js";
import { parseRecord } from "../../reservation/ledger.js";
import { parseOrderId } from "../../reservation/order-id.js";
import type { SaleStore } from "../../reservation/sale-store.js";

const notFound = () => new ApiError("ORDER_NOT_FOUND", "no order with this id for this buyer");

/**
 * GET /v1/orders/{orderId}: the Redis ledger says whether the reservation exists and whose it is; until the
 * order writer has put the row in MySQL the status is RESERVED, then MySQL's status is the truth. Redis and
 * MySQL are read through their circuit breakers (a bounded wait, then 503).
 */
export class OrderRoutes {
  constructor(
    private readonly d: {
      auth: BuyerAuth;
      redis: RedisClient;
      keys: Keys;
      repo: OrderRepository;
      sales: SaleStore;
      limits: RateLimits;
      breakers: Breakers;
    },
  ) {}

  getOrder = (req: Req): Promise<Reply> => {
    const gate = this.d.limits.ip(req.remoteIp, req.forwardedFor);
    return gate ? gate.then(() => this.status(req)) : this.status(req);
  };

  private async status(req: Req): Promise<Reply> {
    const userId = this.d.auth.userId(req.authorization);
    const buyerGate = this.d.limits.buyer(userId);
    if (buyerGate) await buyerGate;
    const orderId = req.params[0]!;
    const where = ORDER_ID_RE.test(orderId) ? parseOrderId(orderId) : null;
    if (!where) throw new ApiError("INVALID_REQUEST", "order id is malformed");
    const { redis, mysql } = this.d.breakers;
    const raw = await redis.run(() => this.d.redis.hget(this.d.keys.shard(where.saleId, where.shard).res, orderId));
    const rec = raw ? parseRecord(orderId, raw) : null;
    // Another buyer's order is indistinguishable from a missing one.
    if (!rec || rec.state === "T" || rec.userId !== userId) throw notFound();
    const sale = this.d.sales.cached(where.saleId) ?? (await redis.run(() => this.d.sales.get(where.saleId)));
    const base = { orderId, saleId: where.saleId, skuId: sale?.skuId ?? null, userId, quantity: rec.quantity };
    const reservedAt = new Date(rec.reservedAt).toISOString();
    if (rec.state !== "R") {
      const row = await mysql.run(() => this.d.repo.getOrder(userId, orderId));
      if (row) {
        return {
          status: 200,
          body: { ...base, skuId: row.skuId, status: row.status, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() },
        };
      }
      if (rec.state === "C") return { status: 200, body: { ...base, status: "CANCELLED", createdAt: reservedAt, updatedAt: reservedAt } };
    }
    return { status: 200, body: { ...base, status: "RESERVED", createdAt: reservedAt, updatedAt: reservedAt } };
  }
}

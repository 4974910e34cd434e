import { ApiError } from "../../errors.js";
import type { Handler, HttpReply, Req } from "../exchange.js";
import { ipLimited } from "./ip-limited.js";
import { findOrder } from "./order-lookup.js";
import type { BuyerAuth } from "../../admission/auth.js";
import type { Breakers } from "../../admission/breakers.js";
import { ORDER_ID_RE } from "../../admission/ids.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import { jsonObject, NO_FIELDS } from "../../admission/body.js";
import { buyerOf } from "./buyer-of.js";
import type { OrderLifecycle } from "../../orders/order-lifecycle.js";
import { needsRow, orderView } from "../../orders/order-status.js";
import type { OrderRepository } from "../../persistence/order-repository.js";

const notFound = () => new ApiError("ORDER_NOT_FOUND", "no order with this id for this buyer");

export interface OrderRoutesDeps {
  auth: BuyerAuth;
  repo: OrderRepository;
  limits: RateLimits;
  breakers: Breakers;
  lifecycle: OrderLifecycle;
}

/**
 * GET /v1/orders/{orderId}: the Redis ledger says whether the reservation exists and whose it is; the
 * status shown is decided by orders/order-status.ts (RESERVED until the row is in MySQL, then the row's).
 * An order Redis lost is read from its row (OrderLifecycle.find). Redis and MySQL are read through their circuit
 * breakers (a bounded wait, then 503).
 */
export class OrderRoutes {
  readonly getOrder: Handler;
  /** POST /v1/orders/{orderId}/cancel: the owner cancels an unpaid order; its units go back on sale. */
  readonly cancel: Handler;

  constructor(private readonly deps: OrderRoutesDeps) {
    this.getOrder = ipLimited(deps.limits, (req) => this.status(req));
    this.cancel = ipLimited(deps.limits, (req) => this.cancelOrder(req));
  }

  private orderIdParam(req: Req): string {
    const orderId = req.params[0]!;
    if (!ORDER_ID_RE.test(orderId)) throw new ApiError("INVALID_REQUEST", "order id is malformed");
    return orderId;
  }

  private async cancelOrder(req: Req): Promise<HttpReply> {
    const { auth, limits, breakers, lifecycle } = this.deps;
    const userId = await buyerOf(auth, req);
    limits.buyer(userId);
    const orderId = this.orderIdParam(req);
    jsonObject(req.body, req.contentType, NO_FIELDS);
    // Another buyer's order is indistinguishable from a missing one.
    const order = await findOrder(lifecycle, breakers, orderId, notFound, (o) => o.facts.userId === userId);
    const result = await breakers.mysql.runWrite(() => lifecycle.cancelByBuyer(order));
    if (result.kind === "applied" && result.decision.refused === "ORDER_NOT_CANCELLABLE") {
      throw new ApiError("ORDER_NOT_CANCELLABLE", "the order is paid and can no longer be cancelled");
    }
    return { status: 200, body: { orderId, status: "CANCELLED" } };
  }

  private async status(req: Req): Promise<HttpReply> {
    const { auth, limits, breakers, repo, lifecycle } = this.deps;
    const userId = await buyerOf(auth, req);
    limits.buyer(userId);
    const orderId = this.orderIdParam(req);
    const order = await findOrder(lifecycle, breakers, orderId, notFound, (o) => o.facts.userId === userId);
    const row = order.row ?? (needsRow(order) ? await breakers.mysql.run(() => repo.getOrder(userId, orderId)) : null);
    const view = orderView(order, row);
    return {
      status: 200,
      body: { ...view, createdAt: view.createdAt.toISOString(), updatedAt: view.updatedAt.toISOString() },
    };
  }
}

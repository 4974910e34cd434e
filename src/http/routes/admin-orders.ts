import { ApiError } from "../../errors.js";
import type { Handler, HttpReply, Req } from "../exchange.js";
import { ipLimited } from "./ip-limited.js";
import { findOrder } from "./order-lookup.js";
import type { AdminAuth } from "../../admission/auth.js";
import type { Breakers } from "../../admission/breakers.js";
import { ORDER_ID_RE } from "../../admission/ids.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import type { OrderLifecycle } from "../../orders/order-lifecycle.js";
import { needsRow, orderView } from "../../orders/order-status.js";
import type { OrderRepository } from "../../persistence/order-repository.js";

const notFound = () => new ApiError("ORDER_NOT_FOUND", "no order with this id");

export interface AdminOrderRoutesDeps {
  auth: AdminAuth;
  repo: OrderRepository;
  limits: RateLimits;
  breakers: Breakers;
  lifecycle: OrderLifecycle;
}

/**
 * GET /v1/admin/orders/{orderId}, for support (`flashsale order <orderId>`): any buyer's order, found as the
 * buyer's status read finds it (the ledger, else its MySQL row; unknown is 503 with Retry-After) and shown
 * the same way, with its payment deadline and, once its row is in MySQL, its payment events and refunds
 * owed (two key lookups in the buyer's shard database; an order without a row has neither).
 */
export class AdminOrderRoutes {
  readonly order: Handler;

  constructor(private readonly deps: AdminOrderRoutesDeps) {
    this.order = ipLimited(deps.limits, (req) => this.read(req));
  }

  private async read(req: Req): Promise<HttpReply> {
    const { auth, breakers, repo, lifecycle } = this.deps;
    auth.check(req.authorization);
    const orderId = req.params[0]!;
    if (!ORDER_ID_RE.test(orderId)) throw new ApiError("INVALID_REQUEST", "order id is malformed");
    const order = await findOrder(lifecycle, breakers, orderId, notFound);
    const { userId, saleId } = order.facts;
    const row = order.row ?? (needsRow(order) ? await breakers.mysql.run(() => repo.getOrder(userId, orderId)) : null);
    const view = orderView(order, row);
    const money = row
      ? await breakers.mysql.run(() => repo.paymentsOf(userId, saleId, orderId))
      : { payments: [], refunds: [] };
    return {
      status: 200,
      body: {
        ...view,
        createdAt: view.createdAt.toISOString(),
        updatedAt: view.updatedAt.toISOString(),
        payBy: new Date(order.payBy).toISOString(),
        payments: money.payments.map((p) => ({ ...p, receivedAt: p.receivedAt.toISOString() })),
        refunds: money.refunds.map((r) => ({ ...r, recordedAt: r.recordedAt.toISOString() })),
      },
    };
  }
}

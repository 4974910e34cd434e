import { ApiError } from "../errors.js";
import { constantReply, errorReply, type Handler, type RoutePolicy } from "./exchange.js";
import type { AdminOrderRoutes } from "./routes/admin-orders.js";
import type { AdminRoutes } from "./routes/admin.js";
import type { BuyerRoutes } from "./routes/buyer.js";
import type { OpsRoutes } from "./routes/ops.js";
import type { OrderRoutes } from "./routes/orders.js";
import type { PaymentRoutes } from "./routes/payments.js";
import type { QueueRoutes } from "./routes/queue.js";

export interface Routes {
  buyer: BuyerRoutes;
  orders: OrderRoutes;
  payments: PaymentRoutes;
  admin: AdminRoutes;
  adminOrders: AdminOrderRoutes;
  ops: OpsRoutes;
  queue: QueueRoutes;
}

/** The handlers a route picks from: the route classes, and the OpenAPI document (built by the server). */
export interface RouteHandlers extends Routes {
  openapi: Handler;
}

export type RouteMethod = "get" | "post" | "put";

/**
 * Where a route is served: "public" on `server.port` (buyers, the storefront, the payment provider), "ops" on
 * `server.ops` (operators, probes, Prometheus). A route is served on its listener only; the other answers 404.
 */
export type Listener = "public" | "ops";

/** Who may call a route, which is also its OpenAPI security requirement. */
export type Caller = "anyone" | "buyer" | "operator" | "payment_provider";

export interface RouteSpec {
  method: RouteMethod;
  /** uWS pattern: `:name` segments are path parameters. */
  path: string;
  /** The route's label in metrics and its OpenAPI operationId. */
  name: string;
  caller: Caller;
  listener: Listener;
  handler: (r: RouteHandlers) => Handler;
  /** Never shed nor rate-limited: the operations endpoints, since a saturated process must still say so. */
  operational?: true;
  /**
   * Shed only at the in-flight limit, never for a late event loop: the payment provider's callbacks. A paid
   * order shed while the drop saturates the gateway stays unpaid, its units held from waiting buyers (the
   * room closes only once none can come back), for as long as the provider's retries back off.
   */
  settles?: true;
  /** The route reads the Idempotency-Key header (elsewhere the exchange does not read it). */
  idempotencyKey?: true;
  /** The route reads the Queue-Ticket header. */
  queueTicket?: true;
  /** When a request will be answered without touching a dependency (RoutePolicy.cheap). */
  cheap?: (r: RouteHandlers) => (param0: string) => boolean;
  /** When a gate in front already meters the request: shed only at the in-flight limit (RoutePolicy.metered). */
  metered?: (r: RouteHandlers) => (param0: string) => boolean;
  /**
   * Cache-Control of the route's 2xx answers, for a route whose answer is the same whoever asks (no
   * credentials read). Every other answer, and every answer of a route without it, is `no-store`: an
   * answer that depends on the Authorization header (an order, a token, an operator view) or on the moment
   * (a refusal, a probe) must never be served from a shared cache to someone else.
   */
  cacheControl?: string;
}

/** The Cache-Control of every answer that a shared cache must not keep. */
export const NO_STORE = "no-store";

/** The exchange's policy for a route; the payment provider's routes read X-Signature. */
export function policyOf(spec: RouteSpec, r: RouteHandlers): RoutePolicy {
  return {
    shed: spec.operational === true ? false : spec.settles === true ? "in_flight" : true,
    idempotencyKey: spec.idempotencyKey === true,
    queueTicket: spec.queueTicket === true,
    signature: spec.caller === "payment_provider",
    cheap: spec.cheap?.(r),
    metered: spec.metered?.(r),
    cacheControl: { ok: spec.cacheControl ?? NO_STORE, other: NO_STORE },
  };
}

/**
 * Each path of `routes` (uWS pattern) with the methods it takes, upper case, in table order; `extra` (say
 * OPTIONS, when CORS preflights are answered on every path) is added to each. Whatever listener serves a
 * set of routes refuses every other method on their paths with `methodNotAllowed`.
 */
export function allowedMethods(
  routes: readonly Pick<RouteSpec, "method" | "path">[],
  extra: readonly string[] = [],
): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const r of routes) {
    const list = byPath.get(r.path) ?? [];
    if (!list.includes(r.method.toUpperCase())) list.push(r.method.toUpperCase());
    byPath.set(r.path, list);
  }
  for (const list of byPath.values()) for (const m of extra) if (!list.includes(m)) list.push(m);
  return byPath;
}

/** 405 METHOD_NOT_ALLOWED with `Allow` (RFC 9110 §15.5.6), the same answer each time. */
export function methodNotAllowed(allow: readonly string[]): Handler {
  const list = allow.join(", ");
  const reply = constantReply(
    errorReply(new ApiError("METHOD_NOT_ALLOWED", `this path takes ${list}`, { allow: list })),
  );
  return () => reply;
}

/**
 * Every route the gateway serves, as data: the server registers exactly these (plus the CORS preflight and
 * the not-found catch-all) and the OpenAPI document is built from them, so the two cannot drift. Read at
 * registration only; the request path never looks at this table.
 */
export const ROUTES = [
  // The same for every caller, and `remaining` may lag 250 ms anyway: a CDN may hold it for a second.
  {
    method: "get",
    path: "/v1/sales/:saleId",
    name: "sale",
    caller: "anyone",
    listener: "public",
    handler: (r) => r.buyer.getSale,
    cacheControl: "public, max-age=1",
  },
  {
    method: "post",
    path: "/v1/sales/:saleId/tokens",
    name: "token",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.buyer.issueToken,
  },
  // After sell-out, the flood is answered from the local flag: shedding it would cost as much and bring it back.
  // Through a waiting room, the room already meters the orders (only admitted buyers hold a token): shed only
  // at the in-flight limit, since a 503 to an admitted buyer only spends its window and brings it back.
  {
    method: "post",
    path: "/v1/sales/:saleId/orders",
    name: "order",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.buyer.placeOrder,
    idempotencyKey: true,
    cheap: (r) => r.buyer.soldOutHere,
    metered: (r) => r.buyer.roomMeteredHere,
  },
  // The waiting room (docs/waiting-room.md): join, poll (answered from the local progress copy), the
  // proof-of-work challenge and the pre-queue's draw (public, fixed once the sale has started).
  {
    method: "post",
    path: "/v1/sales/:saleId/queue",
    name: "queue_join",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.queue.join,
  },
  {
    method: "get",
    path: "/v1/sales/:saleId/queue",
    name: "queue_poll",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.queue.poll,
    queueTicket: true,
    cheap: (r) => r.queue.pollAnsweredHere,
  },
  {
    method: "get",
    path: "/v1/sales/:saleId/queue/challenge",
    name: "queue_challenge",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.queue.challenge,
  },
  {
    method: "get",
    path: "/v1/sales/:saleId/queue/draw",
    name: "queue_draw",
    caller: "anyone",
    listener: "public",
    handler: (r) => r.queue.draw,
    cacheControl: "public, max-age=60",
  },
  {
    method: "get",
    path: "/v1/orders/:orderId",
    name: "order_status",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.orders.getOrder,
  },
  {
    method: "post",
    path: "/v1/orders/:orderId/cancel",
    name: "order_cancel",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.orders.cancel,
  },
  {
    method: "post",
    path: "/v1/payments/callback",
    name: "payment_callback",
    caller: "payment_provider",
    listener: "public",
    handler: (r) => r.payments.callback,
    settles: true,
  },
  {
    method: "get",
    path: "/v1/admin/sales",
    name: "admin_list_sales",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.list,
  },
  {
    method: "put",
    path: "/v1/admin/sales/:saleId",
    name: "admin_put_sale",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.putSale,
  },
  {
    method: "get",
    path: "/v1/admin/sales/:saleId/stats",
    name: "admin_stats",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.stats,
  },
  {
    method: "post",
    path: "/v1/admin/sales/:saleId/reconcile",
    name: "admin_reconcile",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.reconcile,
  },
  {
    method: "post",
    path: "/v1/admin/sales/:saleId/pause",
    name: "admin_pause",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.pause,
  },
  {
    method: "post",
    path: "/v1/admin/sales/:saleId/resume",
    name: "admin_resume",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.resume,
  },
  {
    method: "get",
    path: "/v1/admin/sales/:saleId/refunds",
    name: "admin_refunds",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.admin.refunds,
  },
  // Support's order read: any buyer's order, with its payments and refunds.
  {
    method: "get",
    path: "/v1/admin/orders/:orderId",
    name: "admin_order",
    caller: "operator",
    listener: "ops",
    handler: (r) => r.adminOrders.order,
  },
  {
    method: "get",
    path: "/healthz",
    name: "healthz",
    caller: "anyone",
    listener: "ops",
    handler: (r) => r.ops.healthz,
    operational: true,
  },
  {
    method: "get",
    path: "/readyz",
    name: "readyz",
    caller: "anyone",
    listener: "ops",
    handler: (r) => r.ops.readyz,
    operational: true,
  },
  // What /readyz no longer asks: whether Redis, MySQL and RocketMQ answer, and the circuit breakers.
  {
    method: "get",
    path: "/health/dependencies",
    name: "dependencies",
    caller: "anyone",
    listener: "ops",
    handler: (r) => r.ops.dependencies,
    operational: true,
  },
  {
    method: "get",
    path: "/metrics",
    name: "metrics",
    caller: "anyone",
    listener: "ops",
    handler: (r) => r.ops.metricsText,
    operational: true,
  },
  {
    method: "get",
    path: "/openapi.json",
    name: "openapi",
    caller: "anyone",
    listener: "public",
    handler: (r) => r.openapi,
    operational: true,
  },
] as const satisfies readonly RouteSpec[];

export type RouteName = (typeof ROUTES)[number]["name"];

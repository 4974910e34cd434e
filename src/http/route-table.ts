import type { Handler, RoutePolicy } from "./exchange.js";
import type { AdminRoutes } from "./routes/admin.js";
import type { BuyerRoutes } from "./routes/buyer.js";
import type { OpsRoutes } from "./routes/ops.js";
import type { OrderRoutes } from "./routes/orders.js";
import type { PaymentRoutes } from "./routes/payments.js";

export interface Routes {
  buyer: BuyerRoutes;
  orders: OrderRoutes;
  payments: PaymentRoutes;
  admin: AdminRoutes;
  ops: OpsRoutes;
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
  /** The route reads the Idempotency-Key header (elsewhere the exchange does not read it). */
  idempotencyKey?: true;
  /** When a request will be answered without touching a dependency (RoutePolicy.cheap). */
  cheap?: (r: RouteHandlers) => (param0: string) => boolean;
}

/** The exchange's policy for a route; the payment provider's routes read X-Signature. */
export function policyOf(spec: RouteSpec, r: RouteHandlers): RoutePolicy {
  return {
    shed: spec.operational !== true,
    idempotencyKey: spec.idempotencyKey === true,
    signature: spec.caller === "payment_provider",
    cheap: spec.cheap?.(r),
  };
}

/**
 * Every route the gateway serves, as data: the server registers exactly these (plus the CORS preflight and
 * the not-found catch-all) and the OpenAPI document is built from them, so the two cannot drift. Read at
 * registration only; the request path never looks at this table.
 */
export const ROUTES = [
  {
    method: "get",
    path: "/v1/sales/:saleId",
    name: "sale",
    caller: "anyone",
    listener: "public",
    handler: (r) => r.buyer.getSale,
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
  {
    method: "post",
    path: "/v1/sales/:saleId/orders",
    name: "order",
    caller: "buyer",
    listener: "public",
    handler: (r) => r.buyer.placeOrder,
    idempotencyKey: true,
    cheap: (r) => r.buyer.soldOutHere,
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

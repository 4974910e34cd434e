import type { us_listen_socket } from "uWebSockets.js";
import type { LoadShedder } from "../admission/load-shedder.js";
import { ApiError } from "../errors.js";
import type { Metrics } from "../observability/metrics.js";
import type { Cors } from "./cors.js";
import { errorReply, route, type ExchangeOptions } from "./exchange.js";
import type { AdminRoutes } from "./routes/admin.js";
import type { BuyerRoutes } from "./routes/buyer.js";
import type { OpsRoutes } from "./routes/ops.js";
import type { OrderRoutes } from "./routes/orders.js";
import type { PaymentRoutes } from "./routes/payments.js";
import { loadUws } from "./uws.js";

export interface HttpServerOptions {
  host: string;
  maxBodyBytes: number;
  metrics: Metrics;
  shedder: LoadShedder;
  /** Turns a known dependency failure into an API error (unknown ones become INTERNAL_ERROR). */
  classify: (err: unknown) => ApiError | undefined;
  cors: Cors;
}

export interface Routes {
  buyer: BuyerRoutes;
  orders: OrderRoutes;
  payments: PaymentRoutes;
  admin: AdminRoutes;
  ops: OpsRoutes;
}

/** The gateway's HTTP server on uWS: the complete route table, in one place. */
export class HttpServer {
  private listenSocket: us_listen_socket | null = null;
  port = 0;

  constructor(
    private readonly opts: HttpServerOptions,
    private readonly routes: Routes,
  ) {}

  /** Listens on `port` (0 picks a free one). */
  async listen(port: number): Promise<void> {
    const uws = loadUws();
    const app = uws.App();
    const { buyer, orders, payments, admin, ops } = this.routes;
    const opts: ExchangeOptions = {
      maxBodyBytes: this.opts.maxBodyBytes,
      metrics: this.opts.metrics,
      shedder: this.opts.shedder,
      classify: this.opts.classify,
      cors: this.opts.cors,
      onError: (err, req) => process.stderr.write(`[gateway] ${req.method} ${req.path} ${req.requestId}: ${(err as Error)?.stack ?? String(err)}\n`),
    };
    // Operations endpoints are never shed: a saturated process must still say so.
    const unshed = { shed: false };
    route(app, "get", "/v1/sales/:saleId", "sale", buyer.getSale, opts);
    route(app, "post", "/v1/sales/:saleId/tokens", "token", buyer.issueToken, opts);
    // After sell-out, the flood is answered from the local flag: shedding it would cost as much and bring it back.
    route(app, "post", "/v1/sales/:saleId/orders", "order", buyer.placeOrder, opts, { idempotencyKey: true, cheap: buyer.soldOutHere });
    route(app, "get", "/v1/orders/:orderId", "order_status", orders.getOrder, opts);
    route(app, "post", "/v1/orders/:orderId/cancel", "order_cancel", orders.cancel, opts);
    route(app, "post", "/v1/payments/callback", "payment_callback", payments.callback, opts, { signature: true });
    route(app, "get", "/v1/admin/sales", "admin_list_sales", admin.list, opts);
    route(app, "put", "/v1/admin/sales/:saleId", "admin_put_sale", admin.putSale, opts);
    route(app, "get", "/v1/admin/sales/:saleId/stats", "admin_stats", admin.stats, opts);
    route(app, "post", "/v1/admin/sales/:saleId/reconcile", "admin_reconcile", admin.reconcile, opts);
    route(app, "post", "/v1/admin/sales/:saleId/pause", "admin_pause", admin.pause, opts);
    route(app, "post", "/v1/admin/sales/:saleId/resume", "admin_resume", admin.resume, opts);
    route(app, "get", "/v1/admin/sales/:saleId/refunds", "admin_refunds", admin.refunds, opts);
    route(app, "get", "/healthz", "healthz", ops.healthz, opts, unshed);
    route(app, "get", "/readyz", "readyz", ops.readyz, opts, unshed);
    route(app, "get", "/metrics", "metrics", ops.metricsText, opts, unshed);
    // A browser's preflight, when cross-origin access is configured (`server.cors`); otherwise not found.
    if (this.opts.cors.enabled) route(app, "options", "/*", "cors_preflight", (req) => this.opts.cors.preflight(req.corsOrigin), opts, unshed);
    route(app, "any", "/*", "not_found", () => errorReply(new ApiError("NOT_FOUND", "no such route")), opts);
    await new Promise<void>((done, fail) => {
      app.listen(this.opts.host, port, (sock) => {
        if (!sock) return fail(new Error(`cannot listen on ${this.opts.host}:${port}`));
        this.listenSocket = sock;
        this.port = uws.us_socket_local_port(sock);
        done();
      });
    });
  }

  close(): void {
    if (this.listenSocket) loadUws().us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }
}

import type { us_listen_socket } from "@btc-vision/uwebsockets.js";
import type { LoadShedder } from "../admission/load-shedder.js";
import { ApiError } from "../errors.js";
import { accessLogger, type Logger } from "../observability/log.js";
import type { Metrics } from "../observability/metrics.js";
import type { Cors } from "./cors.js";
import { errorReply, route, type ExchangeOptions, type Handler } from "./exchange.js";
import { openApiHandler } from "./openapi.js";
import {
  allowedMethods,
  methodNotAllowed,
  NO_STORE,
  policyOf,
  ROUTES,
  type Listener,
  type RouteHandlers,
  type Routes,
  type RouteSpec,
} from "./route-table.js";
import { loadedUws, loadUws } from "./uws.js";
import { waitPageRoutes } from "./wait-page.js";

export interface HttpServerOptions {
  /** Which routes of the table this server serves (the others answer 404 here). */
  listener: Listener;
  host: string;
  maxBodyBytes: number;
  metrics: Metrics;
  shedder: LoadShedder;
  /** Turns a known dependency failure into an API error (unknown ones become INTERNAL_ERROR). */
  classify: (err: unknown) => ApiError | undefined;
  /** Cross-origin access: the public listener's (`server.cors`); the ops listener has none. */
  cors: Cors;
  /** The process's root logger: unexpected failures (component "http") and the access log ("access"). */
  log: Logger;
  /** Share of answered requests written to the access log (`log.accessSampleRate`); every 500 too. */
  accessSampleRate: number;
}

/**
 * One of the gateway's HTTP listeners on uWS, serving the routes of the table (route-table.ts) for its
 * listener and nothing else: the public one (buyers, payments, the OpenAPI document) and the ops one
 * (admin, probes, metrics) are two of these, each on its own address and port.
 */
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
    const opts: ExchangeOptions = {
      maxBodyBytes: this.opts.maxBodyBytes,
      metrics: this.opts.metrics,
      shedder: this.opts.shedder,
      classify: this.opts.classify,
      cors: this.opts.cors,
      onError: (err, req) =>
        this.opts.log.error(
          {
            component: "http",
            err,
            method: req.method,
            path: req.path,
            requestId: req.requestId,
            traceId: req.traceId,
          },
          "unexpected failure answered 500",
        ),
      access: { log: accessLogger(this.opts.log), sampleRate: this.opts.accessSampleRate },
    };
    const handlers: RouteHandlers = { ...this.routes, openapi: openApiHandler() };
    // This listener's routes only: the other listener's paths are not found here, not a 405.
    const mine = (ROUTES as readonly RouteSpec[]).filter((r) => r.listener === this.opts.listener);
    for (const r of mine) route(app, r.method, r.path, r.name, r.handler(handlers), opts, policyOf(r, handlers));
    // The waiting room's buyer page, beside the API (not in its document): constant answers, never shed.
    const pages = this.opts.listener === "public" ? waitPageRoutes() : [];
    for (const p of pages)
      route(app, "get", p.path, p.name, p.handler, opts, {
        shed: false,
        cacheControl: { ok: p.cacheControl, other: NO_STORE },
      });
    // A browser's preflight, when cross-origin access is configured (`server.cors`); otherwise not found.
    // On the table's paths too: uWS prefers `any` on a path (the 405 below) to `options` on a wildcard.
    const preflight = this.opts.cors.enabled ? ["OPTIONS"] : [];
    const paths = allowedMethods([...mine, ...pages.map((p) => ({ method: "get" as const, path: p.path }))], preflight);
    if (this.opts.cors.enabled) {
      const answer: Handler = (req) => this.opts.cors.preflight(req.corsOrigin);
      route(app, "options", "/*", "cors_preflight", answer, opts, { shed: false });
      for (const path of paths.keys()) route(app, "options", path, "cors_preflight", answer, opts, { shed: false });
    }
    // Any other method on a path of the table: 405 with Allow.
    for (const [path, allow] of paths) route(app, "any", path, "method_not_allowed", methodNotAllowed(allow), opts);
    route(app, "any", "/*", "not_found", () => errorReply(new ApiError("NOT_FOUND", "no such route")), opts);
    await new Promise<void>((done, fail) => {
      app.listen(this.opts.host, port, (sock) => {
        if (!sock) return fail(new Error(`cannot listen on ${this.opts.host}:${port}`));
        this.listenSocket = sock;
        this.port = uws.us_socket_local_port(sock);
        // Which uWS build serves is said once per process, by the public listener.
        const build = loadedUws();
        if (this.opts.listener === "public")
          this.opts.log.info(
            { component: "http", uws: build },
            `HTTP on ${build.package} ${build.version} (${build.binary}), Node ${build.node}`,
          );
        done();
      });
    });
  }

  close(): void {
    if (this.listenSocket) loadUws().us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }
}

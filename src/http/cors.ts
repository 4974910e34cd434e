import type { HttpReply } from "./exchange.js";

/** Request headers a storefront's browser code sends to the gateway. */
const ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key, X-Request-Id, traceparent";
/** Response headers its code may read: the request id and trace, a replay's mark and a retry's wait. */
export const EXPOSE_HEADERS = "X-Request-Id, traceparent, Idempotent-Replayed, Retry-After";
const ALLOW_METHODS = "GET, POST, PUT";

/**
 * Cross-origin access for storefronts that call the gateway from the browser (`server.cors`): only the
 * configured origins (or every origin with "*") get `Access-Control-Allow-Origin`, on every answer (errors
 * and 503s included, so their code can read them) and on the preflight, which is answered 204 without
 * running any handler. An origin not listed gets no CORS header at all, and the browser refuses.
 */
export class Cors {
  private readonly origins: ReadonlySet<string>;
  private readonly any: boolean;
  private readonly maxAge: string;

  constructor(cfg: { origins: string[]; maxAgeSeconds: number }) {
    this.any = cfg.origins.includes("*");
    this.origins = new Set(cfg.origins.filter((o) => o !== "*"));
    this.maxAge = String(cfg.maxAgeSeconds);
  }

  get enabled(): boolean {
    return this.any || this.origins.size > 0;
  }

  /** The Access-Control-Allow-Origin value for a request's Origin header, or "" when it gets none. */
  allow(origin: string): string {
    if (origin === "") return "";
    return this.origins.has(origin) ? origin : this.any ? "*" : "";
  }

  /** The preflight's answer (the exchange adds Allow-Origin when the origin is allowed). */
  preflight(allowedOrigin: string): HttpReply {
    if (allowedOrigin === "") return { status: 204, body: "", contentType: "text/plain" };
    return {
      status: 204,
      body: "",
      contentType: "text/plain",
      headers: {
        "access-control-allow-methods": ALLOW_METHODS,
        "access-control-allow-headers": ALLOW_HEADERS,
        "access-control-max-age": this.maxAge,
      },
    };
  }
}

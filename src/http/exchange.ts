import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import type { LoadShedder } from "../admission/load-shedder.js";
import type { Metrics, RouteRecorder } from "../observability/metrics.js";
import { ApiError, STATUS_TEXT } from "./errors.js";

/** What a handler may read of a request: copied out synchronously, since uWS reuses HttpRequest. */
export interface Req {
  method: string;
  path: string;
  params: string[];
  authorization: string;
  contentType: string;
  idempotencyKey: string;
  signature: string;
  requestId: string;
  forwardedFor: string;
  remoteIp: string;
  body: Buffer | null;
}

export interface Reply {
  status: number;
  /** Serialized as JSON; a string is sent as is. */
  body: unknown;
  headers?: Record<string, string>;
  /** Default application/json. */
  contentType?: string;
}

export type Handler = (req: Req) => Reply | Promise<Reply>;

export interface ExchangeOptions {
  maxBodyBytes: number;
  /** Requests by route, status and code, and latency. */
  metrics?: Metrics;
  /** Refuses requests with 503 before any work when the process is saturated (routes registered with shed). */
  shedder?: LoadShedder;
  onError?: (err: unknown, req: Req) => void;
  /** Turns a known failure (a dependency down, say) into an API error; unknown ones become INTERNAL_ERROR. */
  classify?: (err: unknown) => ApiError | undefined;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;
const PROCESS_TAG = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
let seq = 0;

function requestId(given: string): string {
  return REQUEST_ID_RE.test(given) ? given : `${PROCESS_TAG}-${(++seq).toString(36)}`;
}

function errorReply(err: ApiError): Reply {
  return { status: err.status, body: { error: { code: err.code, message: err.message } }, headers: err.headers };
}

/** The error code of a reply, for metrics ("" for a success). */
function codeOf(reply: Reply): string {
  if (reply.status < 400) return "";
  const err = (reply.body as { error?: { code?: unknown } } | null)?.error;
  return typeof err?.code === "string" ? err.code : "";
}

function write(res: HttpResponse, requestIdValue: string, reply: Reply): void {
  res.writeStatus(STATUS_TEXT[reply.status] ?? String(reply.status));
  res.writeHeader("content-type", reply.contentType ?? "application/json");
  res.writeHeader("x-request-id", requestIdValue);
  if (reply.headers) for (const k in reply.headers) res.writeHeader(k, reply.headers[k]!);
  res.end(typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body));
}

/**
 * Registers a route. The handler runs once the body (if any) is read in full; a sync reply is written at
 * once, an async one inside cork() unless the client has gone. With `shed`, the load shedder may refuse the
 * request before anything is read; an admitted request counts as in flight until it is answered.
 */
export function route(
  app: TemplatedApp,
  method: "get" | "post" | "put" | "any",
  pattern: string,
  name: string,
  handler: Handler,
  opts: ExchangeOptions,
  policy: { shed: boolean } = { shed: true },
): void {
  const paramCount = (pattern.match(/:/g) ?? []).length;
  const withBody = method === "post" || method === "put";
  const recorder: RouteRecorder | undefined = opts.metrics?.route(name);
  const shedder = policy.shed && opts.shedder?.enabled ? opts.shedder : undefined;
  app[method](pattern, (res: HttpResponse, hreq: HttpRequest) => {
    const started = performance.now();
    if (shedder) {
      const refused = shedder.admit();
      if (refused) {
        write(res, requestId(hreq.getHeader("x-request-id")), refused);
        recorder?.record(refused.status, "UNAVAILABLE", (performance.now() - started) / 1000);
        return;
      }
    }
    const params: string[] = [];
    for (let i = 0; i < paramCount; i++) params.push(hreq.getParameter(i) ?? "");
    const req: Req = {
      method: hreq.getMethod().toUpperCase(),
      path: hreq.getUrl(),
      params,
      authorization: hreq.getHeader("authorization"),
      contentType: hreq.getHeader("content-type"),
      idempotencyKey: hreq.getHeader("idempotency-key"),
      signature: hreq.getHeader("x-signature"),
      requestId: requestId(hreq.getHeader("x-request-id")),
      forwardedFor: hreq.getHeader("x-forwarded-for"),
      remoteIp: Buffer.from(res.getRemoteAddressAsText()).toString(),
      body: null,
    };
    let aborted = false;
    let answered = false;
    let running = false;
    // Exactly once per admitted request: when it is answered, or when the client leaves before it ran.
    const release = () => {
      if (answered) return;
      answered = true;
      shedder?.release();
    };
    res.onAborted(() => {
      aborted = true;
      if (!running) release();
    });
    const finish = (reply: Reply) => {
      release();
      if (aborted) return;
      res.cork(() => write(res, req.requestId, reply));
      recorder?.record(reply.status, codeOf(reply), (performance.now() - started) / 1000);
    };
    const run = () => {
      running = true;
      let out: Reply | Promise<Reply>;
      try {
        out = handler(req);
      } catch (err) {
        finish(toReply(err, req, opts));
        return;
      }
      if (out instanceof Promise) out.then(finish, (err: unknown) => finish(toReply(err, req, opts)));
      else finish(out);
    };
    if (!withBody) return run();
    const declared = Number(hreq.getHeader("content-length") || "0");
    if (declared > opts.maxBodyBytes) {
      finish(errorReply(new ApiError("PAYLOAD_TOO_LARGE", `body over ${opts.maxBodyBytes} bytes`)));
      return;
    }
    let chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    res.onData((ab, isLast) => {
      if (done) return;
      size += ab.byteLength;
      if (size > opts.maxBodyBytes) {
        done = true;
        finish(errorReply(new ApiError("PAYLOAD_TOO_LARGE", `body over ${opts.maxBodyBytes} bytes`)));
        return;
      }
      // uWS owns the ArrayBuffer only for this call: copy it.
      chunks.push(Buffer.from(ab.slice(0)));
      if (!isLast) return;
      done = true;
      req.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks = [];
      run();
    });
  });
}

function toReply(err: unknown, req: Req, opts: ExchangeOptions): Reply {
  if (err instanceof ApiError) return errorReply(err);
  const known = opts.classify?.(err);
  if (known) return errorReply(known);
  opts.onError?.(err, req);
  return errorReply(new ApiError("INTERNAL_ERROR", "unexpected failure; retry with the same Idempotency-Key"));
}

export { errorReply };

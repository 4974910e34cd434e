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

/** What a route needs per request, bound once at registration. */
interface RouteRuntime {
  handler: Handler;
  opts: ExchangeOptions;
  recorder: RouteRecorder | undefined;
  shedder: LoadShedder | undefined;
}

/**
 * One request in flight. The steps are module functions over this object rather than closures made per
 * request: under tsx (esbuild keepNames) every `const f = () => ...` in a function body is wrapped in a
 * naming call that costs about 0.3 µs each time it runs, a measurable share of the sold-out reject path.
 */
class Exchange {
  aborted = false;
  answered = false;
  running = false;

  constructor(
    readonly res: HttpResponse,
    readonly req: Req,
    readonly started: number,
    readonly rt: RouteRuntime,
  ) {}
}

/** Exactly once per admitted request: when it is answered, or when the client leaves before it ran. */
function release(ex: Exchange): void {
  if (ex.answered) return;
  ex.answered = true;
  ex.rt.shedder?.release();
}

function finish(ex: Exchange, reply: Reply): void {
  release(ex);
  if (ex.aborted) return;
  ex.res.cork(() => write(ex.res, ex.req.requestId, reply));
  ex.rt.recorder?.record(reply.status, codeOf(reply), (performance.now() - ex.started) / 1000);
}

function run(ex: Exchange): void {
  ex.running = true;
  let out: Reply | Promise<Reply>;
  try {
    out = ex.rt.handler(ex.req);
  } catch (err) {
    finish(ex, toReply(err, ex.req, ex.rt.opts));
    return;
  }
  if (out instanceof Promise) {
    out.then(
      (reply) => finish(ex, reply),
      (err: unknown) => finish(ex, toReply(err, ex.req, ex.rt.opts)),
    );
  } else finish(ex, out);
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
  const rt: RouteRuntime = { handler, opts, recorder, shedder };
  const tooLarge = () => errorReply(new ApiError("PAYLOAD_TOO_LARGE", `body over ${opts.maxBodyBytes} bytes`));
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
    const ex = new Exchange(res, req, started, rt);
    res.onAborted(() => {
      ex.aborted = true;
      if (!ex.running) release(ex);
    });
    if (!withBody) return run(ex);
    const declared = Number(hreq.getHeader("content-length") || "0");
    if (declared > opts.maxBodyBytes) {
      finish(ex, tooLarge());
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
        finish(ex, tooLarge());
        return;
      }
      // uWS owns the ArrayBuffer only for this call: copy it.
      chunks.push(Buffer.from(ab.slice(0)));
      if (!isLast) return;
      done = true;
      req.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      chunks = [];
      run(ex);
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

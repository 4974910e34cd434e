import type { HttpRequest, HttpResponse, TemplatedApp } from "@btc-vision/uwebsockets.js";
import type { LoadShedder } from "../admission/load-shedder.js";
import { asApiError } from "../admission/refusals.js";
import { ipv4TextOf } from "../admission/client-ip.js";
import { ApiError } from "../errors.js";
import type { Logger } from "../observability/log.js";
import type { Metrics, RouteRecorder } from "../observability/metrics.js";
import { traceContext } from "../observability/trace-context.js";
import { EXPOSE_HEADERS, type Cors } from "./cors.js";

const STATUS_TEXT: Record<number, string> = {
  200: "200 OK",
  201: "201 Created",
  202: "202 Accepted",
  204: "204 No Content",
  400: "400 Bad Request",
  401: "401 Unauthorized",
  403: "403 Forbidden",
  404: "404 Not Found",
  405: "405 Method Not Allowed",
  409: "409 Conflict",
  413: "413 Payload Too Large",
  415: "415 Unsupported Media Type",
  422: "422 Unprocessable Entity",
  429: "429 Too Many Requests",
  500: "500 Internal Server Error",
  503: "503 Service Unavailable",
};

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
  /** The W3C trace this request belongs to: the caller's `traceparent`'s, or a new one. */
  traceId: string;
  /** The gateway's `traceparent` for this request (its own span id): answered, and carried in the order message. */
  traceparent: string;
  /** The buyer, once a route has authenticated one ("" until then): for the access log. */
  userId: string;
  forwardedFor: string;
  remoteIp: string;
  /** The Access-Control-Allow-Origin this request's Origin earned ("" without CORS, or not allowed). */
  corsOrigin: string;
  /** The Queue-Ticket header, read only on the routes that take one (RoutePolicy.queueTicket). */
  queueTicket?: string;
  body: Buffer | null;
}

export interface HttpReply {
  status: number;
  /** Serialized as JSON; a string is sent as is. */
  body: unknown;
  headers?: Record<string, string>;
  /** Default application/json. */
  contentType?: string;
  /** The body as sent, encoded ahead of time (constantReply); `body` stays the same value, for metrics and readers. */
  readonly encoded?: Uint8Array;
}

export type Handler = (req: Req) => HttpReply | Promise<HttpReply>;

export interface ExchangeOptions {
  maxBodyBytes: number;
  /** Requests by route, status and code, and latency. */
  metrics?: Metrics;
  /** Refuses requests with 503 before any work when the process is saturated (routes registered with shed). */
  shedder?: LoadShedder;
  onError?: (err: unknown, req: Req) => void;
  /** Turns a known failure (a dependency down, say) into an API error; unknown ones become INTERNAL_ERROR. */
  classify?: (err: unknown) => ApiError | undefined;
  /** Cross-origin access (`server.cors`); the Origin header is read only when it is enabled. */
  cors?: Cors;
  /** The sampled access log: one line per answered request with probability `sampleRate`, every 500. */
  access?: AccessLog;
}

export interface AccessLog {
  log: Logger;
  /** 0..1; 0 logs only the 500 answers (bugs). */
  sampleRate: number;
}

/** A caller's X-Request-Id is echoed only when it matches; otherwise one is made up. */
export const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * uWS converts every string argument to UTF-8 in a fresh heap allocation (v8 Utf8Value) on each call; bytes
 * are read in place. Header names, status lines and the default content type are therefore encoded once.
 */
const utf8Bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const H_AUTHORIZATION = utf8Bytes("authorization");
const H_CONTENT_TYPE = utf8Bytes("content-type");
const H_IDEMPOTENCY_KEY = utf8Bytes("idempotency-key");
const H_QUEUE_TICKET = utf8Bytes("queue-ticket");
const H_SIGNATURE = utf8Bytes("x-signature");
const H_REQUEST_ID = utf8Bytes("x-request-id");
const H_TRACEPARENT = utf8Bytes("traceparent");
const H_FORWARDED_FOR = utf8Bytes("x-forwarded-for");
const H_CONTENT_LENGTH = utf8Bytes("content-length");
const H_ORIGIN = utf8Bytes("origin");
const H_ALLOW_ORIGIN = utf8Bytes("access-control-allow-origin");
const H_VARY = utf8Bytes("vary");
const H_EXPOSE = utf8Bytes("access-control-expose-headers");
const H_CACHE_CONTROL = utf8Bytes("cache-control");
const ORIGIN_VALUE = utf8Bytes("Origin");
const EXPOSE_VALUE = utf8Bytes(EXPOSE_HEADERS);
const APPLICATION_JSON = utf8Bytes("application/json");
const STATUS_LINE: Record<number, Uint8Array> = Object.fromEntries(
  Object.entries(STATUS_TEXT).map(([k, v]) => [k, utf8Bytes(v)]),
);

/** A reply sent many times unchanged: its body is serialized and encoded once, here. */
export function constantReply(reply: HttpReply): HttpReply {
  const text = typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body);
  return Object.freeze({ ...reply, encoded: utf8Bytes(text) });
}
const PROCESS_TAG = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
let seq = 0;

function requestId(given: string): string {
  return given.length > 0 && REQUEST_ID_RE.test(given) ? given : `${PROCESS_TAG}-${(++seq).toString(36)}`;
}

/** The one way an ApiError becomes an answer. */
export function errorReply(err: ApiError): HttpReply {
  return { status: err.status, body: err.body, headers: err.headers };
}

/** Refusals the load shedder hands out again and again, each encoded once. */
const refusals = new WeakMap<ApiError, HttpReply>();
function refusalReply(err: ApiError): HttpReply {
  let reply = refusals.get(err);
  if (!reply) refusals.set(err, (reply = constantReply(errorReply(err))));
  return reply;
}

/** The error code of a reply, for metrics ("" for a success). */
function codeOf(reply: HttpReply): string {
  if (reply.status < 400) return "";
  const err = (reply.body as { error?: { code?: unknown } } | null)?.error;
  return typeof err?.code === "string" ? err.code : "";
}

/** A route's Cache-Control values, encoded once: one for its 2xx answers, one for every other. */
interface CacheHeaders {
  ok: Uint8Array;
  other: Uint8Array;
}

function write(
  res: HttpResponse,
  requestIdValue: string,
  traceparent: string,
  reply: HttpReply,
  corsOrigin: string,
  cache: CacheHeaders | undefined,
): void {
  res.writeStatus(STATUS_LINE[reply.status] ?? String(reply.status));
  res.writeHeader(H_CONTENT_TYPE, reply.contentType ?? APPLICATION_JSON);
  res.writeHeader(H_REQUEST_ID, requestIdValue);
  res.writeHeader(H_TRACEPARENT, traceparent);
  if (cache) res.writeHeader(H_CACHE_CONTROL, reply.status >= 200 && reply.status < 300 ? cache.ok : cache.other);
  if (corsOrigin !== "") {
    res.writeHeader(H_ALLOW_ORIGIN, corsOrigin);
    res.writeHeader(H_VARY, ORIGIN_VALUE);
    res.writeHeader(H_EXPOSE, EXPOSE_VALUE);
  }
  if (reply.headers) for (const k in reply.headers) res.writeHeader(k, reply.headers[k]!);
  res.end(reply.encoded ?? (typeof reply.body === "string" ? reply.body : JSON.stringify(reply.body)));
}

/**
 * Req as copied out of uWS. The peer address is the exception: reading it costs a getpeername syscall and
 * its formatting, and most requests never look at it (only an enabled IP limiter does), so it is read on
 * first access. Handlers read it synchronously, while the response is open; once the client has gone or
 * the answer was sent, uWS no longer holds the socket and it reads as "".
 */
class UwsReq implements Req {
  body: Buffer | null = null;
  queueTicket = "";
  userId = "";
  /** Set when the response may no longer be touched (aborted or answered). */
  closed = false;
  private ip: string | undefined = undefined;

  constructor(
    private readonly res: HttpResponse,
    public method: string,
    public path: string,
    public params: string[],
    public authorization: string,
    public contentType: string,
    public idempotencyKey: string,
    public signature: string,
    public requestId: string,
    public traceId: string,
    public traceparent: string,
    public forwardedFor: string,
    public corsOrigin: string,
  ) {}

  get remoteIp(): string {
    if (this.ip === undefined)
      this.ip = this.closed
        ? ""
        : (ipv4TextOf(this.res.getRemoteAddress()) ?? Buffer.from(this.res.getRemoteAddressAsText()).toString());
    return this.ip;
  }

  set remoteIp(ip: string) {
    this.ip = ip;
  }
}

/** What a route needs per request, bound once at registration. */
interface RouteRuntime {
  name: string;
  handler: Handler;
  opts: ExchangeOptions;
  recorder: RouteRecorder | undefined;
  shedder: LoadShedder | undefined;
  access: AccessLog | undefined;
  cache: CacheHeaders | undefined;
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
  /** Counted in the shedder's in-flight requests (a cheap request is not). */
  admitted = false;

  constructor(
    readonly res: HttpResponse,
    readonly req: UwsReq,
    readonly started: number,
    readonly rt: RouteRuntime,
  ) {}
}

/** Exactly once per admitted request: when it is answered, or when the client leaves before it ran. */
function release(ex: Exchange): void {
  if (ex.answered) return;
  ex.answered = true;
  if (ex.admitted) ex.rt.shedder!.release();
}

/**
 * Answers the request. `inCallback`: called synchronously from a uWS callback (the request or its body),
 * where uWS has the socket corked already; otherwise (after an await) the writes are corked here.
 */
function finish(ex: Exchange, reply: HttpReply, inCallback: boolean): void {
  release(ex);
  if (ex.aborted) return;
  const { req } = ex;
  if (inCallback) write(ex.res, req.requestId, req.traceparent, reply, req.corsOrigin, ex.rt.cache);
  else ex.res.cork(() => write(ex.res, req.requestId, req.traceparent, reply, req.corsOrigin, ex.rt.cache));
  ex.req.closed = true;
  ex.rt.recorder?.record(reply.status, codeOf(reply), (performance.now() - ex.started) / 1000);
  if (sampled(ex.rt.access, reply.status))
    logAccess(ex.rt.access, req.method, ex.rt.name, reply.status, codeOf(reply), ex.started, req, req.userId);
}

/**
 * Whether an answer goes to the access log: one Math.random and a compare when it does not, and the line is
 * built only when it does. A 500 is a bug and always written; a 503 is sampled like the rest: with Redis
 * down, a breaker open or the shedder refusing, every buyer gets one, and a line each would add a flood of
 * log writes to the outage.
 */
function sampled(access: AccessLog | undefined, status: number): access is AccessLog {
  return access !== undefined && (status === 500 || Math.random() < access.sampleRate);
}

function logAccess(
  access: AccessLog,
  method: string,
  route: string,
  status: number,
  code: string,
  started: number,
  ids: { requestId: string; traceId: string },
  userId: string,
): void {
  const line = {
    method,
    route,
    status,
    code: code || undefined,
    ms: Math.round((performance.now() - started) * 1000) / 1000,
    requestId: ids.requestId,
    traceId: ids.traceId,
    userId: userId || undefined,
  };
  if (status >= 500) access.log.warn(line, "access");
  else access.log.info(line, "access");
}

function finishLater(ex: Exchange, reply: HttpReply): void {
  finish(ex, reply, false);
}

/** Always called from inside a uWS callback. */
function run(ex: Exchange): void {
  ex.running = true;
  let out: HttpReply | Promise<HttpReply>;
  try {
    out = ex.rt.handler(ex.req);
  } catch (err) {
    finish(ex, toReply(err, ex.req, ex.rt.opts), true);
    return;
  }
  if (out instanceof Promise) {
    out.then(
      (reply) => finishLater(ex, reply),
      (err: unknown) => finishLater(ex, toReply(err, ex.req, ex.rt.opts)),
    );
  } else finish(ex, out, true);
}

/**
 * How a route is served. `shed`: the load shedder may refuse it (default true); "in_flight": only at the
 * in-flight limit (or while the process drains), never for a late event loop. The Idempotency-Key and
 * X-Signature headers are read only for the routes that name them (each header read is a call into uWS,
 * on every request of the route); elsewhere they read as "".
 */
export interface RoutePolicy {
  shed?: boolean | "in_flight";
  /**
   * Given the route's first parameter, true when the request will be answered without touching a
   * dependency (a sold-out sale's flag): never shed then, since a 503 costs what the answer does and
   * only brings the buyer back.
   */
  cheap?: (param0: string) => boolean;
  /**
   * Given the route's first parameter, true when a gate in front of it already meters the request (an
   * order on a sale with a waiting room, from a buyer the room admitted): shed only at the in-flight limit
   * then, as a route whose `shed` is "in_flight".
   */
  metered?: (param0: string) => boolean;
  idempotencyKey?: boolean;
  signature?: boolean;
  /** The route reads the Queue-Ticket header (the waiting room's poll). */
  queueTicket?: boolean;
  /**
   * Cache-Control: `ok` on the route's 2xx answers, `other` on every other (refusals, errors, 503s). Unset:
   * no Cache-Control header.
   */
  cacheControl?: { ok: string; other: string };
}

/**
 * Registers a route. The handler runs once the body (if any) is read in full; a sync reply is written at
 * once, an async one inside cork() unless the client has gone. With `shed`, the load shedder may refuse the
 * request before anything is read; an admitted request counts as in flight until it is answered.
 */
export function route(
  app: TemplatedApp,
  method: "get" | "post" | "put" | "options" | "any",
  pattern: string,
  name: string,
  handler: Handler,
  opts: ExchangeOptions,
  policy: RoutePolicy = {},
): void {
  const withBody = method === "post" || method === "put";
  const shape: RequestShape = {
    paramCount: (pattern.match(/:/g) ?? []).length,
    // uWS dispatches only this method to a post or put route; other patterns read it per request.
    fixedMethod: withBody ? method.toUpperCase() : undefined,
    readKey: policy.idempotencyKey === true,
    readSignature: policy.signature === true,
    readTicket: policy.queueTicket === true,
  };
  const recorder: RouteRecorder | undefined = opts.metrics?.route(name);
  // Every sheddable route goes through the shedder, enabled or not: it also counts requests in flight and
  // refuses new ones while the process drains.
  const shedder = policy.shed !== false ? opts.shedder : undefined;
  // Refused only at the in-flight limit, never for a late event loop (RoutePolicy.shed "in_flight").
  const inFlightOnly = policy.shed === "in_flight";
  const cheap = policy.cheap;
  const metered = policy.metered;
  const cache = policy.cacheControl && {
    ok: utf8Bytes(policy.cacheControl.ok),
    other: utf8Bytes(policy.cacheControl.other),
  };
  const rt: RouteRuntime = { name, handler, opts, recorder, shedder, access: opts.access, cache };
  const cors = opts.cors?.enabled ? opts.cors : undefined;
  app[method](pattern, (res: HttpResponse, hreq: HttpRequest) => {
    const started = performance.now();
    const corsOrigin = cors ? cors.allow(hreq.getHeader(H_ORIGIN)) : "";
    const param0 = cheap || metered ? (hreq.getParameter(0) ?? "") : "";
    const admitted = shedder !== undefined && !cheap?.(param0);
    if (admitted) {
      const refused = shedder.admit(inFlightOnly || metered?.(param0) === true);
      if (refused) return refuse(rt, res, hreq, refused, corsOrigin, started, shape.fixedMethod);
    }
    const req = readRequest(res, hreq, shape, corsOrigin);
    const ex = new Exchange(res, req, started, rt);
    ex.admitted = admitted;
    res.onAborted(() => {
      ex.aborted = true;
      req.closed = true;
      if (!ex.running) release(ex);
    });
    if (!withBody) return run(ex);
    readBody(ex, Number(hreq.getHeader(H_CONTENT_LENGTH) || "0"));
  });
}

/** What a route reads of every request, fixed at registration. */
interface RequestShape {
  paramCount: number;
  /** The method when uWS dispatches only one to the route; otherwise it is read per request. */
  fixedMethod: string | undefined;
  readKey: boolean;
  readSignature: boolean;
  readTicket: boolean;
}

/** A request the shedder refused: answered at once, before anything else of it is read. */
function refuse(
  rt: RouteRuntime,
  res: HttpResponse,
  hreq: HttpRequest,
  refused: ApiError,
  corsOrigin: string,
  started: number,
  fixedMethod: string | undefined,
): void {
  const ids = { requestId: requestId(hreq.getHeader(H_REQUEST_ID)), ...traceContext(hreq.getHeader(H_TRACEPARENT)) };
  write(res, ids.requestId, ids.traceparent, refusalReply(refused), corsOrigin, rt.cache);
  rt.recorder?.record(refused.status, refused.code, (performance.now() - started) / 1000);
  if (sampled(rt.access, refused.status))
    logAccess(
      rt.access,
      fixedMethod ?? hreq.getMethod().toUpperCase(),
      rt.name,
      refused.status,
      refused.code,
      started,
      ids,
      "",
    );
}

/** The request as handlers see it; the Idempotency-Key and X-Signature headers only where the route names them. */
function readRequest(res: HttpResponse, hreq: HttpRequest, shape: RequestShape, corsOrigin: string): UwsReq {
  const params: string[] = [];
  for (let i = 0; i < shape.paramCount; i++) params.push(hreq.getParameter(i) ?? "");
  const trace = traceContext(hreq.getHeader(H_TRACEPARENT));
  const req = new UwsReq(
    res,
    shape.fixedMethod ?? hreq.getMethod().toUpperCase(),
    hreq.getUrl(),
    params,
    hreq.getHeader(H_AUTHORIZATION),
    hreq.getHeader(H_CONTENT_TYPE),
    shape.readKey ? hreq.getHeader(H_IDEMPOTENCY_KEY) : "",
    shape.readSignature ? hreq.getHeader(H_SIGNATURE) : "",
    requestId(hreq.getHeader(H_REQUEST_ID)),
    trace.traceId,
    trace.traceparent,
    hreq.getHeader(H_FORWARDED_FOR),
    corsOrigin,
  );
  if (shape.readTicket) req.queueTicket = hreq.getHeader(H_QUEUE_TICKET);
  return req;
}

/** Reads the body in full, then runs the handler; over `maxBodyBytes` (declared or sent) it answers 413. */
function readBody(ex: Exchange, declared: number): void {
  const { opts } = ex.rt;
  if (declared > opts.maxBodyBytes) {
    finish(ex, tooLarge(opts), true);
    return;
  }
  let chunks: Buffer[] = [];
  let size = 0;
  let done = false;
  ex.res.onData((ab, isLast) => {
    if (done) return;
    size += ab.byteLength;
    if (size > opts.maxBodyBytes) {
      done = true;
      finish(ex, tooLarge(opts), true);
      return;
    }
    // uWS owns the ArrayBuffer only for this call: copy it (once, into Node's buffer pool when small).
    chunks.push(Buffer.copyBytesFrom(new Uint8Array(ab)));
    if (!isLast) return;
    done = true;
    ex.req.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    chunks = [];
    run(ex);
  });
}

function tooLarge(opts: ExchangeOptions): HttpReply {
  return errorReply(new ApiError("PAYLOAD_TOO_LARGE", `body over ${opts.maxBodyBytes} bytes`));
}

function toReply(err: unknown, req: Req, opts: ExchangeOptions): HttpReply {
  // A domain refusal (replicas behind, a key in flight) is answered as its ApiError wherever it was met.
  const answer = asApiError(err);
  if (answer instanceof ApiError) return errorReply(answer);
  const known = opts.classify?.(err);
  if (known) return errorReply(known);
  opts.onError?.(err, req);
  return errorReply(new ApiError("INTERNAL_ERROR", "unexpected failure; retry with the same Idempotency-Key"));
}

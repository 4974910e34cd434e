import { isErrorCode, RETRYABLE_CODES } from "./error-codes.js";
import { FlashSaleError, FlashSaleTransportError } from "./errors.js";
import type { AnswerInfo, CancelledOrder, Order, PlacedOrder, PurchaseToken, ReservedOrder, Sale } from "./types.js";

export interface RetryOptions {
  /** Requests per call, the first included (default 4; 1 turns retrying off). */
  maxAttempts?: number;
  /** The longest wait between two attempts (default 5000 ms); a longer Retry-After is cut to it. */
  maxDelayMs?: number;
  /** The wait after the first failure when the answer has no Retry-After (default 100 ms); it doubles per attempt. */
  baseDelayMs?: number;
}

export interface FlashSaleClientOptions {
  /** The gateway, e.g. `https://shop.example.com/flash` (no trailing path after it). */
  baseUrl: string;
  /** The buyer's bearer token: a JWT from the storefront's identity provider (buyer calls only). */
  token?: string;
  /** Asked before every buyer request, retries too, so a token that expires mid-sale can be refreshed. */
  getToken?: () => string | Promise<string>;
  /** Defaults to the global fetch (browsers, Node 18+). */
  fetch?: typeof fetch;
  retry?: RetryOptions;
  /** How long one attempt may take (default 10 000 ms); one that times out is retried like a lost connection. */
  timeoutMs?: number;
  /** Sees every answer, retried ones included, before it becomes a result or an error (logging, metrics). */
  onResponse?: (answer: AnswerInfo) => void;
}

/** Per call. */
export interface CallOptions {
  /** Aborts the call, waits between retries included; the promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Sent as X-Request-Id on every attempt of the call (default: a new UUID), so its log lines can be found. */
  requestId?: string;
}

export interface PlaceOrderInput {
  /**
   * A purchase token from `takeToken`, sent as the Idempotency-Key. Without one the client takes a token
   * first. Keep it to place the same order again later: the gateway answers the first outcome again.
   */
  purchaseToken?: string;
  /** Units (default 1). */
  quantity?: number;
}

interface Call {
  method: "GET" | "POST";
  path: string;
  auth: boolean;
  body?: unknown;
  idempotencyKey?: string;
}

interface Answer<T> {
  body: T;
  headers: Headers;
  attempts: number;
  requestId?: string;
}

const DEFAULT_RETRY: Required<RetryOptions> = Object.freeze({ maxAttempts: 4, maxDelayMs: 5000, baseDelayMs: 100 });
/** Proxies and load balancers in front of a gateway answer these when it is briefly unreachable. */
const RETRYABLE_PROXY_STATUS: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * The gateway's buyer API for storefronts, in browsers and Node, with no dependencies. Every call retries
 * what is not an outcome (429, 503, a lost connection, a key still in progress), waiting the answer's
 * Retry-After, and never retries a final answer. Placing an order sends the same Idempotency-Key on every
 * attempt, so a retry can only ever return the first attempt's order, never buy twice.
 */
export class FlashSaleClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly retry: Required<RetryOptions>;
  private readonly timeoutMs: number;

  constructor(private readonly options: FlashSaleClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl))
      throw new TypeError(`baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    if (!options.fetch && typeof globalThis.fetch !== "function")
      throw new TypeError("no global fetch: pass options.fetch");
    // Called as a plain function: a browser's fetch called as a method of another object throws "Illegal invocation".
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(this.retry.maxAttempts) || this.retry.maxAttempts < 1)
      throw new RangeError("retry.maxAttempts must be an integer >= 1");
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** The sale and its remaining stock (no credentials needed). */
  async getSale(saleId: string, opts?: CallOptions): Promise<Sale> {
    return (await this.send<Sale>({ method: "GET", path: `/v1/sales/${seg(saleId)}`, auth: false }, opts)).body;
  }

  /** A one-time purchase token for this buyer and sale, issued from shortly before the start until the end. */
  async takeToken(saleId: string, opts?: CallOptions): Promise<PurchaseToken> {
    return (
      await this.send<PurchaseToken>({ method: "POST", path: `/v1/sales/${seg(saleId)}/tokens`, auth: true }, opts)
    ).body;
  }

  /**
   * Reserves `quantity` units: resolves with the 202's order, or rejects with a FlashSaleError whose code is
   * final (SOLD_OUT, LIMIT_EXCEEDED, SALE_NOT_LIVE, INVALID_TOKEN, ...) or, after the last attempt,
   * retryable (UNAVAILABLE, RATE_LIMITED: nothing was bought; place it again later with `idempotencyKey`).
   */
  async placeOrder(saleId: string, input: PlaceOrderInput = {}, opts?: CallOptions): Promise<PlacedOrder> {
    const key = input.purchaseToken ?? (await this.takeToken(saleId, opts)).token;
    const body = input.quantity === undefined ? {} : { quantity: input.quantity };
    const a = await this.send<ReservedOrder>(
      { method: "POST", path: `/v1/sales/${seg(saleId)}/orders`, auth: true, body, idempotencyKey: key },
      opts,
    );
    return {
      order: a.body,
      replayed: a.headers.get("idempotent-replayed") === "true",
      idempotencyKey: key,
      attempts: a.attempts,
      requestId: a.requestId,
    };
  }

  /** The buyer's own order; RESERVED until its row is in MySQL, then CONFIRMED, PAID or CANCELLED. */
  async getOrder(orderId: string, opts?: CallOptions): Promise<Order> {
    return (await this.send<Order>({ method: "GET", path: `/v1/orders/${seg(orderId)}`, auth: true }, opts)).body;
  }

  /** Cancels the buyer's unpaid order (idempotent); a paid one is ORDER_NOT_CANCELLABLE. */
  async cancelOrder(orderId: string, opts?: CallOptions): Promise<CancelledOrder> {
    return (
      await this.send<CancelledOrder>({ method: "POST", path: `/v1/orders/${seg(orderId)}/cancel`, auth: true }, opts)
    ).body;
  }

  private async bearer(): Promise<string> {
    const token = this.options.getToken ? await this.options.getToken() : this.options.token;
    if (!token) throw new TypeError("this call needs the buyer's credentials: pass options.token or options.getToken");
    return token;
  }

  private async send<T>(call: Call, opts: CallOptions = {}): Promise<Answer<T>> {
    const requestId = opts.requestId ?? newRequestId();
    const request = `${call.method} ${call.path}`;
    const { maxAttempts } = this.retry;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { accept: "application/json", "x-request-id": requestId };
      if (call.auth) headers.authorization = `Bearer ${await this.bearer()}`;
      if (call.idempotencyKey !== undefined) headers["idempotency-key"] = call.idempotencyKey;
      if (call.body !== undefined) headers["content-type"] = "application/json";
      const context = { request, attempts: attempt, requestId, idempotencyKey: call.idempotencyKey };

      let res: { status: number; headers: Headers; text: string };
      try {
        res = await this.attempt(call, headers, opts.signal);
      } catch (err) {
        // The caller gave up: no retry, their reason.
        if (opts.signal?.aborted) throw opts.signal.reason ?? err;
        const failure = new FlashSaleTransportError(`no answer (${reasonOf(err)})`, context, undefined, { cause: err });
        if (attempt >= maxAttempts) throw failure;
        await sleep(this.delay(attempt, undefined), opts.signal);
        continue;
      }

      const body = parse(res.text);
      this.options.onResponse?.({
        method: call.method,
        path: call.path,
        attempt,
        status: res.status,
        headers: res.headers,
        body,
      });
      context.requestId = res.headers.get("x-request-id") ?? requestId;
      const retryAfter = retryAfterSeconds(res.headers.get("retry-after"));
      if (res.status >= 200 && res.status < 300) {
        if (typeof body !== "object" || body === null)
          throw new FlashSaleTransportError(`${res.status} with a body that is not JSON`, context, res.status);
        return { body: body as T, headers: res.headers, attempts: attempt, requestId: context.requestId };
      }
      const code = (body as { error?: { code?: unknown } } | null)?.error?.code;
      let failure: FlashSaleError | FlashSaleTransportError;
      let retryable: boolean;
      if (isErrorCode(code)) {
        retryable = RETRYABLE_CODES.has(code);
        const message = String((body as { error: { message?: unknown } }).error.message ?? "");
        const replayed = res.headers.get("idempotent-replayed") === "true";
        failure = new FlashSaleError(code, res.status, message, context, retryAfter, replayed, retryable);
      } else {
        // Not the gateway's answer: a proxy in front of it, or something else entirely on that address.
        retryable = RETRYABLE_PROXY_STATUS.has(res.status);
        failure = new FlashSaleTransportError(`${res.status} without a gateway error body`, context, res.status);
      }
      if (!retryable || attempt >= maxAttempts) throw failure;
      await sleep(this.delay(attempt, retryAfter), opts.signal);
    }
  }

  /** One request and its body, bounded by timeoutMs and the caller's signal. */
  private async attempt(call: Call, headers: Record<string, string>, signal: AbortSignal | undefined) {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    const onAbort = () => ac.abort(signal!.reason);
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      const res = await this.fetchImpl(this.baseUrl + call.path, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: ac.signal,
      });
      return { status: res.status, headers: res.headers, text: await res.text() };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  /**
   * The wait before attempt `attempt + 1`: the answer's Retry-After, else an exponential backoff; capped at
   * maxDelayMs. Jitter only lengthens it (Retry-After is the earliest the gateway wants to hear back), so a
   * crowd refused at the same moment does not come back at the same moment.
   */
  private delay(attempt: number, retryAfter: number | undefined): number {
    const wanted = retryAfter !== undefined ? retryAfter * 1000 : this.retry.baseDelayMs * 2 ** (attempt - 1);
    return Math.min(this.retry.maxDelayMs, wanted * (1 + Math.random() / 4));
  }
}

function seg(id: string): string {
  return encodeURIComponent(id);
}

function newRequestId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Retry-After as seconds from now: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return cause?.code ?? cause?.message ?? err.message;
  }
  return String(err);
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

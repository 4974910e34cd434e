import {
  FlashSaleClient,
  FlashSaleError,
  retryAfterSeconds,
  type AnswerInfo,
  type RetryOptions,
} from "@flashsale/client";
import { signBuyerJwt } from "../src/admission/auth.js";
import { PaymentSignature } from "../src/admission/payment-signature.js";

/** One answer: status, parsed JSON body (the raw text when it is not JSON), headers. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface ApiCredentials {
  /** Signs buyer JWTs, as the storefront's identity provider would. */
  userJwtSecret: string;
  /** The operator token, or the config's list of them (`auth.adminToken`): the first is sent. */
  adminToken: string | readonly string[];
  /** Signs payment callbacks, as the payment provider would (optional: only the provider has it). */
  webhookSecret?: string;
}

export interface SaleSpec {
  stock: number;
  perUserLimit?: number;
  shards?: number;
  /** Start relative to now (default: a second ago, so the sale is live). */
  startInMs?: number;
  durationMs?: number;
  skuId?: string;
  paymentTimeoutSeconds?: number;
}

/**
 * The gateway's HTTP API as storefront, buyer and operator call it: the one client of the tests, the
 * benchmarks' setup and the demo's setup (the floods use their own, cheaper, keep-alive clients).
 * Buyer calls go through the storefront client (`@flashsale/client`): `storefront(user)` is one that
 * retries as a storefront would; `order`, `orderStatus`, `cancel` and `sale` send one attempt through it
 * and hand back the raw answer, for the tests that assert on a 429's or 503's status and headers (`token`
 * gives the token, or throws its typed error).
 * Operator and payment-provider calls, and deliberately malformed requests, use `call`, which sends the
 * operator and operations paths (OPS_PATH_RE: the admin API, /metrics, /readyz, /healthz, /health/...) to
 * the gateway's ops listener (`opsBase`, `server.ops`) and everything else to its public port (`base`).
 */
export class ApiClient {
  constructor(
    readonly base: string,
    private readonly creds: ApiCredentials,
    /** The ops listener (`server.ops`): admin API, probes, metrics. */
    readonly opsBase: string,
  ) {}

  /** The URL of a path on the listener that serves it: the ops one for admin and ops paths, else the public one. */
  url(path: string): string {
    return (OPS_PATH_RE.test(path) ? this.opsBase : this.base) + path;
  }

  jwt(userId: string, ttlSeconds = 600): string {
    return signBuyerJwt(this.creds.userJwtSecret, { sub: userId, exp: Math.floor(Date.now() / 1000) + ttlSeconds });
  }

  async call<T = any>(
    method: string,
    path: string,
    opts: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const r = await fetch(this.url(path), { method, headers, body });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: r.status, body: parsed as T, headers: r.headers };
  }

  /**
   * The storefront client as this buyer (a fresh JWT per request; none without a buyer), retrying 429, 503
   * and lost connections; `onResponse` sees every answer.
   */
  storefront(
    userId: string | undefined,
    retry?: RetryOptions,
    onResponse?: (answer: AnswerInfo) => void,
  ): FlashSaleClient {
    return new FlashSaleClient({
      baseUrl: this.base,
      getToken: userId === undefined ? undefined : () => this.jwt(userId),
      retry,
      onResponse,
    });
  }

  /** One buyer call through the storefront client, no retry, as the raw answer (status, parsed body, headers). */
  private async once<T = any>(
    userId: string | undefined,
    run: (c: FlashSaleClient) => Promise<unknown>,
  ): Promise<ApiResponse<T>> {
    let last: ApiResponse<T> | undefined;
    const client = this.storefront(
      userId,
      { maxAttempts: 1 },
      (a) => (last = { status: a.status, body: a.body as T, headers: a.headers }),
    );
    try {
      await run(client);
    } catch (err) {
      // No answer at all (connection refused): nothing to hand back.
      if (!last) throw err;
    }
    return last!;
  }

  admin(): Record<string, string> {
    const token = this.creds.adminToken;
    return { authorization: `Bearer ${typeof token === "string" ? token : token[0]}` };
  }

  buyer(userId: string): Record<string, string> {
    return { authorization: `Bearer ${this.jwt(userId)}` };
  }

  /** Creates (or, before its start, replaces) a sale; live now unless `startInMs` says otherwise. */
  putSale(saleId: string, sale: SaleSpec) {
    const startsAt = Date.now() + (sale.startInMs ?? -1000);
    return this.call("PUT", `/v1/admin/sales/${saleId}`, {
      headers: this.admin(),
      body: {
        skuId: sale.skuId ?? `sku-${saleId}`,
        stock: sale.stock,
        perUserLimit: sale.perUserLimit ?? 1,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + (sale.durationMs ?? 3_600_000)).toISOString(),
        shards: sale.shards,
        paymentTimeoutSeconds: sale.paymentTimeoutSeconds,
      },
    });
  }

  /**
   * putSale, asked again while the gateway answers 503 or 429 (shedding under load, an open breaker), after
   * its Retry-After: a PUT of one sale is idempotent. For scripts that set up sales on a busy gateway (the
   * demo puts the headline sale right after its warm-up flood).
   */
  putSaleRetrying(saleId: string, sale: SaleSpec, forMs = 60_000) {
    return askedAgain(() => this.putSale(saleId, sale), forMs);
  }

  /**
   * A payment event delivered again, unchanged, while the gateway answers 503 or 429, as a provider
   * redelivers: a 503 may stand behind an applied event (docs/api.md, deliberate differences), whose
   * redelivery replays its real answer.
   */
  payRedelivered(event: { eventId: string; orderId: string; status: "SUCCEEDED" | "FAILED" }, forMs = 30_000) {
    return askedAgain(() => this.pay(event), forMs);
  }

  /** A purchase token for this buyer; throws (a FlashSaleError, one attempt) unless issued. */
  async token(saleId: string, userId: string): Promise<string> {
    return (await this.storefront(userId, { maxAttempts: 1 }).takeToken(saleId)).token;
  }

  /** One order attempt with this token as Idempotency-Key; body `{}` when no quantity is given. */
  order(saleId: string, userId: string, token: string, quantity?: number) {
    return this.once(userId, (c) => c.placeOrder(saleId, { purchaseToken: token, quantity }));
  }

  /**
   * The order asked again with the same token while the gateway answers 503 or 429, as a storefront does
   * (a 503 before the reservation deducted nothing; one after it is replayed by the token's first answer).
   */
  orderRetrying(saleId: string, userId: string, token: string, forMs = 30_000) {
    return askedAgain(() => this.order(saleId, userId, token), forMs);
  }

  orderStatus(orderId: string, userId: string) {
    return this.once(userId, (c) => c.getOrder(orderId));
  }

  cancel(orderId: string, userId: string) {
    return this.once(userId, (c) => c.cancelOrder(orderId));
  }

  /** The payment provider's callback, signed over the exact bytes sent. */
  pay(event: { eventId: string; orderId: string; status: "SUCCEEDED" | "FAILED" }) {
    const raw = JSON.stringify(event);
    return this.call("POST", "/v1/payments/callback", {
      headers: { "content-type": "application/json", "x-signature": this.signPayment(raw) },
      raw,
    });
  }

  /**
   * X-Signature as a provider signs: `t=<unix s>,sha256=<HMAC of "<t>.<raw>">` at `atMs` (now by default),
   * or the contract's plain `sha256=<HMAC of raw>` when `atMs` is null.
   */
  signPayment(raw: string, atMs: number | null = Date.now()): string {
    if (!this.creds.webhookSecret) throw new Error("this client has no webhook secret");
    return new PaymentSignature(this.creds.webhookSecret).sign(raw, atMs);
  }

  pause(saleId: string) {
    return this.call("POST", `/v1/admin/sales/${saleId}/pause`, { headers: this.admin() });
  }

  resume(saleId: string) {
    return this.call("POST", `/v1/admin/sales/${saleId}/resume`, { headers: this.admin() });
  }

  refunds(saleId: string) {
    return this.call("GET", `/v1/admin/sales/${saleId}/refunds`, { headers: this.admin() });
  }

  sale(saleId: string) {
    return this.once(undefined, (c) => c.getSale(saleId));
  }

  stats(saleId: string) {
    return this.call("GET", `/v1/admin/sales/${saleId}/stats`, { headers: this.admin() });
  }

  reconcile(saleId: string) {
    return this.call("POST", `/v1/admin/sales/${saleId}/reconcile`, { headers: this.admin() });
  }

  /** True once GET /readyz answers 200. */
  ready(): Promise<boolean> {
    return fetch(`${this.opsBase}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  }
}

/** The paths served on the ops listener (`server.ops`) rather than the public port. */
export const OPS_PATH_RE = /^\/(v1\/admin(\/|$|\?)|metrics|readyz|healthz|health\/)/;

/** Throws unless an answer has the status (and error code) expected; `what` names the step. */
export function expectStatus(what: string, got: { status: number; body: any }, status: number, code?: string): void {
  if (got.status !== status || (code !== undefined && got.body?.error?.code !== code)) {
    throw new Error(`${what}: expected ${status} ${code ?? ""}, got ${got.status} ${JSON.stringify(got.body)}`);
  }
}

/** Throws unless a storefront call was refused 409 SOLD_OUT (a setup that sells out and sets the flag). */
export async function expectSoldOut(what: string, call: Promise<unknown>): Promise<void> {
  const outcome = await call.then(
    (r) => r,
    (e: unknown) => e,
  );
  if (outcome instanceof FlashSaleError && outcome.code === "SOLD_OUT") return;
  throw new Error(
    `${what}: expected 409 SOLD_OUT, got ${outcome instanceof Error ? outcome.message : JSON.stringify(outcome)}`,
  );
}

/** Calls again after each 503 or 429, once its Retry-After has passed, until another answer or `forMs`. */
async function askedAgain<T>(call: () => Promise<ApiResponse<T>>, forMs: number): Promise<ApiResponse<T>> {
  const deadline = Date.now() + forMs;
  for (;;) {
    const r = await call();
    if ((r.status !== 503 && r.status !== 429) || Date.now() > deadline) return r;
    await new Promise((done) =>
      setTimeout(done, Math.max(200, (retryAfterSeconds(r.headers.get("retry-after")) ?? 1) * 1000)),
    );
  }
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NO_FIELDS } from "../admission/body.js";
import { ORDER_ID_RE, PURCHASE_TOKEN_RE, SALE_ID_RE, SKU_ID_RE, USER_ID_RE } from "../admission/ids.js";
import { SIGNATURE_RE } from "../admission/payment-signature.js";
import { ERRORS, type ErrorCode } from "../errors.js";
import { SHOWN_STATUSES } from "../order.js";
import { REFUND_REASONS } from "../orders/order-state.js";
import { SALE_STATUSES } from "../reservation/sale.js";
import { repoRoot } from "../util/repo-root.js";
import { constantReply, REQUEST_ID_RE, type Handler } from "./exchange.js";
import { ROUTES, type Caller, type RouteName, type RouteSpec } from "./route-table.js";
import { ISO_TIME_RE, SALE_FIELDS, SALE_LIMITS, SALE_REQUIRED } from "./routes/admin.js";
import { MAX_QUANTITY, ORDER_FIELDS } from "./routes/buyer.js";
import { EVENT_ID_RE, PAYMENT_FIELDS, PAYMENT_STATUSES } from "./routes/payments.js";

/**
 * The OpenAPI 3.1 document of the gateway, built once from the route table (every path and method), the
 * error registry (every code with its status) and the constants the validators check against (field sets,
 * id patterns, integer bounds), so that it cannot describe another API than the one served.
 * test/http/openapi.test.ts holds the document, the server and the registry to each other.
 */

type Schema = Record<string, unknown>;

/** A JS RegExp as a JSON Schema pattern (ECMA-262 too, so the source carries over unchanged). */
const pattern = (re: RegExp): Schema => ({ type: "string", pattern: re.source });
const positiveInt = (max: number): Schema => ({ type: "integer", minimum: 1, maximum: max });
const ref = (kind: "schemas" | "parameters" | "headers" | "responses", name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});

/**
 * A JSON object body that takes exactly the validator's allowed fields: a field the validator accepts but
 * the document does not describe (or the reverse) stops the build, so the two are changed together.
 */
function bodySchema(
  allowed: ReadonlySet<string>,
  properties: Record<string, Schema>,
  required: readonly string[] = [],
): Schema {
  const documented = Object.keys(properties);
  const missing = [...allowed].filter((f) => !documented.includes(f));
  const extra = documented.filter((f) => !allowed.has(f));
  if (missing.length > 0 || extra.length > 0)
    throw new Error(`OpenAPI body out of step with its validator: undocumented ${missing}, not accepted ${extra}`);
  return { type: "object", properties, required: [...required], additionalProperties: false };
}

const time: Schema = {
  description: "ISO-8601 (a string starting YYYY-MM-DDT, read by Date.parse) or unix milliseconds",
  oneOf: [
    { ...pattern(ISO_TIME_RE), format: "date-time" },
    { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  ],
};
const isoTime: Schema = { type: "string", format: "date-time" };
const count: Schema = { type: "integer", minimum: 0 };

const SCHEMAS: Record<string, Schema> = {
  ErrorCode: {
    type: "string",
    enum: Object.keys(ERRORS),
    description: "The error registry (src/errors.ts); docs/api.md lists each code's meaning.",
  },
  Error: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["code", "message"],
        properties: { code: ref("schemas", "ErrorCode"), message: { type: "string" } },
      },
    },
  },
  OrderInput: bodySchema(ORDER_FIELDS, {
    quantity: {
      ...positiveInt(MAX_QUANTITY),
      default: 1,
      description: "above the sale's perUserLimit the answer is 409 LIMIT_EXCEEDED",
    },
  }),
  NoFields: bodySchema(NO_FIELDS, {}),
  SaleInput: bodySchema(
    SALE_FIELDS,
    {
      skuId: pattern(SKU_ID_RE),
      stock: positiveInt(SALE_LIMITS.stock),
      perUserLimit: positiveInt(SALE_LIMITS.perUserLimit),
      startsAt: time,
      endsAt: { ...time, description: "after startsAt" },
      shards: { ...positiveInt(SALE_LIMITS.shards), description: "default: sales.defaultShards" },
      paymentTimeoutSeconds: {
        ...positiveInt(SALE_LIMITS.paymentTimeoutSeconds),
        description: "default: payments.timeoutSeconds",
      },
    },
    SALE_REQUIRED,
  ),
  PaymentEvent: bodySchema(
    PAYMENT_FIELDS,
    {
      eventId: pattern(EVENT_ID_RE),
      orderId: pattern(ORDER_ID_RE),
      status: { type: "string", enum: [...PAYMENT_STATUSES] },
    },
    [...PAYMENT_FIELDS],
  ),
  Sale: {
    type: "object",
    required: [
      "saleId",
      "skuId",
      "stock",
      "perUserLimit",
      "startsAt",
      "endsAt",
      "shards",
      "paymentTimeoutSeconds",
      "paused",
    ],
    properties: {
      saleId: pattern(SALE_ID_RE),
      skuId: pattern(SKU_ID_RE),
      stock: positiveInt(SALE_LIMITS.stock),
      perUserLimit: positiveInt(SALE_LIMITS.perUserLimit),
      startsAt: isoTime,
      endsAt: isoTime,
      shards: positiveInt(SALE_LIMITS.shards),
      paymentTimeoutSeconds: positiveInt(SALE_LIMITS.paymentTimeoutSeconds),
      paused: { type: "boolean" },
      recovering: {
        type: "boolean",
        description: "present while its Redis state is rebuilt from MySQL (paused until then)",
      },
    },
  },
  SaleView: {
    allOf: [
      ref("schemas", "Sale"),
      {
        type: "object",
        required: ["status", "remaining"],
        properties: {
          status: { type: "string", enum: [...SALE_STATUSES] },
          remaining: { ...count, description: "may lag by 250 ms" },
        },
      },
    ],
  },
  SaleList: {
    type: "object",
    required: ["sales"],
    properties: { sales: { type: "array", items: ref("schemas", "Sale") } },
  },
  PurchaseToken: {
    type: "object",
    required: ["token", "expiresAt"],
    properties: { token: pattern(PURCHASE_TOKEN_RE), expiresAt: isoTime },
  },
  OrderAccepted: {
    type: "object",
    required: ["orderId", "saleId", "skuId", "userId", "quantity", "status"],
    properties: {
      orderId: pattern(ORDER_ID_RE),
      saleId: pattern(SALE_ID_RE),
      skuId: pattern(SKU_ID_RE),
      userId: pattern(USER_ID_RE),
      quantity: positiveInt(MAX_QUANTITY),
      status: { const: "RESERVED" },
    },
  },
  Order: {
    type: "object",
    required: ["orderId", "saleId", "skuId", "userId", "quantity", "status", "createdAt", "updatedAt"],
    properties: {
      orderId: pattern(ORDER_ID_RE),
      saleId: pattern(SALE_ID_RE),
      skuId: { oneOf: [pattern(SKU_ID_RE), { type: "null" }] },
      userId: pattern(USER_ID_RE),
      quantity: positiveInt(MAX_QUANTITY),
      status: { type: "string", enum: [...SHOWN_STATUSES] },
      createdAt: isoTime,
      updatedAt: isoTime,
    },
  },
  OrderCancelled: {
    type: "object",
    required: ["orderId", "status"],
    properties: { orderId: pattern(ORDER_ID_RE), status: { const: "CANCELLED" } },
  },
  PaymentApplied: {
    type: "object",
    required: ["orderId", "status"],
    properties: {
      orderId: pattern(ORDER_ID_RE),
      status: { type: "string", description: "the order's status after the event" },
    },
  },
  SaleStats: {
    type: "object",
    required: [
      "saleId",
      "stock",
      "redisRemaining",
      "inTransfer",
      "reserved",
      "pending",
      "confirmed",
      "paid",
      "cancelled",
      "orders",
      "drift",
    ],
    properties: {
      saleId: pattern(SALE_ID_RE),
      stock: count,
      redisRemaining: count,
      inTransfer: count,
      reserved: count,
      pending: count,
      confirmed: count,
      paid: count,
      cancelled: count,
      orders: { type: "object", additionalProperties: count },
      drift: { type: "integer", description: "0 when Redis and MySQL agree" },
    },
  },
  Reconciled: {
    type: "object",
    required: ["saleId"],
    properties: {
      saleId: pattern(SALE_ID_RE),
      settled: { type: "boolean", description: "every order is final and the sale has ended" },
      skipped: { type: "boolean", description: "another process holds the sale's sweep lease: nothing was done" },
      recovering: {
        type: "boolean",
        description: "the sale's Redis state waits for its rebuild: nothing else was done",
      },
    },
    additionalProperties: count,
    description:
      "what one sweeper pass found and repaired: counts by kind (transfersFinished, unitsMoved, ordersPersisted, ...)",
  },
  Refunds: {
    type: "object",
    required: ["saleId", "refunds"],
    properties: {
      saleId: pattern(SALE_ID_RE),
      refunds: {
        type: "array",
        items: {
          type: "object",
          required: ["orderId", "eventId", "reason", "recordedAt"],
          properties: {
            orderId: pattern(ORDER_ID_RE),
            eventId: pattern(EVENT_ID_RE),
            reason: { type: "string", enum: [...REFUND_REASONS] },
            recordedAt: isoTime,
          },
        },
      },
    },
  },
  Health: { type: "object", required: ["status"], properties: { status: { const: "ok" } } },
  Readiness: {
    type: "object",
    required: ["status", "checks"],
    properties: {
      status: { const: "ready" },
      checks: { type: "object", additionalProperties: { enum: ["up", "down"] } },
    },
  },
  Dependencies: {
    type: "object",
    required: ["status", "checks", "breakers"],
    properties: {
      status: { const: "up" },
      checks: { type: "object", additionalProperties: { enum: ["up", "down"] } },
      breakers: { type: "object", additionalProperties: { type: "string" } },
    },
  },
};

const PARAMETERS: Record<string, Schema> = {
  saleId: { name: "saleId", in: "path", required: true, schema: pattern(SALE_ID_RE) },
  orderId: {
    name: "orderId",
    in: "path",
    required: true,
    schema: pattern(ORDER_ID_RE),
    description: "as POST .../orders answered it",
  },
  IdempotencyKey: {
    name: "Idempotency-Key",
    in: "header",
    required: true,
    schema: pattern(PURCHASE_TOKEN_RE),
    description:
      "the purchase token from POST /v1/sales/{saleId}/tokens; a retry sends the same key and body and gets the first answer",
  },
  XRequestId: {
    name: "X-Request-Id",
    in: "header",
    required: false,
    schema: { type: "string" },
    description: `echoed in the answer when it matches ${REQUEST_ID_RE.source}; otherwise the gateway makes one up`,
  },
};

const HEADERS: Record<string, Schema> = {
  XRequestId: { description: "the caller's request id, or one the gateway made up", schema: pattern(REQUEST_ID_RE) },
  IdempotentReplayed: {
    description: "this answer is the first answer to the same key (or event), sent again",
    schema: { const: "true" },
  },
  RetryAfter: {
    description: "seconds to wait before retrying (with the same Idempotency-Key)",
    schema: { type: "integer", minimum: 0 },
  },
};

const SECURITY_SCHEMES: Record<Exclude<Caller, "anyone">, { key: string; scheme: Schema }> = {
  buyer: {
    key: "buyerJwt",
    scheme: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
      description: `sub = the buyer's id (${USER_ID_RE.source}); exp required; see docs/api.md for algorithms and claims`,
    },
  },
  operator: {
    key: "adminToken",
    scheme: { type: "http", scheme: "bearer", description: "the operator token (auth.adminToken)" },
  },
  payment_provider: {
    key: "paymentSignature",
    scheme: {
      type: "apiKey",
      in: "header",
      name: "X-Signature",
      description: `${SIGNATURE_RE.source}: hex HMAC-SHA256 with payments.webhookSecret of "<t>.<raw body>" (t: unix seconds, within payments.signatureToleranceSeconds), or of the raw body alone without t=`,
    },
  },
};

interface Success {
  status: number;
  description: string;
  schema: Schema;
  contentType?: string;
  /** Sent again to a retry, with Idempotent-Replayed: true. */
  replayable?: boolean;
}

/** What each route answers, beyond what the table implies (see commonErrors). */
interface Operation {
  summary: string;
  tag: "buyer" | "operator" | "payments" | "operations";
  body?: { schema: string; required: boolean };
  ok: Success[];
  /** The route's own error codes; the ones every route of its kind can answer are added by commonErrors. */
  errors: ErrorCode[];
  /** Error answers a retry gets again with Idempotent-Replayed: true. */
  replayableErrors?: ErrorCode[];
}

const json = (name: string) => ref("schemas", name);
const operatorSale = (summary: string, ok: Success, extra: ErrorCode[] = []): Operation => ({
  summary,
  tag: "operator",
  ok: [ok],
  errors: ["SALE_NOT_FOUND", ...extra],
});

const OPERATIONS: Record<RouteName, Operation> = {
  sale: {
    summary: "A sale, its status and remaining stock",
    tag: "buyer",
    ok: [{ status: 200, description: "the sale", schema: json("SaleView") }],
    errors: ["SALE_NOT_FOUND"],
  },
  token: {
    summary: "A one-time purchase token for this buyer and sale",
    tag: "buyer",
    body: { schema: "NoFields", required: false },
    ok: [
      {
        status: 201,
        description: "issued from startsAt - tokens.leadSeconds until endsAt",
        schema: json("PurchaseToken"),
      },
    ],
    errors: ["SALE_NOT_FOUND", "SALE_NOT_LIVE", "SOLD_OUT"],
  },
  order: {
    summary: "Reserve units with a purchase token (the Idempotency-Key)",
    tag: "buyer",
    body: { schema: "OrderInput", required: false },
    ok: [
      {
        status: 202,
        description: "reserved; the order reaches MySQL shortly",
        schema: json("OrderAccepted"),
        replayable: true,
      },
    ],
    errors: [
      "SALE_NOT_FOUND",
      "SALE_NOT_LIVE",
      "SOLD_OUT",
      "LIMIT_EXCEEDED",
      "INVALID_TOKEN",
      "IDEMPOTENCY_KEY_REUSED",
      "IDEMPOTENCY_IN_PROGRESS",
    ],
    replayableErrors: ["SOLD_OUT", "LIMIT_EXCEEDED"],
  },
  order_status: {
    summary: "The buyer's order",
    tag: "buyer",
    ok: [{ status: 200, description: "RESERVED until its row is in MySQL", schema: json("Order") }],
    errors: ["ORDER_NOT_FOUND"],
  },
  order_cancel: {
    summary: "Cancel an unpaid order (idempotent); its units go back on sale",
    tag: "buyer",
    body: { schema: "NoFields", required: false },
    ok: [{ status: 200, description: "cancelled", schema: json("OrderCancelled") }],
    errors: ["ORDER_NOT_FOUND", "ORDER_NOT_CANCELLABLE"],
  },
  payment_callback: {
    summary: "The payment provider's event, applied once per eventId",
    tag: "payments",
    body: { schema: "PaymentEvent", required: true },
    ok: [
      {
        status: 200,
        description: "the order's status after the event",
        schema: json("PaymentApplied"),
        replayable: true,
      },
    ],
    errors: ["ORDER_NOT_FOUND", "ORDER_CANCELLED", "IDEMPOTENCY_KEY_REUSED"],
    replayableErrors: ["ORDER_CANCELLED"],
  },
  admin_list_sales: {
    summary: "Every sale not yet expired, by start time",
    tag: "operator",
    ok: [{ status: 200, description: "the sales", schema: json("SaleList") }],
    errors: [],
  },
  admin_put_sale: {
    summary: "Create a sale, or change it before it starts",
    tag: "operator",
    body: { schema: "SaleInput", required: true },
    ok: [
      { status: 201, description: "created", schema: json("Sale") },
      { status: 200, description: "updated", schema: json("Sale") },
    ],
    errors: ["SALE_LOCKED"],
  },
  admin_stats: operatorSale("Redis and MySQL figures of a sale, and their drift", {
    status: 200,
    description: "units by state",
    schema: json("SaleStats"),
  }),
  admin_reconcile: operatorSale("Run one sweeper pass over a sale now", {
    status: 200,
    description: "what it found and repaired",
    schema: json("Reconciled"),
  }),
  admin_pause: {
    ...operatorSale("Pause a sale: tokens and orders get SALE_NOT_LIVE", {
      status: 200,
      description: "the sale",
      schema: json("Sale"),
    }),
    body: { schema: "NoFields", required: false },
  },
  admin_resume: {
    ...operatorSale("Resume a paused sale", { status: 200, description: "the sale", schema: json("Sale") }),
    body: { schema: "NoFields", required: false },
  },
  admin_refunds: operatorSale("Payments recorded for refund", {
    status: 200,
    description: "refunds by time",
    schema: json("Refunds"),
  }),
  healthz: {
    summary: "Liveness",
    tag: "operations",
    ok: [{ status: 200, description: "the process runs", schema: json("Health") }],
    errors: [],
  },
  readyz: {
    summary: "Readiness: this process has started and is not draining (dependencies are not asked)",
    tag: "operations",
    ok: [{ status: 200, description: "ready", schema: json("Readiness") }],
    errors: ["UNAVAILABLE"],
  },
  dependencies: {
    summary: "Dependencies: Redis, MySQL and RocketMQ answer and no circuit is open",
    tag: "operations",
    ok: [{ status: 200, description: "every dependency answers", schema: json("Dependencies") }],
    errors: ["UNAVAILABLE"],
  },
  metrics: {
    summary: "Prometheus metrics",
    tag: "operations",
    ok: [{ status: 200, description: "text exposition format", schema: { type: "string" }, contentType: "text/plain" }],
    errors: [],
  },
  openapi: {
    summary: "This document",
    tag: "operations",
    ok: [{ status: 200, description: "OpenAPI 3.1", schema: { type: "object" } }],
    errors: [],
  },
};

/**
 * The codes any route of this kind can answer whatever its handler does: the exchange's (body too large,
 * an unexpected failure), the shedder's and the client-address limit's (every sheddable route is also
 * behind that limit), the body and path validators', and the caller's credentials.
 */
function commonErrors(route: RouteSpec, op: Operation): ErrorCode[] {
  const codes: ErrorCode[] = ["INTERNAL_ERROR"];
  if (route.operational !== true) codes.push("RATE_LIMITED", "UNAVAILABLE");
  if (route.method !== "get") codes.push("PAYLOAD_TOO_LARGE");
  if (op.body) codes.push("UNSUPPORTED_MEDIA_TYPE", "INVALID_REQUEST");
  if (route.path.includes(":") || route.idempotencyKey) codes.push("INVALID_REQUEST");
  if (route.caller === "buyer" || route.caller === "payment_provider") codes.push("UNAUTHENTICATED");
  // An operator request without a well-formed bearer is unauthenticated; with another token, forbidden.
  if (route.caller === "operator") codes.push("UNAUTHENTICATED", "FORBIDDEN");
  return codes;
}

/** One error response per status: its codes (a subset of the registry's, all with this status) and headers. */
function errorResponse(status: number, codes: ErrorCode[], replayable: boolean): Schema {
  const headers: Schema = { "X-Request-Id": ref("headers", "XRequestId") };
  if (status === 429 || status === 503) headers["Retry-After"] = ref("headers", "RetryAfter");
  if (replayable) headers["Idempotent-Replayed"] = ref("headers", "IdempotentReplayed");
  return {
    description: codes.map((c) => `${c}: ${ERRORS[c].meaning}`).join("; "),
    headers,
    content: {
      "application/json": {
        schema: {
          allOf: [
            json("Error"),
            { type: "object", properties: { error: { type: "object", properties: { code: { enum: codes } } } } },
          ],
        },
      },
    },
  };
}

function operation(route: RouteSpec, op: Operation): Schema {
  const params: Schema[] = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => {
    if (!PARAMETERS[name!]) throw new Error(`route ${route.name}: path parameter ${name} is not documented`);
    return ref("parameters", name!);
  });
  if (route.idempotencyKey) params.push(ref("parameters", "IdempotencyKey"));
  params.push(ref("parameters", "XRequestId"));
  const responses: Record<string, Schema> = {};
  for (const ok of op.ok) {
    const headers: Schema = { "X-Request-Id": ref("headers", "XRequestId") };
    if (ok.replayable) headers["Idempotent-Replayed"] = ref("headers", "IdempotentReplayed");
    responses[String(ok.status)] = {
      description: ok.description,
      headers,
      content: { [ok.contentType ?? "application/json"]: { schema: ok.schema } },
    };
  }
  const codes = [...new Set([...commonErrors(route, op), ...op.errors])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of Object.keys(ERRORS) as ErrorCode[])
    if (codes.includes(c)) byStatus.set(ERRORS[c].status, [...(byStatus.get(ERRORS[c].status) ?? []), c]);
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = errorResponse(
      status,
      list,
      list.some((c) => op.replayableErrors?.includes(c)),
    );
  }
  const out: Schema = { operationId: route.name, summary: op.summary, tags: [op.tag], parameters: params, responses };
  if (route.caller !== "anyone") out.security = [{ [SECURITY_SCHEMES[route.caller].key]: [] }];
  if (op.body)
    out.requestBody = { required: op.body.required, content: { "application/json": { schema: json(op.body.schema) } } };
  return out;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string }).version;
}

/** uWS's `/v1/sales/:saleId` as OpenAPI's `/v1/sales/{saleId}`. */
export function openApiPath(uwsPattern: string): string {
  return uwsPattern.replace(/:(\w+)/g, "{$1}");
}

let built: Schema | undefined;

/** The document (built on first use, then the same object). */
export function openApiDocument(): Schema {
  if (built) return built;
  const paths: Record<string, Record<string, Schema>> = {};
  for (const route of ROUTES as readonly RouteSpec[]) {
    const path = openApiPath(route.path);
    (paths[path] ??= {})[route.method] = operation(route, OPERATIONS[route.name as RouteName]);
  }
  built = {
    openapi: "3.1.0",
    info: {
      title: "flashsale-gateway",
      version: packageVersion(),
      description:
        'Flash-sale gateway. Every answer carries X-Request-Id; errors are {"error": {"code", "message"}} with a code from the registry. ' +
        "The buyer, storefront and payment routes (and this document) are served on the public port (server.port); the operator and operations routes " +
        "on the ops listener (server.ops), and each listener answers 404 for the other's. " +
        "Any path or method not listed answers 404 NOT_FOUND. With server.cors.origins set, OPTIONS on any path is a CORS preflight (204).",
    },
    tags: [
      { name: "buyer", description: "storefronts and buyers" },
      { name: "operator", description: "sale operators (admin token), on the ops listener (server.ops)" },
      { name: "payments", description: "the payment provider (signed callbacks)" },
      {
        name: "operations",
        description:
          "probes and metrics on the ops listener (server.ops), this document on the public port; never shed",
      },
    ],
    paths,
    components: {
      schemas: SCHEMAS,
      parameters: PARAMETERS,
      headers: HEADERS,
      responses: { NotFound: errorResponse(ERRORS.NOT_FOUND.status, ["NOT_FOUND"], false) },
      securitySchemes: Object.fromEntries(Object.values(SECURITY_SCHEMES).map(({ key, scheme }) => [key, scheme])),
    },
  };
  return built;
}

/** GET /openapi.json: the document serialized once, at start. */
export function openApiHandler(): Handler {
  const reply = constantReply({ status: 200, body: openApiDocument() });
  return () => reply;
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { NO_FIELDS } from "../admission/body.js";
import { ORDER_ID_RE, PURCHASE_TOKEN_RE, SALE_ID_RE, SKU_ID_RE, USER_ID_RE } from "../admission/ids.js";
import { SIGNATURE_RE } from "../admission/payment-signature.js";
import { BEARER_CHALLENGE, ERRORS, INVALID_TOKEN_CHALLENGE, SIGNATURE_CHALLENGE, type ErrorCode } from "../errors.js";
import { ORDER_STATUSES, SHOWN_STATUSES } from "../order.js";
import { REFUND_REASONS } from "../orders/order-state.js";
import { SALE_STATUSES } from "../reservation/sale.js";
import { repoRoot } from "../util/repo-root.js";
import { constantReply, REQUEST_ID_RE, type Handler } from "./exchange.js";
import { EXAMPLES } from "./openapi-examples.js";
import { NO_STORE, ROUTES, type Caller, type RouteName, type RouteSpec } from "./route-table.js";
import {
  ISO_TIME_RE,
  SALE_FIELDS,
  SALE_LIMITS,
  SALE_REQUIRED,
  WAITING_ROOM_FIELDS,
  WAITING_ROOM_LIMITS,
} from "./routes/admin.js";
import { JOIN_FIELDS } from "./routes/queue.js";
import { WAITING_ROOM_DEFAULTS } from "../reservation/sale.js";
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
const hex64: Schema = { type: "string", pattern: "^[0-9a-f]{64}$" };
/** A room setting's bounds and default, as the admin route checks them. */
const bounds = (name: keyof typeof WAITING_ROOM_LIMITS) => ({
  minimum: WAITING_ROOM_LIMITS[name].min,
  maximum: WAITING_ROOM_LIMITS[name].max,
  default: WAITING_ROOM_DEFAULTS[name],
});
const count: Schema = { type: "integer", minimum: 0 };
/** MySQL's order counts by status (OrderRepository.countBySale), and their total. */
const statusTotals: string[] = [...ORDER_STATUSES.map((st) => st.toLowerCase()), "total"];

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
      waitingRoom: {
        description: "the sale's waiting room (docs/waiting-room.md); absent or null: no room",
        oneOf: [ref("schemas", "WaitingRoomInput"), { type: "null" }],
      },
    },
    SALE_REQUIRED,
  ),
  WaitingRoomInput: bodySchema(WAITING_ROOM_FIELDS, {
    opensSecondsBefore: {
      type: "integer",
      ...bounds("opensSecondsBefore"),
      description: "buyers may join (the pre-queue) from this long before startsAt",
    },
    admissionTtlSeconds: {
      type: "integer",
      ...bounds("admissionTtlSeconds"),
      description: "an admitted buyer who has not bought within this long loses the place",
    },
    admitPerSecond: {
      type: "integer",
      ...bounds("admitPerSecond"),
      description: "the most buyers admitted per second (the buy path's rate)",
    },
    maxOverbook: {
      type: "number",
      ...bounds("maxOverbook"),
      description: "upper bound of the learned no-show factor (admitted buyers per unit left)",
    },
  }),
  WaitingRoom: {
    type: "object",
    required: [
      "opensAt",
      "opensSecondsBefore",
      "admissionTtlSeconds",
      "admitPerSecond",
      "maxOverbook",
      "seedCommitment",
    ],
    properties: {
      opensAt: isoTime,
      opensSecondsBefore: { type: "integer", minimum: 0 },
      admissionTtlSeconds: { type: "integer", minimum: 10 },
      admitPerSecond: { type: "integer", minimum: 1 },
      maxOverbook: { type: "number", minimum: 1 },
      seedCommitment: { ...hex64, description: "sha256hex(seed), published from the room's creation" },
      seed: {
        ...hex64,
        description: "the pre-queue shuffle's seed (32 bytes, hex), published once the sale has started",
      },
    },
  },
  QueueJoin: bodySchema(JOIN_FIELDS, {
    proof: {
      type: "string",
      description: "the solved challenge of GET .../queue/challenge (ALTCHA payload, base64 JSON)",
    },
  }),
  Receipt: {
    type: "object",
    description:
      "check: sha256hex(seed) = seedCommitment; lottery = sha256hex(seed + '|' + saleId + '|' + buyerId); place = 1 + the index of lottery in the draw's sorted list",
    required: ["seed", "seedCommitment", "lottery", "place", "preQueueSize"],
    properties: {
      seed: hex64,
      seedCommitment: hex64,
      lottery: hex64,
      place: { type: "integer", minimum: 1 },
      preQueueSize: count,
    },
  },
  QueueView: {
    type: "object",
    required: ["state", "ticket", "unitsLeft"],
    properties: {
      state: { type: "string", enum: ["WAITING", "ADMITTED", "SOLD_OUT", "CLOSED"] },
      ticket: {
        type: "string",
        description: "the signed ticket to send as Queue-Ticket (a pre-queue ticket gains its place at the start)",
      },
      place: { type: "integer", minimum: 1 },
      ahead: { ...count, description: "buyers ahead not yet admitted" },
      unitsLeft: count,
      estimateSeconds: { ...count, description: "until admission at the current rate (or until the start)" },
      paused: { const: true, description: "admission is paused by the operator" },
      reason: { type: "string", enum: ["SALE_ENDED", "ADMISSION_EXPIRED"], description: "why CLOSED" },
      receipt: ref("schemas", "Receipt"),
      purchaseToken: { type: "string", description: "ADMITTED: the Idempotency-Key of POST /v1/sales/{saleId}/orders" },
      admissionExpiresAt: { ...isoTime, description: "ADMITTED: buy before this, or the place is lost" },
    },
  },
  QueueChallenge: {
    type: "object",
    description: "a proof-of-work challenge (ALTCHA format), bound to the buyer and sale",
    properties: {
      algorithm: { type: "string" },
      challenge: { type: "string" },
      maxnumber: { type: "integer" },
      salt: { type: "string" },
      signature: { type: "string" },
    },
  },
  RoomStats: {
    type: "object",
    description: "the waiting room's numbers and state (docs/operations.md#waiting-rooms), for every room sale",
    required: [
      "joined",
      "preQueue",
      "waiting",
      "admitted",
      "bought",
      "noShows",
      "admissionRate",
      "factor",
      "unitsLeft",
      "soldOutFrom",
      "soldOut",
      "paused",
      "state",
      "opensAt",
      "seedCommitment",
      "progressAt",
    ],
    properties: {
      state: {
        type: "string",
        enum: ["NOT_OPEN", "PRE_QUEUE", "ADMITTING", "PAUSED", "WAITING_FOR_RETURNS", "SOLD_OUT", "ENDED"],
        description: "where the room stands (docs/operations.md#waiting-rooms)",
      },
      opensAt: isoTime,
      seedCommitment: { ...hex64, description: "sha256hex(seed) of the pre-queue's shuffle" },
      progressAt: {
        oneOf: [isoTime, { type: "null" }],
        description: "when the admission loop last published; null before it has run",
      },
      joined: { ...count, description: "buyers in the room" },
      preQueue: { ...count, description: "buyers who joined before the start" },
      waiting: { ...count, description: "not yet admitted and below the sell-out cutoff" },
      admitted: { ...count, description: "places admitted so far" },
      bought: { ...count, description: "orders reserved (released ones too)" },
      noShows: { ...count, description: "admissions whose window ended without an order (at least)" },
      admissionRate: { ...count, description: "admissions per second, last seconds" },
      factor: { type: "number", minimum: 1, description: "the learned no-show factor" },
      unitsLeft: count,
      soldOutFrom: {
        oneOf: [{ type: "integer", minimum: 1 }, { type: "null" }],
        description: "places from this one on are SOLD_OUT",
      },
      soldOut: { type: "boolean", description: "no unit can come back" },
      paused: { type: "boolean" },
    },
    additionalProperties: false,
  },
  QueueDraw: {
    type: "object",
    required: ["saleId", "seed", "seedCommitment", "lotteries"],
    properties: {
      saleId: pattern(SALE_ID_RE),
      seed: hex64,
      seedCommitment: hex64,
      lotteries: {
        type: "array",
        items: hex64,
        description: "every pre-queue lottery value, ascending: place = index + 1",
      },
    },
  },
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
      waitingRoom: ref("schemas", "WaitingRoom"),
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
  AdminOrder: {
    allOf: [
      ref("schemas", "Order"),
      {
        type: "object",
        required: ["payBy", "payments", "refunds"],
        properties: {
          payBy: { ...isoTime, description: "when the order is cancelled if still unpaid" },
          payments: {
            type: "array",
            description: "the payment provider's events applied to it, oldest first (empty before its row is in MySQL)",
            items: {
              type: "object",
              required: ["eventId", "status", "outcome", "receivedAt"],
              properties: {
                eventId: pattern(EVENT_ID_RE),
                status: { type: "string", description: "as the provider sent it" },
                outcome: { type: "string", description: "the order's status after it, or ORDER_CANCELLED" },
                receivedAt: isoTime,
              },
            },
          },
          refunds: {
            type: "array",
            description: "refunds owed for it (late or duplicate payments), oldest first",
            items: {
              type: "object",
              required: ["eventId", "reason", "recordedAt"],
              properties: {
                eventId: pattern(EVENT_ID_RE),
                reason: { type: "string", enum: [...REFUND_REASONS] },
                recordedAt: isoTime,
              },
            },
          },
        },
      },
    ],
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
      redisRemaining: { ...count, description: "units on the shards, still on sale" },
      inTransfer: { ...count, description: "units moving between shards" },
      reserved: { ...count, description: "units held by live reservations (reserved, confirmed or paid)" },
      pending: { ...count, description: "units reserved and not yet written to MySQL" },
      confirmed: { ...count, description: "units of unpaid orders (MySQL's; the Redis ledger's without MySQL)" },
      paid: { ...count, description: "units of paid orders (MySQL's; the Redis ledger's without MySQL)" },
      cancelled: { ...count, description: "units of cancelled orders (MySQL's; the Redis ledger's without MySQL)" },
      orders: {
        type: "object",
        description: "orders (not units) in the Redis ledger, by state",
        required: ["pending", "confirmed", "paid", "cancelled", "rolledBack"],
        properties: {
          pending: count,
          confirmed: count,
          paid: count,
          cancelled: count,
          rolledBack: { ...count, description: "reservations rolled back before their order existed" },
        },
        additionalProperties: false,
      },
      unpaid: { ...count, description: "units of orders in MySQL awaiting payment; absent without MySQL" },
      refunds: { ...count, description: "refunds recorded for the sale (GET .../refunds); absent without MySQL" },
      mysql: {
        type: "object",
        description: "MySQL's orders by status, and (quantity) their units; absent without MySQL",
        required: [...statusTotals, "quantity"],
        properties: {
          ...Object.fromEntries(statusTotals.map((k) => [k, count])),
          quantity: {
            type: "object",
            required: statusTotals,
            properties: Object.fromEntries(statusTotals.map((k) => [k, count])),
            additionalProperties: false,
          },
        },
        additionalProperties: false,
      },
      redis: {
        type: "object",
        description: "the Redis ledger's units by state, beside MySQL's; absent without MySQL",
        required: ["confirmed", "paid", "cancelled"],
        properties: { confirmed: count, paid: count, cancelled: count },
        additionalProperties: false,
      },
      drift: {
        type: "integer",
        description:
          "units unaccounted for in Redis, plus the difference between Redis's and MySQL's persisted units: 0 when they agree",
      },
      waitingRoom: ref("schemas", "RoomStats"),
    },
    additionalProperties: false,
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
  QueueTicket: {
    name: "Queue-Ticket",
    in: "header",
    required: true,
    schema: { type: "string", maxLength: 1024 },
    description: "the ticket of the join (or of the last poll): signed, bound to the buyer and sale",
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
  Traceparent: {
    name: "traceparent",
    in: "header",
    required: false,
    schema: { type: "string" },
    description:
      "W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error)",
  },
};

const HEADERS: Record<string, Schema> = {
  XRequestId: { description: "the caller's request id, or one the gateway made up", schema: pattern(REQUEST_ID_RE) },
  Traceparent: {
    description:
      "the gateway's W3C traceparent for this request: the caller's trace id (or a new one), its own span id",
    schema: pattern(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/),
  },
  IdempotentReplayed: {
    description: "this answer is the first answer to the same key (or event), sent again",
    schema: { const: "true" },
  },
  RetryAfter: {
    description: "seconds to wait before retrying (with the same Idempotency-Key)",
    schema: { type: "integer", minimum: 0 },
  },
  PollAfter: {
    description:
      "seconds until the next poll is worth it: 1 near the front, longer far back; within 30 s of the start, past it, by the buyer's draw",
    schema: { type: "integer", minimum: 1 },
  },
  BearerChallenge: {
    description:
      'RFC 6750: without error when no bearer token came (none, or another scheme); error="invalid_token" when one came and was refused',
    schema: { enum: [BEARER_CHALLENGE["www-authenticate"], INVALID_TOKEN_CHALLENGE["www-authenticate"]] },
  },
  SignatureChallenge: {
    description: "a private scheme naming the header the payment provider's signature goes in (docs/api.md)",
    schema: { const: SIGNATURE_CHALLENGE["www-authenticate"] },
  },
  NoStore: {
    description: "never kept by a shared cache: the answer depends on the caller's credentials or on the moment",
    schema: { const: NO_STORE },
  },
  Allow: {
    description: "the methods the path takes (RFC 9110)",
    schema: { type: "string" },
    example: "GET",
  },
};

/** A route's 2xx Cache-Control, when it is not no-store: the same answer for everyone (route-table.ts). */
function cacheHeader(value: string): Schema {
  if (value === NO_STORE) return ref("headers", "NoStore");
  return { description: "the same for every caller: a shared cache (a CDN) may hold it", schema: { const: value } };
}

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
  /** An answer as the gateway sends it (openapi-examples.ts). */
  example: unknown;
  contentType?: string;
  /** Sent again to a retry, with Idempotent-Replayed: true. */
  replayable?: boolean;
  /** Carries Retry-After: when to poll again. */
  paced?: boolean;
}

/** What each route answers, beyond what the table implies (see commonErrors). */
interface Operation {
  summary: string;
  /** What the operation does, beyond its summary: when it answers what. */
  description: string;
  tag: "buyer" | "operator" | "payments" | "operations";
  body?: { schema: string; required: boolean; example: unknown };
  ok: Success[];
  /** The route's own error codes; the ones every route of its kind can answer are added by commonErrors. */
  errors: ErrorCode[];
  /** Error answers a retry gets again with Idempotent-Replayed: true. */
  replayableErrors?: ErrorCode[];
}

const json = (name: string) => ref("schemas", name);
const noFields = { schema: "NoFields", required: false, example: EXAMPLES.noFields };
const operatorSale = (
  summary: string,
  description: string,
  ok: Success,
  extra: { body?: Operation["body"] } = {},
): Operation => ({ summary, description, tag: "operator", ok: [ok], errors: ["SALE_NOT_FOUND"], ...extra });
const theSale = (example: unknown): Success => ({
  status: 200,
  description: "the sale",
  schema: json("Sale"),
  example,
});

const OPERATIONS: Record<RouteName, Operation> = {
  sale: {
    summary: "A sale, its status and remaining stock",
    description:
      "Anyone may read it, without credentials. `status` follows from the sale's window, `paused` and `remaining`; `remaining` is read across the shards and may lag by 250 ms. " +
      "The answer is the same for every caller and carries `Cache-Control: public, max-age=1`, so a CDN may hold it for a second; its refusals carry `no-store`.",
    tag: "buyer",
    ok: [{ status: 200, description: "the sale", schema: json("SaleView"), example: EXAMPLES.saleView }],
    errors: ["SALE_NOT_FOUND"],
  },
  token: {
    summary: "A one-time purchase token for this buyer and sale",
    description:
      "Issued to the buyer of the JWT (`sub`) for this sale only, from `startsAt - tokens.leadSeconds` until `endsAt`, and valid until `expiresAt`. " +
      "It is the Idempotency-Key of the order it buys. The token is signed (key id, expiry, nonce, HMAC-SHA256 binding it to the buyer and the sale) and stored nowhere until it buys. " +
      "Once this gateway knows the sale is sold out the answer is 409 SOLD_OUT instead. Body: none, or `{}`.",
    tag: "buyer",
    body: noFields,
    ok: [
      {
        status: 201,
        description: "issued from startsAt - tokens.leadSeconds until endsAt",
        schema: json("PurchaseToken"),
        example: EXAMPLES.purchaseToken,
      },
    ],
    errors: ["SALE_NOT_FOUND", "SALE_NOT_LIVE", "SOLD_OUT", "ROOM_REQUIRED"],
  },
  queue_join: {
    summary: "Join the sale's waiting room",
    description:
      "One place per buyer: the first join answers 201 with a signed ticket, a later one 200 with the same ticket (no proof needed then). " +
      "Before startsAt the buyer joins the pre-queue (places drawn at the start by the published seed); from startsAt on, places follow join order. " +
      "Refused before waitingRoom.opensAt (ROOM_NOT_OPEN), without a valid proof of work (INVALID_PROOF), past the join limits per buyer and per client address (429 RATE_LIMITED; every attempt counts, re-joins too) " +
      "and, once the room is sold out for good, with 409 SOLD_OUT (answered without Redis); a refusal writes nothing.",
    tag: "buyer",
    body: { schema: "QueueJoin", required: true, example: EXAMPLES.queueJoin },
    ok: [
      { status: 201, description: "joined", schema: json("QueueView"), example: EXAMPLES.queueWaiting, paced: true },
      {
        status: 200,
        description: "joined before: the same ticket",
        schema: json("QueueView"),
        example: EXAMPLES.queueWaiting,
        paced: true,
      },
    ],
    errors: ["SALE_NOT_FOUND", "NO_WAITING_ROOM", "ROOM_NOT_OPEN", "SALE_NOT_LIVE", "SOLD_OUT", "INVALID_PROOF"],
  },
  queue_poll: {
    summary: "The buyer's state in the waiting room",
    description:
      "Answered from this gateway's copy of the room's progress (no Redis command in steady state). WAITING (place, ahead, unitsLeft, estimateSeconds; paused while the operator pauses), " +
      "ADMITTED (purchaseToken, valid until admissionExpiresAt), SOLD_OUT, CLOSED (reason). Retry-After paces the polling. " +
      "A pre-queue ticket gains its place at the first poll after the start: send the answer's ticket from then on (a final answer, SOLD_OUT or CLOSED, hands back the ticket it was sent with). Pre-queue buyers get a receipt once the seed is revealed.",
    tag: "buyer",
    ok: [
      {
        status: 200,
        description: "the buyer's state",
        schema: json("QueueView"),
        example: EXAMPLES.queueAdmitted,
        paced: true,
      },
    ],
    errors: ["SALE_NOT_FOUND", "NO_WAITING_ROOM", "INVALID_TICKET"],
  },
  queue_challenge: {
    summary: "A proof-of-work challenge for joining",
    description:
      "An ALTCHA-format challenge bound to the buyer and sale, its difficulty scaled by demand ÷ stock. Solve it and send the payload as the join's `proof`.",
    tag: "buyer",
    ok: [
      { status: 200, description: "the challenge", schema: json("QueueChallenge"), example: EXAMPLES.queueChallenge },
    ],
    errors: ["SALE_NOT_FOUND", "NO_WAITING_ROOM"],
  },
  queue_draw: {
    summary: "The pre-queue's draw: seed and every lottery value in place order",
    description:
      "Public once the sale has started (ROOM_NOT_OPEN before). Anyone checks sha256hex(seed) = seedCommitment, recomputes a buyer's lottery and finds place = index + 1 (packages/client verifyReceipt).",
    tag: "buyer",
    ok: [{ status: 200, description: "the draw", schema: json("QueueDraw"), example: EXAMPLES.queueDraw }],
    errors: ["SALE_NOT_FOUND", "NO_WAITING_ROOM", "ROOM_NOT_OPEN"],
  },
  order: {
    summary: "Reserve units with a purchase token (the Idempotency-Key)",
    description:
      "Reserves `quantity` units (default 1) for the buyer: 202 means they are held, and the order reaches MySQL shortly after (GET /v1/orders/{orderId} shows RESERVED until then). " +
      "A retry with the same key and body gets the first answer again (202, SOLD_OUT or LIMIT_EXCEEDED) with `Idempotent-Replayed: true`; the same key with another body is 422. " +
      "Retry 429 and 503 (and 500) with the same key; every other error is final.",
    tag: "buyer",
    body: { schema: "OrderInput", required: false, example: EXAMPLES.orderInput },
    ok: [
      {
        status: 202,
        description: "reserved; the order reaches MySQL shortly",
        schema: json("OrderAccepted"),
        replayable: true,
        example: EXAMPLES.orderAccepted,
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
    description:
      "The buyer's own order; another buyer's reads as 404. RESERVED until its row is in MySQL, then the row's status: CONFIRMED (awaiting payment), PAID or CANCELLED. " +
      "An order whose state is not known yet (its sale's Redis state being rebuilt) is 503 with Retry-After, never 404.",
    tag: "buyer",
    ok: [
      {
        status: 200,
        description: "RESERVED until its row is in MySQL",
        schema: json("Order"),
        example: EXAMPLES.order,
      },
    ],
    errors: ["ORDER_NOT_FOUND"],
  },
  order_cancel: {
    summary: "Cancel an unpaid order (idempotent); its units go back on sale",
    description:
      "The owner cancels an order not yet paid; its units go back on sale. Cancelling it again answers 200 again. A paid order is 409 ORDER_NOT_CANCELLABLE; another buyer's order reads as 404. Body: none, or `{}`.",
    tag: "buyer",
    body: noFields,
    ok: [{ status: 200, description: "cancelled", schema: json("OrderCancelled"), example: EXAMPLES.orderCancelled }],
    errors: ["ORDER_NOT_FOUND", "ORDER_NOT_CANCELLABLE"],
  },
  payment_callback: {
    summary: "The payment provider's event, applied once per eventId",
    description:
      "Sent by the payment provider, signed in `X-Signature`; the signature is checked before the body is read. SUCCEEDED pays the order, FAILED cancels it unless it is final. " +
      "Applied once per `eventId`: a redelivery gets the first answer with `Idempotent-Replayed: true`, the same `eventId` with another body 422. " +
      "A payment for a cancelled order records a refund and answers 409 ORDER_CANCELLED. 404 is final; redeliver on 503.",
    tag: "payments",
    body: { schema: "PaymentEvent", required: true, example: EXAMPLES.paymentEvent },
    ok: [
      {
        status: 200,
        description: "the order's status after the event",
        schema: json("PaymentApplied"),
        replayable: true,
        example: EXAMPLES.paymentApplied,
      },
    ],
    errors: ["ORDER_NOT_FOUND", "ORDER_CANCELLED", "IDEMPOTENCY_KEY_REUSED"],
    replayableErrors: ["ORDER_CANCELLED"],
  },
  admin_list_sales: {
    summary: "Every sale not yet expired, by start time",
    description:
      "Every sale put and not yet expired (the Redis index and the MySQL catalog), by start time, each as PUT answers it.",
    tag: "operator",
    ok: [{ status: 200, description: "the sales", schema: json("SaleList"), example: EXAMPLES.saleList }],
    errors: [],
  },
  admin_put_sale: {
    summary: "Create a sale, or change it before it starts",
    description:
      "Creates the sale (201) or replaces it (200) while it has not started, and warms its shards. Times are ISO-8601 or unix milliseconds; `shards` and `paymentTimeoutSeconds` default from the config. " +
      "A sale that has started (or holds reservations) is 409 SALE_LOCKED.",
    tag: "operator",
    body: { schema: "SaleInput", required: true, example: EXAMPLES.saleInput },
    ok: [
      { status: 201, description: "created", schema: json("Sale"), example: EXAMPLES.sale },
      { status: 200, description: "updated", schema: json("Sale"), example: EXAMPLES.sale },
    ],
    errors: ["SALE_LOCKED"],
  },
  admin_stats: operatorSale(
    "Redis and MySQL figures of a sale, and their drift",
    "Units by state across the Redis shards and ledgers and the MySQL rows, and `drift`: 0 when every unit is accounted for and both stores agree. " +
      "The shards are read one after another without a lock, so a snapshot taken while orders move can be off for that instant; a drift that stays is the one that matters. " +
      "A gateway running without MySQL leaves out `unpaid`, `refunds`, `mysql` and `redis`.",
    { status: 200, description: "units by state", schema: json("SaleStats"), example: EXAMPLES.saleStats },
  ),
  admin_reconcile: operatorSale(
    "Run one sweeper pass over a sale now",
    "Runs now the pass the sweeper makes every `sweeper.intervalMs`: finishes stranded transfers, persists and settles orders, returns expired units. " +
      "Answers what it found and repaired, by kind; `skipped` when another process holds the sale's sweep lease.",
    {
      status: 200,
      description: "what it found and repaired",
      schema: json("Reconciled"),
      example: EXAMPLES.reconciled,
    },
  ),
  admin_pause: operatorSale(
    "Pause a sale: tokens and orders get SALE_NOT_LIVE",
    "Every gateway answers the sale's tokens and orders 409 SALE_NOT_LIVE within a second; reservations already made stand. Body: none, or `{}`.",
    theSale(EXAMPLES.pausedSale),
    { body: noFields },
  ),
  admin_resume: operatorSale(
    "Resume a paused sale",
    "Takes tokens and orders again on every gateway within a second. A sale recovering from a Redis loss stays paused until its rebuild ends. Body: none, or `{}`.",
    theSale(EXAMPLES.sale),
    { body: noFields },
  ),
  admin_refunds: operatorSale(
    "Payments recorded for refund",
    "Payments the gateway recorded for refund, oldest first: paid after the order was cancelled, or paid twice. Making the refund is the payment provider's.",
    { status: 200, description: "refunds by time", schema: json("Refunds"), example: EXAMPLES.refunds },
  ),
  admin_order: {
    summary: "Any buyer's order, for support: status, sale, buyer, quantity, times, payments and refunds",
    description:
      "Found as the buyer's own read finds it (the Redis ledger, else its MySQL row by order id), with when it is cancelled if still unpaid and, once its row is in MySQL, the payment events applied to it and the refunds owed for it. " +
      "An order whose state is not known yet (its sale's Redis state being rebuilt) is 503 with Retry-After, never 404.",
    tag: "operator",
    ok: [
      {
        status: 200,
        description: "the order (RESERVED until its row is in MySQL)",
        schema: json("AdminOrder"),
        example: EXAMPLES.adminOrder,
      },
    ],
    errors: ["ORDER_NOT_FOUND"],
  },
  healthz: {
    summary: "Liveness",
    description: "200 while the process runs and its event loop answers; never shed nor rate-limited.",
    tag: "operations",
    ok: [{ status: 200, description: "the process runs", schema: json("Health"), example: EXAMPLES.health }],
    errors: [],
  },
  readyz: {
    summary: "Readiness: this process has started and is not draining (dependencies are not asked)",
    description:
      "200 from the end of start-up until a drain begins, then 503 with Retry-After, so a balancer stops sending before the public listener closes. " +
      "Shared dependencies are not asked (one Redis blip would mark every pod unready at once); GET /health/dependencies reports them.",
    tag: "operations",
    ok: [{ status: 200, description: "ready", schema: json("Readiness"), example: EXAMPLES.readiness }],
    errors: ["UNAVAILABLE"],
  },
  dependencies: {
    summary: "Dependencies: Redis, MySQL and RocketMQ answer and no circuit is open",
    description:
      "For operators, on the ops listener: 200 when every dependency this process uses answers its probe and no circuit breaker is open; otherwise 503 naming what is down, with the same `checks` and `breakers`. Never shed nor rate-limited.",
    tag: "operations",
    ok: [
      {
        status: 200,
        description: "every dependency answers",
        schema: json("Dependencies"),
        example: EXAMPLES.dependencies,
      },
    ],
    errors: ["UNAVAILABLE"],
  },
  metrics: {
    summary: "Prometheus metrics",
    description: "Every metric of the process in Prometheus's text exposition format; never shed nor rate-limited.",
    tag: "operations",
    ok: [
      {
        status: 200,
        description: "text exposition format",
        schema: { type: "string" },
        contentType: "text/plain",
        example: EXAMPLES.metrics,
      },
    ],
    errors: [],
  },
  openapi: {
    summary: "This document",
    description:
      "This OpenAPI 3.1 document, built at start from the route table, the error registry and the validators' constants.",
    tag: "operations",
    ok: [{ status: 200, description: "OpenAPI 3.1", schema: { type: "object" }, example: EXAMPLES.openapi }],
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
  // An operator request without a well-formed bearer, or with a token not listed, is unauthenticated; with a
  // buyer's JWT, forbidden.
  if (route.caller === "operator") codes.push("UNAUTHENTICATED", "FORBIDDEN");
  return codes;
}

/**
 * One error response per status: its codes (a subset of the registry's, all with this status) and headers,
 * `extra` (WWW-Authenticate, Allow, Cache-Control) besides the ones the status implies.
 */
function errorResponse(status: number, codes: ErrorCode[], replayable: boolean, extra: Schema = {}): Schema {
  const headers: Schema = {
    "X-Request-Id": ref("headers", "XRequestId"),
    traceparent: ref("headers", "Traceparent"),
    ...extra,
  };
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
  if (route.queueTicket) params.push(ref("parameters", "QueueTicket"));
  params.push(ref("parameters", "XRequestId"), ref("parameters", "Traceparent"));
  const responses: Record<string, Schema> = {};
  for (const ok of op.ok) {
    const headers: Schema = {
      "X-Request-Id": ref("headers", "XRequestId"),
      traceparent: ref("headers", "Traceparent"),
      "Cache-Control": cacheHeader(route.cacheControl ?? NO_STORE),
    };
    if (ok.replayable) headers["Idempotent-Replayed"] = ref("headers", "IdempotentReplayed");
    if (ok.paced) headers["Retry-After"] = ref("headers", "PollAfter");
    responses[String(ok.status)] = {
      description: ok.description,
      headers,
      content: { [ok.contentType ?? "application/json"]: { schema: ok.schema, example: ok.example } },
    };
  }
  const codes = [...new Set([...commonErrors(route, op), ...op.errors])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const c of Object.keys(ERRORS) as ErrorCode[])
    if (codes.includes(c)) byStatus.set(ERRORS[c].status, [...(byStatus.get(ERRORS[c].status) ?? []), c]);
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const extra: Schema = { "Cache-Control": ref("headers", "NoStore") };
    if (status === 401) extra["WWW-Authenticate"] = ref("headers", challengeOf(route.caller));
    responses[String(status)] = errorResponse(
      status,
      list,
      list.some((c) => op.replayableErrors?.includes(c)),
      extra,
    );
  }
  const out: Schema = {
    operationId: route.name,
    summary: op.summary,
    description: op.description,
    tags: [op.tag],
    // Public routes say so: no security requirement at all would read as "not stated".
    security: route.caller === "anyone" ? [] : [{ [SECURITY_SCHEMES[route.caller].key]: [] }],
    parameters: params,
    responses,
  };
  if (op.body)
    out.requestBody = {
      required: op.body.required,
      content: { "application/json": { schema: json(op.body.schema), example: op.body.example } },
    };
  return out;
}

/** The WWW-Authenticate header of a 401 to this caller (errors.ts). */
function challengeOf(caller: Caller): string {
  return caller === "payment_provider" ? "SignatureChallenge" : "BearerChallenge";
}

function packageJson(): { version: string; license: string } {
  return JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string; license: string };
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
  const pkg = packageJson();
  built = {
    openapi: "3.1.0",
    info: {
      title: "flashsale-gateway",
      version: pkg.version,
      license: { name: pkg.license, identifier: pkg.license },
      description:
        'Flash-sale gateway. Every answer carries X-Request-Id; errors are {"error": {"code", "message"}} with a code from the registry. ' +
        "The buyer, storefront and payment routes (and this document) are served on the public port (server.port); the operator and operations routes " +
        "on the ops listener (server.ops), and each listener answers 404 for the other's. " +
        "A path not listed answers 404 NOT_FOUND (components/responses/NotFound); a listed path with a method it does not take answers 405 METHOD_NOT_ALLOWED with `Allow` naming the methods it takes (components/responses/MethodNotAllowed). " +
        'A 401 carries WWW-Authenticate: `Bearer realm="flashsale"` (RFC 6750; with `error="invalid_token"` when a bearer token came and was refused), or on the payment callback the X-Signature challenge. ' +
        "Every answer of a listed operation carries Cache-Control: `public, max-age=1` on the public sale view's 2xx, `no-store` on everything else. " +
        "With server.cors.origins set, OPTIONS on any path is a CORS preflight (204).",
    },
    servers: [
      {
        url: "{scheme}://{host}",
        description: "a gateway's public listener: host and port (server.port), https behind a TLS-terminating proxy",
        variables: { scheme: { enum: ["http", "https"], default: "http" }, host: { default: "localhost:8080" } },
      },
    ],
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
      responses: {
        NotFound: errorResponse(ERRORS.NOT_FOUND.status, ["NOT_FOUND"], false),
        MethodNotAllowed: errorResponse(ERRORS.METHOD_NOT_ALLOWED.status, ["METHOD_NOT_ALLOWED"], false, {
          Allow: ref("headers", "Allow"),
        }),
      },
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

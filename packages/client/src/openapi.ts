/**
 * Generated from the gateway's OpenAPI document (src/http/openapi.ts) by openapi-typescript:
 * `npm run client:types` writes it. Do not edit: test/unit/client-openapi-types.test.ts fails when this
 * file is not what the script writes now.
 */
export interface paths {
  "/v1/sales/{saleId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A sale, its status and remaining stock */
    get: operations["sale"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/sales/{saleId}/tokens": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** A one-time purchase token for this buyer and sale */
    post: operations["token"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/sales/{saleId}/orders": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Reserve units with a purchase token (the Idempotency-Key) */
    post: operations["order"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders/{orderId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The buyer's order */
    get: operations["order_status"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders/{orderId}/cancel": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Cancel an unpaid order (idempotent); its units go back on sale */
    post: operations["order_cancel"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/payments/callback": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** The payment provider's event, applied once per eventId */
    post: operations["payment_callback"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every sale not yet expired, by start time */
    get: operations["admin_list_sales"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales/{saleId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /** Create a sale, or change it before it starts */
    put: operations["admin_put_sale"];
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales/{saleId}/stats": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Redis and MySQL figures of a sale, and their drift */
    get: operations["admin_stats"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales/{saleId}/reconcile": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Run one sweeper pass over a sale now */
    post: operations["admin_reconcile"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales/{saleId}/pause": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Pause a sale: tokens and orders get SALE_NOT_LIVE */
    post: operations["admin_pause"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales/{saleId}/resume": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Resume a paused sale */
    post: operations["admin_resume"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/sales/{saleId}/refunds": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Payments recorded for refund */
    get: operations["admin_refunds"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/healthz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness */
    get: operations["healthz"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/readyz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: this process has started and is not draining (dependencies are not asked) */
    get: operations["readyz"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/health/dependencies": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Dependencies: Redis, MySQL and RocketMQ answer and no circuit is open */
    get: operations["dependencies"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/metrics": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Prometheus metrics */
    get: operations["metrics"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/openapi.json": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** This document */
    get: operations["openapi"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    /**
     * @description The error registry (src/errors.ts); docs/api.md lists each code's meaning.
     * @enum {string}
     */
    ErrorCode:
      | "INVALID_REQUEST"
      | "UNAUTHENTICATED"
      | "INVALID_TOKEN"
      | "FORBIDDEN"
      | "SALE_NOT_FOUND"
      | "ORDER_NOT_FOUND"
      | "NOT_FOUND"
      | "SOLD_OUT"
      | "LIMIT_EXCEEDED"
      | "SALE_NOT_LIVE"
      | "IDEMPOTENCY_IN_PROGRESS"
      | "SALE_LOCKED"
      | "ORDER_CANCELLED"
      | "ORDER_NOT_CANCELLABLE"
      | "PAYLOAD_TOO_LARGE"
      | "UNSUPPORTED_MEDIA_TYPE"
      | "IDEMPOTENCY_KEY_REUSED"
      | "RATE_LIMITED"
      | "INTERNAL_ERROR"
      | "UNAVAILABLE";
    Error: {
      error: {
        code: components["schemas"]["ErrorCode"];
        message: string;
      };
    };
    OrderInput: {
      /**
       * @description above the sale's perUserLimit the answer is 409 LIMIT_EXCEEDED
       * @default 1
       */
      quantity: number;
    };
    NoFields: Record<string, never>;
    SaleInput: {
      skuId: string;
      stock: number;
      perUserLimit: number;
      /** @description ISO-8601 (a string starting YYYY-MM-DDT, read by Date.parse) or unix milliseconds */
      startsAt: string | number;
      /** @description after startsAt */
      endsAt: string | number;
      /** @description default: sales.defaultShards */
      shards?: number;
      /** @description default: payments.timeoutSeconds */
      paymentTimeoutSeconds?: number;
    };
    PaymentEvent: {
      eventId: string;
      orderId: string;
      /** @enum {string} */
      status: "SUCCEEDED" | "FAILED";
    };
    Sale: {
      saleId: string;
      skuId: string;
      stock: number;
      perUserLimit: number;
      /** Format: date-time */
      startsAt: string;
      /** Format: date-time */
      endsAt: string;
      shards: number;
      paymentTimeoutSeconds: number;
      paused: boolean;
      /** @description present while its Redis state is rebuilt from MySQL (paused until then) */
      recovering?: boolean;
    };
    SaleView: components["schemas"]["Sale"] & {
      /** @enum {string} */
      status: "UPCOMING" | "LIVE" | "PAUSED" | "SOLD_OUT" | "ENDED";
      /** @description may lag by 250 ms */
      remaining: number;
    };
    SaleList: {
      sales: components["schemas"]["Sale"][];
    };
    PurchaseToken: {
      token: string;
      /** Format: date-time */
      expiresAt: string;
    };
    OrderAccepted: {
      orderId: string;
      saleId: string;
      skuId: string;
      userId: string;
      quantity: number;
      /** @constant */
      status: "RESERVED";
    };
    Order: {
      orderId: string;
      saleId: string;
      skuId: string | null;
      userId: string;
      quantity: number;
      /** @enum {string} */
      status: "RESERVED" | "CONFIRMED" | "PAID" | "CANCELLED";
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    OrderCancelled: {
      orderId: string;
      /** @constant */
      status: "CANCELLED";
    };
    PaymentApplied: {
      orderId: string;
      /** @description the order's status after the event */
      status: string;
    };
    SaleStats: {
      saleId: string;
      stock: number;
      redisRemaining: number;
      inTransfer: number;
      reserved: number;
      pending: number;
      confirmed: number;
      paid: number;
      cancelled: number;
      orders: {
        [key: string]: number;
      };
      /** @description 0 when Redis and MySQL agree */
      drift: number;
    };
    /** @description what one sweeper pass found and repaired: counts by kind (transfersFinished, unitsMoved, ordersPersisted, ...) */
    Reconciled: {
      saleId: string;
      /** @description every order is final and the sale has ended */
      settled?: boolean;
      /** @description another process holds the sale's sweep lease: nothing was done */
      skipped?: boolean;
      /** @description the sale's Redis state waits for its rebuild: nothing else was done */
      recovering?: boolean;
    } & {
      [key: string]: number;
    };
    Refunds: {
      saleId: string;
      refunds: {
        orderId: string;
        eventId: string;
        /** @enum {string} */
        reason: "PAID_AFTER_CANCEL" | "DUPLICATE_PAYMENT";
        /** Format: date-time */
        recordedAt: string;
      }[];
    };
    Health: {
      /** @constant */
      status: "ok";
    };
    Readiness: {
      /** @constant */
      status: "ready";
      checks: {
        [key: string]: "up" | "down";
      };
    };
    Dependencies: {
      /** @constant */
      status: "up";
      checks: {
        [key: string]: "up" | "down";
      };
      breakers: {
        [key: string]: string;
      };
    };
  };
  responses: {
    /** @description NOT_FOUND: no such route */
    NotFound: {
      headers: {
        "X-Request-Id": components["headers"]["XRequestId"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"] & {
          error?: {
            /** @enum {unknown} */
            code?: "NOT_FOUND";
          };
        };
      };
    };
  };
  parameters: {
    saleId: string;
    /** @description as POST .../orders answered it */
    orderId: string;
    /** @description the purchase token from POST /v1/sales/{saleId}/tokens; a retry sends the same key and body and gets the first answer */
    IdempotencyKey: string;
    /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
    XRequestId: string;
  };
  requestBodies: never;
  headers: {
    /** @description the caller's request id, or one the gateway made up */
    XRequestId: string;
    /** @description this answer is the first answer to the same key (or event), sent again */
    IdempotentReplayed: "true";
    /** @description seconds to wait before retrying (with the same Idempotency-Key) */
    RetryAfter: number;
  };
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  sale: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the sale */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SaleView"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  token: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description issued from startsAt - tokens.leadSeconds until endsAt */
      201: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PurchaseToken"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description SOLD_OUT: no stock left for this request; SALE_NOT_LIVE: before startsAt, after endsAt, or while the sale is paused */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SOLD_OUT" | "SALE_NOT_LIVE";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  order: {
    parameters: {
      query?: never;
      header: {
        /** @description the purchase token from POST /v1/sales/{saleId}/tokens; a retry sends the same key and body and gets the first answer */
        "Idempotency-Key": components["parameters"]["IdempotencyKey"];
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["OrderInput"];
      };
    };
    responses: {
      /** @description reserved; the order reaches MySQL shortly */
      202: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OrderAccepted"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description INVALID_TOKEN: purchase token unknown, expired, or bound to another buyer or sale */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_TOKEN";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description SOLD_OUT: no stock left for this request; LIMIT_EXCEEDED: this buyer's per-sale limit would be exceeded; SALE_NOT_LIVE: before startsAt, after endsAt, or while the sale is paused; IDEMPOTENCY_IN_PROGRESS: the same key is being processed right now */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SOLD_OUT" | "LIMIT_EXCEEDED" | "SALE_NOT_LIVE" | "IDEMPOTENCY_IN_PROGRESS";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description IDEMPOTENCY_KEY_REUSED: same key, different body */
      422: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "IDEMPOTENCY_KEY_REUSED";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  order_status: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        /** @description as POST .../orders answered it */
        orderId: components["parameters"]["orderId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description RESERVED until its row is in MySQL */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description ORDER_NOT_FOUND: no order with this id for this buyer */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "ORDER_NOT_FOUND";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  order_cancel: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        /** @description as POST .../orders answered it */
        orderId: components["parameters"]["orderId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description cancelled */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OrderCancelled"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description ORDER_NOT_FOUND: no order with this id for this buyer */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "ORDER_NOT_FOUND";
            };
          };
        };
      };
      /** @description ORDER_NOT_CANCELLABLE: the order is paid and can no longer be cancelled */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "ORDER_NOT_CANCELLABLE";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  payment_callback: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["PaymentEvent"];
      };
    };
    responses: {
      /** @description the order's status after the event */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PaymentApplied"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description ORDER_NOT_FOUND: no order with this id for this buyer */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "ORDER_NOT_FOUND";
            };
          };
        };
      };
      /** @description ORDER_CANCELLED: payment for an order already cancelled (recorded for refund) */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "ORDER_CANCELLED";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description IDEMPOTENCY_KEY_REUSED: same key, different body */
      422: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "IDEMPOTENCY_KEY_REUSED";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_list_sales: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the sales */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SaleList"];
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_put_sale: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["SaleInput"];
      };
    };
    responses: {
      /** @description updated */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description created */
      201: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description SALE_LOCKED: the sale has started and can no longer change */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_LOCKED";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_stats: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description units by state */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SaleStats"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_reconcile: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description what it found and repaired */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Reconciled"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_pause: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description the sale */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_resume: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description the sale */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "PAYLOAD_TOO_LARGE";
            };
          };
        };
      };
      /** @description UNSUPPORTED_MEDIA_TYPE: a body that is not application/json */
      415: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNSUPPORTED_MEDIA_TYPE";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  admin_refunds: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description refunds by time */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Refunds"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_REQUEST";
            };
          };
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAUTHENTICATED";
            };
          };
        };
      };
      /** @description FORBIDDEN: valid credentials without the right (a buyer on an operator endpoint) */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "FORBIDDEN";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "RATE_LIMITED";
            };
          };
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  healthz: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the process runs */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Health"];
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
    };
  };
  readyz: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description ready */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Readiness"];
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  dependencies: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description every dependency answers */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Dependencies"];
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
      /** @description UNAVAILABLE: a dependency's circuit is open, Redis did not answer in time, a reservation could not be settled in time (not yet on the replicas, stock still moving between shards), or the gateway is shedding load, or the identity provider's keys (JWKS) could not be fetched for a buyer JWT; with Retry-After; retry with the same key */
      503: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          "Retry-After": components["headers"]["RetryAfter"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "UNAVAILABLE";
            };
          };
        };
      };
    };
  };
  metrics: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description text exposition format */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "text/plain": string;
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
    };
  };
  openapi: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description OpenAPI 3.1 */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": Record<string, never>;
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INTERNAL_ERROR";
            };
          };
        };
      };
    };
  };
}

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
    /**
     * A sale, its status and remaining stock
     * @description Anyone may read it, without credentials. `status` follows from the sale's window, `paused` and `remaining`; `remaining` is read across the shards and may lag by 250 ms. The answer is the same for every caller and carries `Cache-Control: public, max-age=1`, so a CDN may hold it for a second; its refusals carry `no-store`.
     */
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
    /**
     * A one-time purchase token for this buyer and sale
     * @description Issued to the buyer of the JWT (`sub`) for this sale only, from `startsAt - tokens.leadSeconds` until `endsAt`, and valid until `expiresAt`. It is the Idempotency-Key of the order it buys. The token is signed (key id, expiry, nonce, HMAC-SHA256 binding it to the buyer and the sale) and stored nowhere until it buys. Once this gateway knows the sale is sold out the answer is 409 SOLD_OUT instead. Body: none, or `{}`.
     */
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
    /**
     * Reserve units with a purchase token (the Idempotency-Key)
     * @description Reserves `quantity` units (default 1) for the buyer: 202 means they are held, and the order reaches MySQL shortly after (GET /v1/orders/{orderId} shows RESERVED until then). A retry with the same key and body gets the first answer again (202, SOLD_OUT or LIMIT_EXCEEDED) with `Idempotent-Replayed: true`; the same key with another body is 422. Retry 429 and 503 (and 500) with the same key; every other error is final.
     */
    post: operations["order"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/sales/{saleId}/queue": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The buyer's state in the waiting room
     * @description Answered from this gateway's copy of the room's progress (no Redis command in steady state). WAITING (place, ahead, unitsLeft, estimateSeconds; paused while the operator pauses), ADMITTED (purchaseToken, valid until admissionExpiresAt), SOLD_OUT, CLOSED (reason). Retry-After paces the polling. A pre-queue ticket gains its place at the first poll after the start: send the answer's ticket from then on (a final answer, SOLD_OUT or CLOSED, hands back the ticket it was sent with). Pre-queue buyers get a receipt once the seed is revealed.
     */
    get: operations["queue_poll"];
    put?: never;
    /**
     * Join the sale's waiting room
     * @description One place per buyer: the first join answers 201 with a signed ticket, a later one 200 with the same ticket (no proof needed then). Before startsAt the buyer joins the pre-queue (places drawn at the start by the published seed); from startsAt on, places follow join order. Refused before waitingRoom.opensAt (ROOM_NOT_OPEN), without a valid proof of work (INVALID_PROOF), past the join limits per buyer and per client address (429 RATE_LIMITED; every attempt counts, re-joins too) and, once the room is sold out for good, with 409 SOLD_OUT (answered without Redis); a refusal writes nothing.
     */
    post: operations["queue_join"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/sales/{saleId}/queue/challenge": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A proof-of-work challenge for joining
     * @description An ALTCHA-format challenge bound to the buyer and sale, its difficulty scaled by demand ÷ stock. Solve it and send the payload as the join's `proof`.
     */
    get: operations["queue_challenge"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/sales/{saleId}/queue/draw": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The pre-queue's draw: seed and every lottery value in place order
     * @description Public once the sale has started (ROOM_NOT_OPEN before). Anyone checks sha256hex(seed) = seedCommitment, recomputes a buyer's lottery and finds place = index + 1 (packages/client verifyReceipt).
     */
    get: operations["queue_draw"];
    put?: never;
    post?: never;
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
    /**
     * The buyer's order
     * @description The buyer's own order; another buyer's reads as 404. RESERVED until its row is in MySQL, then the row's status: CONFIRMED (awaiting payment), PAID or CANCELLED. An order whose state is not known yet (its sale's Redis state being rebuilt) is 503 with Retry-After, never 404.
     */
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
    /**
     * Cancel an unpaid order (idempotent); its units go back on sale
     * @description The owner cancels an order not yet paid; its units go back on sale. Cancelling it again answers 200 again. A paid order is 409 ORDER_NOT_CANCELLABLE; another buyer's order reads as 404. Body: none, or `{}`.
     */
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
    /**
     * The payment provider's event, applied once per eventId
     * @description Sent by the payment provider, signed in `X-Signature`; the signature is checked before the body is read. SUCCEEDED pays the order, FAILED cancels it unless it is final. Applied once per `eventId`: a redelivery gets the first answer with `Idempotent-Replayed: true`, the same `eventId` with another body 422. A payment for a cancelled order records a refund and answers 409 ORDER_CANCELLED. 404 is final; redeliver on 503.
     */
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
    /**
     * Every sale not yet expired, by start time
     * @description Every sale put and not yet expired (the Redis index and the MySQL catalog), by start time, each as PUT answers it.
     */
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
    /**
     * Create a sale, or change it before it starts
     * @description Creates the sale (201) or replaces it (200) while it has not started, and warms its shards. Times are ISO-8601 or unix milliseconds; `shards` and `paymentTimeoutSeconds` default from the config. A sale that has started (or holds reservations) is 409 SALE_LOCKED.
     */
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
    /**
     * Redis and MySQL figures of a sale, and their drift
     * @description Units by state across the Redis shards and ledgers and the MySQL rows, and `drift`: 0 when every unit is accounted for and both stores agree. The shards are read one after another without a lock, so a snapshot taken while orders move can be off for that instant; a drift that stays is the one that matters. A gateway running without MySQL leaves out `unpaid`, `refunds`, `mysql` and `redis`.
     */
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
    /**
     * Run one sweeper pass over a sale now
     * @description Runs now the pass the sweeper makes every `sweeper.intervalMs`: finishes stranded transfers, persists and settles orders, returns expired units. Answers what it found and repaired, by kind; `skipped` when another process holds the sale's sweep lease.
     */
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
    /**
     * Pause a sale: tokens and orders get SALE_NOT_LIVE
     * @description Every gateway answers the sale's tokens and orders 409 SALE_NOT_LIVE within a second; reservations already made stand. Body: none, or `{}`.
     */
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
    /**
     * Resume a paused sale
     * @description Takes tokens and orders again on every gateway within a second. A sale recovering from a Redis loss stays paused until its rebuild ends. Body: none, or `{}`.
     */
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
    /**
     * Payments recorded for refund
     * @description Payments the gateway recorded for refund, oldest first: paid after the order was cancelled, or paid twice. Making the refund is the payment provider's.
     */
    get: operations["admin_refunds"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/admin/orders/{orderId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Any buyer's order, for support: status, sale, buyer, quantity, times, payments and refunds
     * @description Found as the buyer's own read finds it (the Redis ledger, else its MySQL row by order id), with when it is cancelled if still unpaid and, once its row is in MySQL, the payment events applied to it and the refunds owed for it. An order whose state is not known yet (its sale's Redis state being rebuilt) is 503 with Retry-After, never 404.
     */
    get: operations["admin_order"];
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
    /**
     * Liveness
     * @description 200 while the process runs and its event loop answers; never shed nor rate-limited.
     */
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
    /**
     * Readiness: this process has started and is not draining (dependencies are not asked)
     * @description 200 from the end of start-up until a drain begins, then 503 with Retry-After, so a balancer stops sending before the public listener closes. Shared dependencies are not asked (one Redis blip would mark every pod unready at once); GET /health/dependencies reports them.
     */
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
    /**
     * Dependencies: Redis, MySQL and RocketMQ answer and no circuit is open
     * @description For operators, on the ops listener: 200 when every dependency this process uses answers its probe and no circuit breaker is open; otherwise 503 naming what is down, with the same `checks` and `breakers`. Never shed nor rate-limited.
     */
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
    /**
     * Prometheus metrics
     * @description Every metric of the process in Prometheus's text exposition format; never shed nor rate-limited.
     */
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
    /**
     * This document
     * @description This OpenAPI 3.1 document, built at start from the route table, the error registry and the validators' constants.
     */
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
      | "INVALID_TICKET"
      | "INVALID_PROOF"
      | "FORBIDDEN"
      | "SALE_NOT_FOUND"
      | "ORDER_NOT_FOUND"
      | "NOT_FOUND"
      | "NO_WAITING_ROOM"
      | "METHOD_NOT_ALLOWED"
      | "SOLD_OUT"
      | "LIMIT_EXCEEDED"
      | "SALE_NOT_LIVE"
      | "IDEMPOTENCY_IN_PROGRESS"
      | "ROOM_NOT_OPEN"
      | "ROOM_REQUIRED"
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
      /** @description the sale's waiting room (docs/waiting-room.md); absent or null: no room */
      waitingRoom?: components["schemas"]["WaitingRoomInput"] | null;
    };
    WaitingRoomInput: {
      /**
       * @description buyers may join (the pre-queue) from this long before startsAt
       * @default 600
       */
      opensSecondsBefore: number;
      /**
       * @description an admitted buyer who has not bought within this long loses the place
       * @default 120
       */
      admissionTtlSeconds: number;
      /**
       * @description the most buyers admitted per second (the buy path's rate)
       * @default 1000
       */
      admitPerSecond: number;
      /**
       * @description upper bound of the learned no-show factor (admitted buyers per unit left)
       * @default 3
       */
      maxOverbook: number;
    };
    WaitingRoom: {
      /** Format: date-time */
      opensAt: string;
      opensSecondsBefore: number;
      admissionTtlSeconds: number;
      admitPerSecond: number;
      maxOverbook: number;
      /** @description sha256hex(seed), published from the room's creation */
      seedCommitment: string;
      /** @description the pre-queue shuffle's seed (32 bytes, hex), published once the sale has started */
      seed?: string;
    };
    QueueJoin: {
      /** @description the solved challenge of GET .../queue/challenge (ALTCHA payload, base64 JSON) */
      proof?: string;
    };
    /** @description check: sha256hex(seed) = seedCommitment; lottery = sha256hex(seed + '|' + saleId + '|' + buyerId); place = 1 + the index of lottery in the draw's sorted list */
    Receipt: {
      seed: string;
      seedCommitment: string;
      lottery: string;
      place: number;
      preQueueSize: number;
    };
    QueueView: {
      /** @enum {string} */
      state: "WAITING" | "ADMITTED" | "SOLD_OUT" | "CLOSED";
      /** @description the signed ticket to send as Queue-Ticket (a pre-queue ticket gains its place at the start) */
      ticket: string;
      place?: number;
      /** @description buyers ahead not yet admitted */
      ahead?: number;
      unitsLeft: number;
      /** @description until admission at the current rate (or until the start) */
      estimateSeconds?: number;
      /**
       * @description admission is paused by the operator
       * @constant
       */
      paused?: true;
      /**
       * @description why CLOSED
       * @enum {string}
       */
      reason?: "SALE_ENDED" | "ADMISSION_EXPIRED";
      receipt?: components["schemas"]["Receipt"];
      /** @description ADMITTED: the Idempotency-Key of POST /v1/sales/{saleId}/orders */
      purchaseToken?: string;
      /**
       * Format: date-time
       * @description ADMITTED: buy before this, or the place is lost
       */
      admissionExpiresAt?: string;
    };
    /** @description a proof-of-work challenge (ALTCHA format), bound to the buyer and sale */
    QueueChallenge: {
      algorithm?: string;
      challenge?: string;
      maxnumber?: number;
      salt?: string;
      signature?: string;
    };
    /** @description the waiting room's numbers and state (docs/operations.md#waiting-rooms), for every room sale */
    RoomStats: {
      /**
       * @description where the room stands (docs/operations.md#waiting-rooms)
       * @enum {string}
       */
      state: "NOT_OPEN" | "PRE_QUEUE" | "ADMITTING" | "PAUSED" | "WAITING_FOR_RETURNS" | "SOLD_OUT" | "ENDED";
      /** Format: date-time */
      opensAt: string;
      /** @description sha256hex(seed) of the pre-queue's shuffle */
      seedCommitment: string;
      /** @description when the admission loop last published; null before it has run */
      progressAt: string | null;
      /** @description buyers in the room */
      joined: number;
      /** @description buyers who joined before the start */
      preQueue: number;
      /** @description not yet admitted and below the sell-out cutoff */
      waiting: number;
      /** @description places admitted so far */
      admitted: number;
      /** @description orders reserved (released ones too) */
      bought: number;
      /** @description admissions whose window ended without an order (at least) */
      noShows: number;
      /** @description admissions per second, last seconds */
      admissionRate: number;
      /** @description the learned no-show factor */
      factor: number;
      unitsLeft: number;
      /** @description places from this one on are SOLD_OUT */
      soldOutFrom: number | null;
      /** @description no unit can come back */
      soldOut: boolean;
      paused: boolean;
    };
    QueueDraw: {
      saleId: string;
      seed: string;
      seedCommitment: string;
      /** @description every pre-queue lottery value, ascending: place = index + 1 */
      lotteries: string[];
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
      waitingRoom?: components["schemas"]["WaitingRoom"];
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
    AdminOrder: components["schemas"]["Order"] & {
      /**
       * Format: date-time
       * @description when the order is cancelled if still unpaid
       */
      payBy: string;
      /** @description the payment provider's events applied to it, oldest first (empty before its row is in MySQL) */
      payments: {
        eventId: string;
        /** @description as the provider sent it */
        status: string;
        /** @description the order's status after it, or ORDER_CANCELLED */
        outcome: string;
        /** Format: date-time */
        receivedAt: string;
      }[];
      /** @description refunds owed for it (late or duplicate payments), oldest first */
      refunds: {
        eventId: string;
        /** @enum {string} */
        reason: "PAID_AFTER_CANCEL" | "DUPLICATE_PAYMENT";
        /** Format: date-time */
        recordedAt: string;
      }[];
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
      /** @description units on the shards, still on sale */
      redisRemaining: number;
      /** @description units moving between shards */
      inTransfer: number;
      /** @description units held by live reservations (reserved, confirmed or paid) */
      reserved: number;
      /** @description units reserved and not yet written to MySQL */
      pending: number;
      /** @description units of unpaid orders (MySQL's; the Redis ledger's without MySQL) */
      confirmed: number;
      /** @description units of paid orders (MySQL's; the Redis ledger's without MySQL) */
      paid: number;
      /** @description units of cancelled orders (MySQL's; the Redis ledger's without MySQL) */
      cancelled: number;
      /** @description orders (not units) in the Redis ledger, by state */
      orders: {
        pending: number;
        confirmed: number;
        paid: number;
        cancelled: number;
        /** @description reservations rolled back before their order existed */
        rolledBack: number;
      };
      /** @description units of orders in MySQL awaiting payment; absent without MySQL */
      unpaid?: number;
      /** @description refunds recorded for the sale (GET .../refunds); absent without MySQL */
      refunds?: number;
      /** @description MySQL's orders by status, and (quantity) their units; absent without MySQL */
      mysql?: {
        confirmed: number;
        paid: number;
        cancelled: number;
        total: number;
        quantity: {
          confirmed: number;
          paid: number;
          cancelled: number;
          total: number;
        };
      };
      /** @description the Redis ledger's units by state, beside MySQL's; absent without MySQL */
      redis?: {
        confirmed: number;
        paid: number;
        cancelled: number;
      };
      /** @description units unaccounted for in Redis, plus the difference between Redis's and MySQL's persisted units: 0 when they agree */
      drift: number;
      waitingRoom?: components["schemas"]["RoomStats"];
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
        traceparent: components["headers"]["Traceparent"];
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
    /** @description METHOD_NOT_ALLOWED: the path exists, not with this method; Allow lists the methods it takes */
    MethodNotAllowed: {
      headers: {
        "X-Request-Id": components["headers"]["XRequestId"];
        traceparent: components["headers"]["Traceparent"];
        Allow: components["headers"]["Allow"];
        [name: string]: unknown;
      };
      content: {
        "application/json": components["schemas"]["Error"] & {
          error?: {
            /** @enum {unknown} */
            code?: "METHOD_NOT_ALLOWED";
          };
        };
      };
    };
  };
  parameters: {
    saleId: string;
    /** @description as POST .../orders answered it */
    orderId: string;
    /** @description the ticket of the join (or of the last poll): signed, bound to the buyer and sale */
    QueueTicket: string;
    /** @description the purchase token from POST /v1/sales/{saleId}/tokens; a retry sends the same key and body and gets the first answer */
    IdempotencyKey: string;
    /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
    XRequestId: string;
    /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
    Traceparent: string;
  };
  requestBodies: never;
  headers: {
    /** @description the caller's request id, or one the gateway made up */
    XRequestId: string;
    /** @description the gateway's W3C traceparent for this request: the caller's trace id (or a new one), its own span id */
    Traceparent: string;
    /** @description this answer is the first answer to the same key (or event), sent again */
    IdempotentReplayed: "true";
    /** @description seconds to wait before retrying (with the same Idempotency-Key) */
    RetryAfter: number;
    /** @description seconds until the next poll is worth it: 1 near the front, longer far back; within 30 s of the start, past it, by the buyer's draw */
    PollAfter: number;
    /** @description RFC 6750: without error when no bearer token came (none, or another scheme); error="invalid_token" when one came and was refused */
    BearerChallenge: 'Bearer realm="flashsale"' | 'Bearer realm="flashsale", error="invalid_token"';
    /** @description a private scheme naming the header the payment provider's signature goes in (docs/api.md) */
    SignatureChallenge: 'HMAC-SHA256 realm="flashsale", header="X-Signature"';
    /** @description never kept by a shared cache: the answer depends on the caller's credentials or on the moment */
    NoStore: "no-store";
    /**
     * @description the methods the path takes (RFC 9110)
     * @example GET
     */
    Allow: string;
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          /** @description the same for every caller: a shared cache (a CDN) may hold it */
          "Cache-Control"?: "public, max-age=1";
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "stock": 1000,
           *       "perUserLimit": 2,
           *       "startsAt": "2026-11-27T10:00:00.000Z",
           *       "endsAt": "2026-11-27T10:15:00.000Z",
           *       "shards": 8,
           *       "paymentTimeoutSeconds": 900,
           *       "paused": false,
           *       "status": "LIVE",
           *       "remaining": 374
           *     }
           */
          "application/json": components["schemas"]["SaleView"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /** @example {} */
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description issued from startsAt - tokens.leadSeconds until endsAt */
      201: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "token": "AQNqd3QBohx0ZcAHBwcHBwcHBwcHBweK4HCm5DascVSimqo_hyqi",
           *       "expiresAt": "2026-11-27T10:02:00.000Z"
           *     }
           */
          "application/json": components["schemas"]["PurchaseToken"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
      /** @description SOLD_OUT: no stock left for this request; SALE_NOT_LIVE: before startsAt, after endsAt, or while the sale is paused; ROOM_REQUIRED: the sale has a waiting room: purchase tokens come from admission */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SOLD_OUT" | "SALE_NOT_LIVE" | "ROOM_REQUIRED";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /**
         * @example {
         *       "quantity": 1
         *     }
         */
        "application/json": components["schemas"]["OrderInput"];
      };
    };
    responses: {
      /** @description reserved; the order reaches MySQL shortly */
      202: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "userId": "alice",
           *       "quantity": 1,
           *       "status": "RESERVED"
           *     }
           */
          "application/json": components["schemas"]["OrderAccepted"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
  queue_poll: {
    parameters: {
      query?: never;
      header: {
        /** @description the ticket of the join (or of the last poll): signed, bound to the buyer and sale */
        "Queue-Ticket": components["parameters"]["QueueTicket"];
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the buyer's state */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "Retry-After": components["headers"]["PollAfter"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "state": "ADMITTED",
           *       "ticket": "eyJ2IjoxLCJzIjoic3VtbWVyLWRyb3AtMSIsImIiOiJidXllci03IiwiayI6ImoxIiwiaiI6MTc2NDIzNzIwMDAwMCwicHEiOnRydWUsIngiOjE3NjQyNDQwMDAwMDAsInAiOjQxfQ.Zk2n7o3Qx4q2Jm0uWkq3yD2mX9rE8sVbT1cP5aLfH0g",
           *       "place": 41,
           *       "unitsLeft": 370,
           *       "receipt": {
           *         "seed": "9f2c6a1e5b7d4c3a8e0f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
           *         "seedCommitment": "5b8d0c0b2ab6d2f1b7d0b1e4b5b8e3a0d6f2f5e1c9a7b3d4e2f1a0b9c8d7e6f5",
           *         "lottery": "04a1f0c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
           *         "place": 41,
           *         "preQueueSize": 1200
           *       },
           *       "purchaseToken": "q8Lx2mN4pR6tV8xZ0bD2fH4j",
           *       "admissionExpiresAt": "2026-11-27T10:02:00.000Z"
           *     }
           */
          "application/json": components["schemas"]["QueueView"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
      /** @description INVALID_TICKET: queue ticket malformed, forged, expired, or bound to another buyer or sale */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_TICKET";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id; NO_WAITING_ROOM: the sale has no waiting room */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND" | "NO_WAITING_ROOM";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
  queue_join: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "proof": "eyJhbGdvcml0aG0iOiJTSEEtMjU2IiwibnVtYmVyIjo0MjF9"
         *     }
         */
        "application/json": components["schemas"]["QueueJoin"];
      };
    };
    responses: {
      /** @description joined before: the same ticket */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "Retry-After": components["headers"]["PollAfter"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "state": "WAITING",
           *       "ticket": "eyJ2IjoxLCJzIjoic3VtbWVyLWRyb3AtMSIsImIiOiJidXllci03IiwiayI6ImoxIiwiaiI6MTc2NDIzNzIwMDAwMCwicHEiOnRydWUsIngiOjE3NjQyNDQwMDAwMDAsInAiOjQxfQ.Zk2n7o3Qx4q2Jm0uWkq3yD2mX9rE8sVbT1cP5aLfH0g",
           *       "place": 41,
           *       "ahead": 12,
           *       "unitsLeft": 374,
           *       "estimateSeconds": 3,
           *       "receipt": {
           *         "seed": "9f2c6a1e5b7d4c3a8e0f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
           *         "seedCommitment": "5b8d0c0b2ab6d2f1b7d0b1e4b5b8e3a0d6f2f5e1c9a7b3d4e2f1a0b9c8d7e6f5",
           *         "lottery": "04a1f0c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
           *         "place": 41,
           *         "preQueueSize": 1200
           *       }
           *     }
           */
          "application/json": components["schemas"]["QueueView"];
        };
      };
      /** @description joined */
      201: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "Retry-After": components["headers"]["PollAfter"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "state": "WAITING",
           *       "ticket": "eyJ2IjoxLCJzIjoic3VtbWVyLWRyb3AtMSIsImIiOiJidXllci03IiwiayI6ImoxIiwiaiI6MTc2NDIzNzIwMDAwMCwicHEiOnRydWUsIngiOjE3NjQyNDQwMDAwMDAsInAiOjQxfQ.Zk2n7o3Qx4q2Jm0uWkq3yD2mX9rE8sVbT1cP5aLfH0g",
           *       "place": 41,
           *       "ahead": 12,
           *       "unitsLeft": 374,
           *       "estimateSeconds": 3,
           *       "receipt": {
           *         "seed": "9f2c6a1e5b7d4c3a8e0f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
           *         "seedCommitment": "5b8d0c0b2ab6d2f1b7d0b1e4b5b8e3a0d6f2f5e1c9a7b3d4e2f1a0b9c8d7e6f5",
           *         "lottery": "04a1f0c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
           *         "place": 41,
           *         "preQueueSize": 1200
           *       }
           *     }
           */
          "application/json": components["schemas"]["QueueView"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
      /** @description INVALID_PROOF: proof of work missing, malformed or wrong; nothing was written */
      403: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "INVALID_PROOF";
            };
          };
        };
      };
      /** @description SALE_NOT_FOUND: no sale with this id; NO_WAITING_ROOM: the sale has no waiting room */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND" | "NO_WAITING_ROOM";
            };
          };
        };
      };
      /** @description SOLD_OUT: no stock left for this request; SALE_NOT_LIVE: before startsAt, after endsAt, or while the sale is paused; ROOM_NOT_OPEN: the waiting room opens at waitingRoom.opensAt (or the draw: at the start) */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SOLD_OUT" | "SALE_NOT_LIVE" | "ROOM_NOT_OPEN";
            };
          };
        };
      };
      /** @description PAYLOAD_TOO_LARGE: body over the configured limit (default 4 KiB) */
      413: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
  queue_challenge: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the challenge */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "algorithm": "SHA-256",
           *       "challenge": "4e1f0c9b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
           *       "maxnumber": 100000,
           *       "salt": "b2c3d4e5f6a7b8c9?expires=1764237500&sale=summer-drop-1&buyer=buyer-7",
           *       "signature": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
           *     }
           */
          "application/json": components["schemas"]["QueueChallenge"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
      /** @description SALE_NOT_FOUND: no sale with this id; NO_WAITING_ROOM: the sale has no waiting room */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND" | "NO_WAITING_ROOM";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
  queue_draw: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the draw */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          /** @description the same for every caller: a shared cache (a CDN) may hold it */
          "Cache-Control"?: "public, max-age=60";
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "seed": "9f2c6a1e5b7d4c3a8e0f1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6",
           *       "seedCommitment": "5b8d0c0b2ab6d2f1b7d0b1e4b5b8e3a0d6f2f5e1c9a7b3d4e2f1a0b9c8d7e6f5",
           *       "lotteries": [
           *         "0003b1c2d3e4f5a69788796a5b4c3d2e1f00112233445566778899aabbccddee",
           *         "04a1f0c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddee"
           *       ]
           *     }
           */
          "application/json": components["schemas"]["QueueDraw"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
      /** @description SALE_NOT_FOUND: no sale with this id; NO_WAITING_ROOM: the sale has no waiting room */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "SALE_NOT_FOUND" | "NO_WAITING_ROOM";
            };
          };
        };
      };
      /** @description ROOM_NOT_OPEN: the waiting room opens at waitingRoom.opensAt (or the draw: at the start) */
      409: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"] & {
            error?: {
              /** @enum {unknown} */
              code?: "ROOM_NOT_OPEN";
            };
          };
        };
      };
      /** @description RATE_LIMITED: too many requests; with Retry-After */
      429: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "userId": "alice",
           *       "quantity": 1,
           *       "status": "CONFIRMED",
           *       "createdAt": "2026-11-27T10:00:01.204Z",
           *       "updatedAt": "2026-11-27T10:00:01.388Z"
           *     }
           */
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        /** @description as POST .../orders answered it */
        orderId: components["parameters"]["orderId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /** @example {} */
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description cancelled */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
           *       "status": "CANCELLED"
           *     }
           */
          "application/json": components["schemas"]["OrderCancelled"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "eventId": "evt_1Q2w3E4r5T",
         *       "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
         *       "status": "SUCCEEDED"
         *     }
         */
        "application/json": components["schemas"]["PaymentEvent"];
      };
    };
    responses: {
      /** @description the order's status after the event */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "Idempotent-Replayed": components["headers"]["IdempotentReplayed"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
           *       "status": "PAID"
           *     }
           */
          "application/json": components["schemas"]["PaymentApplied"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["SignatureChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "sales": [
           *         {
           *           "saleId": "summer-drop-1",
           *           "skuId": "sku-42",
           *           "stock": 1000,
           *           "perUserLimit": 2,
           *           "startsAt": "2026-11-27T10:00:00.000Z",
           *           "endsAt": "2026-11-27T10:15:00.000Z",
           *           "shards": 8,
           *           "paymentTimeoutSeconds": 900,
           *           "paused": false
           *         }
           *       ]
           *     }
           */
          "application/json": components["schemas"]["SaleList"];
        };
      };
      /** @description UNAUTHENTICATED: missing, malformed, badly signed or expired credentials */
      401: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "skuId": "sku-42",
         *       "stock": 1000,
         *       "perUserLimit": 2,
         *       "startsAt": "2026-11-27T10:00:00.000Z",
         *       "endsAt": "2026-11-27T10:15:00.000Z",
         *       "shards": 8,
         *       "paymentTimeoutSeconds": 900
         *     }
         */
        "application/json": components["schemas"]["SaleInput"];
      };
    };
    responses: {
      /** @description updated */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "stock": 1000,
           *       "perUserLimit": 2,
           *       "startsAt": "2026-11-27T10:00:00.000Z",
           *       "endsAt": "2026-11-27T10:15:00.000Z",
           *       "shards": 8,
           *       "paymentTimeoutSeconds": 900,
           *       "paused": false
           *     }
           */
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description created */
      201: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "stock": 1000,
           *       "perUserLimit": 2,
           *       "startsAt": "2026-11-27T10:00:00.000Z",
           *       "endsAt": "2026-11-27T10:15:00.000Z",
           *       "shards": 8,
           *       "paymentTimeoutSeconds": 900,
           *       "paused": false
           *     }
           */
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "stock": 1000,
           *       "redisRemaining": 374,
           *       "inTransfer": 0,
           *       "reserved": 626,
           *       "pending": 12,
           *       "confirmed": 401,
           *       "paid": 213,
           *       "cancelled": 40,
           *       "orders": {
           *         "pending": 12,
           *         "confirmed": 401,
           *         "paid": 213,
           *         "cancelled": 40,
           *         "rolledBack": 3
           *       },
           *       "unpaid": 401,
           *       "refunds": 1,
           *       "mysql": {
           *         "confirmed": 401,
           *         "paid": 213,
           *         "cancelled": 40,
           *         "total": 654,
           *         "quantity": {
           *           "confirmed": 401,
           *           "paid": 213,
           *           "cancelled": 40,
           *           "total": 654
           *         }
           *       },
           *       "redis": {
           *         "confirmed": 401,
           *         "paid": 213,
           *         "cancelled": 40
           *       },
           *       "drift": 0
           *     }
           */
          "application/json": components["schemas"]["SaleStats"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "transfersFinished": 0,
           *       "unitsMoved": 0,
           *       "openChecked": 12,
           *       "ordersPersisted": 0,
           *       "rowsRestored": 0,
           *       "recordsRestored": 0,
           *       "cancelledRowsWritten": 0,
           *       "unitsReturned": 2,
           *       "paidMarked": 0,
           *       "confirmedMarked": 0,
           *       "expired": 1,
           *       "parkedSettled": 0,
           *       "parkedOpen": 0,
           *       "outboxStale": 0,
           *       "outboxPublished": 0,
           *       "settled": false
           *     }
           */
          "application/json": components["schemas"]["Reconciled"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /** @example {} */
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description the sale */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "stock": 1000,
           *       "perUserLimit": 2,
           *       "startsAt": "2026-11-27T10:00:00.000Z",
           *       "endsAt": "2026-11-27T10:15:00.000Z",
           *       "shards": 8,
           *       "paymentTimeoutSeconds": 900,
           *       "paused": true
           *     }
           */
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        saleId: components["parameters"]["saleId"];
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /** @example {} */
        "application/json": components["schemas"]["NoFields"];
      };
    };
    responses: {
      /** @description the sale */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "stock": 1000,
           *       "perUserLimit": 2,
           *       "startsAt": "2026-11-27T10:00:00.000Z",
           *       "endsAt": "2026-11-27T10:15:00.000Z",
           *       "shards": 8,
           *       "paymentTimeoutSeconds": 900,
           *       "paused": false
           *     }
           */
          "application/json": components["schemas"]["Sale"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "saleId": "summer-drop-1",
           *       "refunds": [
           *         {
           *           "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
           *           "eventId": "evt_9Z8y7X6w5V",
           *           "reason": "PAID_AFTER_CANCEL",
           *           "recordedAt": "2026-11-27T10:16:03.512Z"
           *         }
           *       ]
           *     }
           */
          "application/json": components["schemas"]["Refunds"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
  admin_order: {
    parameters: {
      query?: never;
      header?: {
        /** @description echoed in the answer when it matches ^[A-Za-z0-9._:-]{1,128}$; otherwise the gateway makes one up */
        "X-Request-Id"?: components["parameters"]["XRequestId"];
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
      };
      path: {
        /** @description as POST .../orders answered it */
        orderId: components["parameters"]["orderId"];
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description the order (RESERVED until its row is in MySQL) */
      200: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "orderId": "summer-drop-1.3.Ab3dE5fG7hJ9",
           *       "saleId": "summer-drop-1",
           *       "skuId": "sku-42",
           *       "userId": "alice",
           *       "quantity": 1,
           *       "status": "PAID",
           *       "createdAt": "2026-11-27T10:00:01.204Z",
           *       "updatedAt": "2026-11-27T10:03:12.015Z",
           *       "payBy": "2026-11-27T10:15:01.204Z",
           *       "payments": [
           *         {
           *           "eventId": "evt_1A2b3C4d5E",
           *           "status": "SUCCEEDED",
           *           "outcome": "PAID",
           *           "receivedAt": "2026-11-27T10:03:12.009Z"
           *         },
           *         {
           *           "eventId": "evt_6F7g8H9i0J",
           *           "status": "SUCCEEDED",
           *           "outcome": "PAID",
           *           "receivedAt": "2026-11-27T10:04:40.551Z"
           *         }
           *       ],
           *       "refunds": [
           *         {
           *           "eventId": "evt_6F7g8H9i0J",
           *           "reason": "DUPLICATE_PAYMENT",
           *           "recordedAt": "2026-11-27T10:04:40.551Z"
           *         }
           *       ]
           *     }
           */
          "application/json": components["schemas"]["AdminOrder"];
        };
      };
      /** @description INVALID_REQUEST: malformed JSON (also duplicate keys, __proto__/constructor/prototype keys, nesting deeper than 8, bytes that are not UTF-8), wrong types, unknown fields, quantity not a positive integer, malformed ids, missing or malformed Idempotency-Key */
      400: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          "WWW-Authenticate": components["headers"]["BearerChallenge"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
      /** @description ORDER_NOT_FOUND: no order with this id for this buyer */
      404: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "ok"
           *     }
           */
          "application/json": components["schemas"]["Health"];
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "ready",
           *       "checks": {
           *         "serving": "up"
           *       }
           *     }
           */
          "application/json": components["schemas"]["Readiness"];
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "status": "up",
           *       "checks": {
           *         "redis": "up",
           *         "mysql": "up",
           *         "rocketmq": "up"
           *       },
           *       "breakers": {
           *         "redis": "closed",
           *         "mysql": "closed",
           *         "rocketmq": "closed"
           *       }
           *     }
           */
          "application/json": components["schemas"]["Dependencies"];
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example # HELP flashsale_reservations_total Order attempts that reached the reservation, by outcome
           *     # TYPE flashsale_reservations_total counter
           *     flashsale_reservations_total{outcome="reserved"} 626
           */
          "text/plain": string;
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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
        /** @description W3C Trace Context (version 00): the gateway joins this trace with a span of its own and carries it to the order writer; a missing or invalid one starts a new trace (never an error) */
        traceparent?: components["parameters"]["Traceparent"];
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
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
          [name: string]: unknown;
        };
        content: {
          /**
           * @example {
           *       "openapi": "3.1.0",
           *       "info": {
           *         "title": "flashsale-gateway",
           *         "version": "0.1.0"
           *       },
           *       "paths": {}
           *     }
           */
          "application/json": Record<string, never>;
        };
      };
      /** @description INTERNAL_ERROR: an unexpected failure in the gateway (a bug); retry with the same key */
      500: {
        headers: {
          "X-Request-Id": components["headers"]["XRequestId"];
          traceparent: components["headers"]["Traceparent"];
          "Cache-Control": components["headers"]["NoStore"];
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

import { createHash } from "node:crypto";
import { ApiError } from "../../errors.js";
import { errorReply, type Handler, type HttpReply, type Req } from "../exchange.js";
import { ipLimited } from "./ip-limited.js";
import { findOrder } from "./order-lookup.js";
import { jsonObject } from "../../admission/body.js";
import type { Breakers } from "../../admission/breakers.js";
import { ORDER_ID_RE } from "../../admission/ids.js";
import type { PaymentSignature } from "../../admission/payment-signature.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import type { OrderLifecycle } from "../../orders/order-lifecycle.js";
import type { Cell, Metrics } from "../../observability/metrics.js";
import { paymentOutcome } from "../../orders/order-state.js";
import type { TransitionResult } from "../../orders/order-transitions.js";

/** The callback's fields, all required (the OpenAPI document is built from these constants). */
export const PAYMENT_FIELDS: ReadonlySet<string> = new Set(["eventId", "orderId", "status"]);
export const EVENT_ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
export const PAYMENT_STATUSES = ["SUCCEEDED", "FAILED"] as const;
const isPaymentStatus = (v: unknown): v is (typeof PAYMENT_STATUSES)[number] => PAYMENT_STATUSES.includes(v as never);
const REPLAYED = { "idempotent-replayed": "true" };

export interface PaymentRoutesDeps {
  signature: PaymentSignature;
  lifecycle: OrderLifecycle;
  limits: RateLimits;
  breakers: Breakers;
  metrics: Metrics;
}

/**
 * flashsale_payments_total{outcome}: paid; failed (a FAILED event cancelled the order); ignored (a FAILED
 * event for an order already final); refund_late (paid after the order was cancelled: refund owed);
 * refund_double (a second payment event for a paid order: refund owed); duplicate (an event delivered
 * again: its first answer); event_reused (an event id with another body); bad_signature; invalid;
 * not_found; error (a dependency failed: the provider retries).
 */
const PAYMENT_OUTCOMES = [
  "paid",
  "failed",
  "ignored",
  "refund_late",
  "refund_double",
  "duplicate",
  "event_reused",
  "bad_signature",
  "invalid",
  "not_found",
  "error",
] as const;
type PaymentCount = (typeof PAYMENT_OUTCOMES)[number];

/**
 * POST /v1/payments/callback from the payment provider. The signature over the raw body is checked
 * before anything is parsed or recorded; then the event is applied once per eventId (the event row and
 * the status change share one MySQL transaction). The answer is the order's status after the event.
 */
export class PaymentRoutes {
  readonly callback: Handler;

  private readonly counts: Record<PaymentCount, Cell>;

  constructor(private readonly deps: PaymentRoutesDeps) {
    const c = deps.metrics.counter("flashsale_payments_total", "Payment callbacks by outcome", ["outcome"]);
    this.counts = Object.fromEntries(PAYMENT_OUTCOMES.map((outcome) => [outcome, c.cell({ outcome })])) as Record<
      PaymentCount,
      Cell
    >;
    this.callback = ipLimited(deps.limits, (req) => this.counted(req));
  }

  private async counted(req: Req): Promise<HttpReply> {
    try {
      return await this.apply(req);
    } catch (err) {
      this.counts[refusal(err)].n++;
      throw err;
    }
  }

  private async apply(req: Req): Promise<HttpReply> {
    const { signature, lifecycle, breakers } = this.deps;
    signature.check(req.signature, req.body);
    if (!req.body || req.body.length === 0)
      throw new ApiError("INVALID_REQUEST", "body required: {eventId, orderId, status}");
    const body = jsonObject(req.body, req.contentType, PAYMENT_FIELDS);
    const { eventId, orderId, status } = body;
    if (typeof eventId !== "string" || !EVENT_ID_RE.test(eventId))
      throw new ApiError("INVALID_REQUEST", "eventId must be 1-128 of [A-Za-z0-9_.:-]");
    if (typeof orderId !== "string" || !ORDER_ID_RE.test(orderId))
      throw new ApiError("INVALID_REQUEST", "orderId is malformed");
    if (!isPaymentStatus(status)) throw new ApiError("INVALID_REQUEST", 'status must be "SUCCEEDED" or "FAILED"');
    const order = await findOrder(
      lifecycle,
      breakers,
      orderId,
      () => new ApiError("ORDER_NOT_FOUND", "no order with this id"),
    );
    // The event's content, canonical: the same event id with another order or status is another body.
    const bodySha256 = createHash("sha256").update(`${orderId}\n${status}`).digest("hex");
    // Refused at once while MySQL's circuit is open; otherwise the breaker times the batch the payment joins.
    breakers.mysql.ensureClosed();
    const result = await lifecycle.payment(order, { eventId, status, bodySha256 });
    if (result.kind !== "event_reused") this.counts[countOf(result, status)].n++;
    return paymentReply(orderId, result);
  }
}

function countOf(
  result: Exclude<TransitionResult, { kind: "event_reused" }>,
  status: (typeof PAYMENT_STATUSES)[number],
): PaymentCount {
  const d = result.decision;
  if (result.kind === "replayed") return "duplicate";
  if (d.refund === "PAID_AFTER_CANCEL") return "refund_late";
  if (d.refund === "DUPLICATE_PAYMENT") return "refund_double";
  if (status === "SUCCEEDED") return "paid";
  return d.to === "CANCELLED" ? "failed" : "ignored";
}

function refusal(err: unknown): PaymentCount {
  if (!(err instanceof ApiError)) return "error";
  const { code } = err;
  if (code === "UNAUTHENTICATED") return "bad_signature";
  if (code === "ORDER_NOT_FOUND") return "not_found";
  if (code === "IDEMPOTENCY_KEY_REUSED") return "event_reused";
  return err.status < 500 ? "invalid" : "error";
}

function paymentReply(orderId: string, result: TransitionResult): HttpReply {
  if (result.kind === "event_reused")
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", "this eventId was delivered before with another body");
  const outcome = paymentOutcome(result.decision);
  const headers = result.kind === "replayed" ? REPLAYED : undefined;
  if (outcome === "ORDER_CANCELLED") {
    return errorReply(
      new ApiError("ORDER_CANCELLED", "the order was cancelled before this payment; a refund is recorded", headers),
    );
  }
  return { status: 200, body: { orderId, status: outcome }, headers };
}

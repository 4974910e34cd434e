import { createHash } from "node:crypto";
import { ApiError } from "../../errors.js";
import { errorReply, type Handler, type HttpReply, type Req } from "../exchange.js";
import { ipLimited } from "./ip-limited.js";
import { jsonObject } from "../../admission/body.js";
import type { Breakers } from "../../admission/breakers.js";
import { ORDER_ID_RE } from "../../admission/ids.js";
import type { PaymentSignature } from "../../admission/payment-signature.js";
import type { RateLimits } from "../../admission/rate-limits.js";
import type { OrderLifecycle } from "../../lifecycle/order-lifecycle.js";
import { paymentOutcome, type TransitionResult } from "../../persistence/order-transitions.js";

const FIELDS: ReadonlySet<string> = new Set(["eventId", "orderId", "status"]);
const EVENT_ID_RE = /^[A-Za-z0-9_.:-]{1,128}$/;
const REPLAYED = { "idempotent-replayed": "true" };

export interface PaymentRoutesDeps {
  signature: PaymentSignature;
  lifecycle: OrderLifecycle;
  limits: RateLimits;
  breakers: Breakers;
}

/**
 * POST /v1/payments/callback from the payment provider. The signature over the raw body is checked
 * before anything is parsed or recorded; then the event is applied once per eventId (the event row and
 * the status change share one MySQL transaction). The answer is the order's status after the event.
 */
export class PaymentRoutes {
  readonly callback: Handler;

  constructor(private readonly deps: PaymentRoutesDeps) {
    this.callback = ipLimited(deps.limits, (req) => this.apply(req));
  }

  private async apply(req: Req): Promise<HttpReply> {
    const { signature, lifecycle, breakers } = this.deps;
    signature.check(req.signature, req.body);
    if (!req.body || req.body.length === 0) throw new ApiError("INVALID_REQUEST", "body required: {eventId, orderId, status}");
    const body = jsonObject(req.body, req.contentType, FIELDS);
    const { eventId, orderId, status } = body;
    if (typeof eventId !== "string" || !EVENT_ID_RE.test(eventId)) throw new ApiError("INVALID_REQUEST", "eventId must be 1-128 of [A-Za-z0-9_.:-]");
    if (typeof orderId !== "string" || !ORDER_ID_RE.test(orderId)) throw new ApiError("INVALID_REQUEST", "orderId is malformed");
    if (status !== "SUCCEEDED" && status !== "FAILED") throw new ApiError("INVALID_REQUEST", 'status must be "SUCCEEDED" or "FAILED"');
    const order = await breakers.redis.run(() => lifecycle.find(orderId));
    if (!order) throw new ApiError("ORDER_NOT_FOUND", "no order with this id");
    // The event's content, canonical: the same event id with another order or status is another body.
    const bodySha256 = createHash("sha256").update(`${orderId}\n${status}`).digest("hex");
    const result = await breakers.mysql.run(() => lifecycle.payment(order, { eventId, status, bodySha256 }));
    return paymentReply(orderId, result);
  }
}

function paymentReply(orderId: string, result: TransitionResult): HttpReply {
  if (result.kind === "event_reused") throw new ApiError("IDEMPOTENCY_KEY_REUSED", "this eventId was delivered before with another body");
  const outcome = paymentOutcome(result.decision);
  const headers = result.kind === "replayed" ? REPLAYED : undefined;
  if (outcome === "ORDER_CANCELLED") {
    return errorReply(new ApiError("ORDER_CANCELLED", "the order was cancelled before this payment; a refund is recorded", headers));
  }
  return { status: 200, body: { orderId, status: outcome }, headers };
}

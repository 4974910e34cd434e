/**
 * The order state machine, in one place. RESERVED exists only in Redis (no row yet); the row starts
 * CONFIRMED. Transitions:
 *
 *   RESERVED ──writer──▶ CONFIRMED ──payment SUCCEEDED──▶ PAID
 *   RESERVED | CONFIRMED ──payment FAILED | payment timeout | buyer cancel──▶ CANCELLED
 *
 * PAID and CANCELLED are final. A payment that finds the order CANCELLED, or PAID by another event, is
 * not a transition: it records a refund. Everything here is pure; order-transitions.ts applies
 * a decision under the row lock, so two racing actors never both win.
 */
import type { Order, OrderStatus } from "../order.js";
import { orderEvent, type OrderEvent, type OrderEventType } from "../persistence/order-events.js";

/**
 * Why a cancel action runs (a failed payment is its own action); UNITS_RETURNED: the sweeper writes the row
 * of a reservation already released.
 */
export type CancelReason = "PAYMENT_TIMEOUT" | "BUYER_CANCEL" | "UNITS_RETURNED";
export const REFUND_REASONS = ["PAID_AFTER_CANCEL", "DUPLICATE_PAYMENT"] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

export type OrderAction =
  { kind: "pay"; eventId: string } | { kind: "fail"; eventId: string } | { kind: "cancel"; reason: CancelReason };

/** What an action comes to from one status: the new status (if any), a refund (if any), and the answer. */
export interface Decision {
  to?: OrderStatus;
  refund?: RefundReason;
  /** The order's status after the action (what the caller is told). */
  status: OrderStatus;
  /** The action lost to a final status: a payment on a cancelled order, a cancel of a paid one. */
  refused?: "ORDER_CANCELLED" | "ORDER_NOT_CANCELLABLE";
}

/** The one transition table. `from` is the row's status (a missing row is written CONFIRMED first). */
export function decide(from: OrderStatus, action: OrderAction): Decision {
  switch (action.kind) {
    case "pay":
      if (from === "CONFIRMED") return { to: "PAID", status: "PAID" };
      // A different event than the one that paid (the same event is answered from its record).
      if (from === "PAID") return { refund: "DUPLICATE_PAYMENT", status: "PAID" };
      return { refund: "PAID_AFTER_CANCEL", status: "CANCELLED", refused: "ORDER_CANCELLED" };
    case "fail":
      if (from === "CONFIRMED") return { to: "CANCELLED", status: "CANCELLED" };
      return { status: from };
    case "cancel":
      if (from === "CONFIRMED") return { to: "CANCELLED", status: "CANCELLED" };
      if (from === "PAID")
        return { status: "PAID", refused: action.reason === "BUYER_CANCEL" ? "ORDER_NOT_CANCELLABLE" : undefined };
      return { status: "CANCELLED" };
  }
}

/** The event a transition to `to` publishes through the outbox. */
export function eventTypeOf(to: OrderStatus): OrderEventType {
  return to === "PAID" ? "ORDER_PAID" : to === "CANCELLED" ? "ORDER_CANCELLED" : "ORDER_CONFIRMED";
}

/**
 * An action taken on a locked row at `from` and `version`: the decision, the row's version after it (one
 * more when the row changes or a refund is owed), and the outbox events of the change and of the refund.
 */
export function step(
  order: Order,
  action: OrderAction,
  from: OrderStatus,
  version: number,
  at: Date,
): { decision: Decision; version: number; events: OrderEvent[] } {
  const decision = decide(from, action);
  const next = decision.to || decision.refund ? version + 1 : version;
  const events: OrderEvent[] = [];
  if (decision.to) events.push(orderEvent(order, eventTypeOf(decision.to), next, at));
  if (decision.refund) events.push(orderEvent(order, "REFUND_REQUIRED", next, at));
  return { decision, version: next, events };
}

/** The outcome stored with a payment event and replayed to its redeliveries: a refusal's code, else the status. */
export function paymentOutcome(d: Decision): string {
  return d.refused ?? d.status;
}

/** The decision a stored outcome stands for (paymentOutcome read back). */
export function storedDecision(outcome: string): Decision {
  return outcome === "ORDER_CANCELLED"
    ? { status: "CANCELLED", refused: "ORDER_CANCELLED" }
    : { status: outcome as OrderStatus };
}

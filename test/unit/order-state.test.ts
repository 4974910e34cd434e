import { describe, expect, it } from "vitest";
import { ORDER_STATUSES, type OrderStatus } from "../../src/order.js";
import {
  decide,
  eventTypeOf,
  type CancelReason,
  type Decision,
  type OrderAction,
  type RefundReason,
} from "../../src/orders/order-state.js";
import type { OrderEventType } from "../../src/persistence/order-events.js";

type ActionName = "pay" | "fail" | `cancel ${CancelReason}`;

const CANCEL_REASONS = ["PAYMENT_TIMEOUT", "BUYER_CANCEL", "UNITS_RETURNED"] as const satisfies readonly CancelReason[];
// A new cancel reason fails the typecheck here until it has its rows below.
const everyReason: [Exclude<CancelReason, (typeof CANCEL_REASONS)[number]>] extends [never] ? true : false = true;
const ACTIONS: readonly ActionName[] = ["pay", "fail", ...CANCEL_REASONS.map((r) => `cancel ${r}` as const)];
// RESERVED has no row to decide on: a missing row is written CONFIRMED before decide() runs.
const STORED = ORDER_STATUSES;

function action(name: ActionName): OrderAction {
  if (name === "pay") return { kind: "pay", eventId: "evt-1" };
  if (name === "fail") return { kind: "fail", eventId: "evt-1" };
  return { kind: "cancel", reason: name.slice("cancel ".length) as CancelReason };
}

/** The events a decision publishes, as src/orders/order-transitions.ts writes them to the outbox. */
function eventsOf(d: Decision): OrderEventType[] {
  return [...(d.to ? [eventTypeOf(d.to)] : []), ...(d.refund ? ["REFUND_REQUIRED" as const] : [])];
}

type Row = [
  from: OrderStatus,
  action: ActionName,
  to: OrderStatus | null,
  status: OrderStatus,
  refund: RefundReason | null,
  refused: Decision["refused"] | null,
  events: OrderEventType[],
];

/** Every (status × action) pair and what it comes to: the state machine of src/orders/order-state.ts, written out. */
// prettier-ignore
const TABLE: Row[] = [
  // from         action                    to            status        refund                refused                   events
  ["CONFIRMED", "pay",                     "PAID",       "PAID",       null,                 null,                     ["ORDER_PAID"]],
  ["CONFIRMED", "fail",                    "CANCELLED",  "CANCELLED",  null,                 null,                     ["ORDER_CANCELLED"]],
  ["CONFIRMED", "cancel PAYMENT_TIMEOUT",  "CANCELLED",  "CANCELLED",  null,                 null,                     ["ORDER_CANCELLED"]],
  ["CONFIRMED", "cancel BUYER_CANCEL",     "CANCELLED",  "CANCELLED",  null,                 null,                     ["ORDER_CANCELLED"]],
  ["CONFIRMED", "cancel UNITS_RETURNED",   "CANCELLED",  "CANCELLED",  null,                 null,                     ["ORDER_CANCELLED"]],
  // PAID is final: a second payment is refunded, a failure or a timeout changes nothing, the buyer is told no.
  ["PAID",      "pay",                     null,         "PAID",       "DUPLICATE_PAYMENT",  null,                     ["REFUND_REQUIRED"]],
  ["PAID",      "fail",                    null,         "PAID",       null,                 null,                     []],
  ["PAID",      "cancel PAYMENT_TIMEOUT",  null,         "PAID",       null,                 null,                     []],
  ["PAID",      "cancel BUYER_CANCEL",     null,         "PAID",       null,                 "ORDER_NOT_CANCELLABLE",  []],
  ["PAID",      "cancel UNITS_RETURNED",   null,         "PAID",       null,                 null,                     []],
  // CANCELLED is final: a payment is refused and refunded, anything else answers CANCELLED again.
  ["CANCELLED", "pay",                     null,         "CANCELLED",  "PAID_AFTER_CANCEL",  "ORDER_CANCELLED",        ["REFUND_REQUIRED"]],
  ["CANCELLED", "fail",                    null,         "CANCELLED",  null,                 null,                     []],
  ["CANCELLED", "cancel PAYMENT_TIMEOUT",  null,         "CANCELLED",  null,                 null,                     []],
  ["CANCELLED", "cancel BUYER_CANCEL",     null,         "CANCELLED",  null,                 null,                     []],
  ["CANCELLED", "cancel UNITS_RETURNED",   null,         "CANCELLED",  null,                 null,                     []],
];

describe("order state machine: decide()", () => {
  it("the table holds every stored status × action pair exactly once", () => {
    expect(everyReason).toBe(true);
    const pairs = TABLE.map(([from, name]) => `${from} × ${name}`);
    expect(new Set(pairs).size).toBe(pairs.length);
    expect([...pairs].sort()).toEqual(STORED.flatMap((s) => ACTIONS.map((a) => `${s} × ${a}`)).sort());
  });

  it.each(TABLE)("%s × %s", (from, name, to, status, refund, refused, events) => {
    const d = decide(from, action(name));
    // Field by field with absent fields as undefined, so a field added to or dropped from a decision fails too.
    expect({ to: d.to, status: d.status, refund: d.refund, refused: d.refused }).toStrictEqual({
      to: to ?? undefined,
      status,
      refund: refund ?? undefined,
      refused: refused ?? undefined,
    });
    expect(Object.keys(d).filter((k) => !["to", "status", "refund", "refused"].includes(k))).toEqual([]);
    expect(eventsOf(d)).toEqual(events);
  });

  it("a payment's event id does not change the decision (the same event is answered from its record)", () => {
    for (const from of STORED) {
      for (const kind of ["pay", "fail"] as const)
        expect(decide(from, { kind, eventId: "a" })).toEqual(decide(from, { kind, eventId: "b" }));
    }
  });
});

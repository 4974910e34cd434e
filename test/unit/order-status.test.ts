import type { OrderStatus as ClientStatus } from "@flashsale/client";
import { describe, expect, it } from "vitest";
import { SHOWN_STATUSES, type ShownStatus } from "../../src/order.js";
import type { KnownOrder } from "../../src/orders/order-lifecycle.js";
import { needsRow, orderView } from "../../src/orders/order-status.js";
import type { StoredOrder } from "../../src/persistence/order-row.js";
import type { LedgerState } from "../../src/reservation/ledger.js";

const facts = { orderId: "o1", saleId: "s1", skuId: "sku", userId: "u1", quantity: 2, reservedAt: 1_700_000_000_000 };
const fromLedger = (state: LedgerState): KnownOrder => ({
  record: { orderId: "o1", state, quantity: 2, reservedAt: facts.reservedAt, token: "t", userId: "u1" },
  facts,
  payBy: facts.reservedAt + 900_000,
});
const row: StoredOrder = { ...facts, skuId: "sku-row", status: "PAID", createdAt: new Date(1), updatedAt: new Date(2) };

// The storefront client declares the API's statuses for its own users (it ships without src/): the two
// lists must stay equal, which these two assignments check at typecheck time.
const clientKnowsEvery: readonly ClientStatus[] = SHOWN_STATUSES;
const serverKnowsEvery = (s: ClientStatus): ShownStatus => s;

describe("orderView: the status an order read shows", () => {
  it("RESERVED from the ledger until the row is written, with the reservation time", () => {
    const order = fromLedger("reserved");
    expect(needsRow(order)).toBe(false);
    const at = new Date(facts.reservedAt);
    expect(orderView(order, null)).toEqual({
      orderId: "o1",
      saleId: "s1",
      skuId: "sku",
      userId: "u1",
      quantity: 2,
      status: "RESERVED",
      createdAt: at,
      updatedAt: at,
    });
  });

  it("CANCELLED for a reservation released before any row", () => {
    expect(orderView(fromLedger("released"), null).status).toBe("CANCELLED");
  });

  it("the row's status and times once the ledger moved past the reservation", () => {
    for (const state of ["confirmed", "paid", "released"] as const) expect(needsRow(fromLedger(state))).toBe(true);
    expect(orderView(fromLedger("confirmed"), row)).toMatchObject({
      skuId: "sku-row",
      status: "PAID",
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    });
  });

  it("an order found by its row (Redis lost it) needs no second read", () => {
    const order: KnownOrder = { record: null, row, facts, payBy: 0 };
    expect(needsRow(order)).toBe(false);
    expect(orderView(order, order.row!).status).toBe("PAID");
  });
});

describe("the statuses the API shows", () => {
  it("are RESERVED and then the row's, in the client's terms too", () => {
    expect(clientKnowsEvery).toEqual(["RESERVED", "CONFIRMED", "PAID", "CANCELLED"]);
    expect(serverKnowsEvery("PAID")).toBe("PAID");
  });
});

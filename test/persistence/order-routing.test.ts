import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { eventHome, routeOrder, tableName } from "../../src/persistence/order-routing.js";

describe("routeOrder", () => {
  it("matches the documented definition on vectors computed with sha1sum", () => {
    // printf %s "$id" | sha1sum | cut -c1-8: alice 522b276a, 用户-42 e588f274, user-123456 71f1aa53
    expect(routeOrder("alice", 2, 4)).toEqual({ db: 0, table: 2 }); // 1378559850 % 8 = 2
    expect(routeOrder("alice", 3, 4)).toEqual({ db: 1, table: 2 }); // % 12 = 6
    expect(routeOrder("用户-42", 2, 4)).toEqual({ db: 1, table: 0 }); // 3850957428 % 8 = 4
    expect(routeOrder("用户-42", 3, 4)).toEqual({ db: 0, table: 0 }); // % 12 = 0
    expect(routeOrder("user-123456", 2, 4)).toEqual({ db: 0, table: 3 }); // 1911663187 % 8 = 3
    expect(routeOrder("user-123456", 4, 3)).toEqual({ db: 2, table: 1 }); // % 12 = 7
  });

  it("is deterministic", () => {
    for (let i = 0; i < 200; i++) {
      const id = randomUUID();
      expect(routeOrder(id, 2, 4)).toEqual(routeOrder(id, 2, 4));
    }
  });

  it("stays in range for every layout", () => {
    for (const [dbs, tables] of [
      [1, 1],
      [1, 4],
      [2, 4],
      [3, 5],
      [7, 1],
      [16, 64],
    ] as const) {
      for (let i = 0; i < 500; i++) {
        const r = routeOrder(`u${i}-${dbs}-${tables}`, dbs, tables);
        expect(Number.isInteger(r.db) && r.db >= 0 && r.db < dbs).toBe(true);
        expect(Number.isInteger(r.table) && r.table >= 0 && r.table < tables).toBe(true);
      }
    }
  });

  it("spreads 10k user ids evenly over 2 x 4 slots (within 15%)", () => {
    const slots = new Array<number>(8).fill(0);
    for (let i = 0; i < 10_000; i++) {
      const r = routeOrder(`user-${i}`, 2, 4);
      slots[r.db * 4 + r.table]!++;
    }
    for (const n of slots) {
      expect(n).toBeGreaterThanOrEqual(1250 * 0.85);
      expect(n).toBeLessThanOrEqual(1250 * 1.15);
    }
  });

  it("rejects layouts that are not positive integers", () => {
    expect(() => routeOrder("a", 0, 4)).toThrow(RangeError);
    expect(() => routeOrder("a", 2, 0)).toThrow(RangeError);
    expect(() => routeOrder("a", 1.5, 4)).toThrow(RangeError);
    expect(() => routeOrder("a", 2, Number.NaN)).toThrow(RangeError);
  });
});

describe("tableName", () => {
  it("names order tables orders_<n>", () => {
    expect(tableName(0)).toBe("orders_0");
    expect(tableName(13)).toBe("orders_13");
    expect(() => tableName(-1)).toThrow(RangeError);
  });
});

describe("eventHome", () => {
  it("matches the documented definition, and spreads ids over every database", () => {
    // printf %s ev-1 | sha1sum | cut -c1-8: 31f9a31e = 838443806; alice 522b276a = 1378559850
    expect(eventHome("ev-1", 2)).toBe(0);
    expect(eventHome("ev-1", 3)).toBe(2);
    expect(eventHome("alice", 1)).toBe(0);
    const seen = new Set(Array.from({ length: 200 }, (_, i) => eventHome(`ev-${i}`, 4)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    expect(() => eventHome("ev-1", 0)).toThrow(RangeError);
  });
});

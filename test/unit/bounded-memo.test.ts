import { describe, expect, it } from "vitest";
import { BoundedCache, BoundedMemo } from "../../src/util/bounded-memo.js";

describe("BoundedMemo", () => {
  it("computes each key once, null results too, and drops everything when full", () => {
    const calls: string[] = [];
    const memo = new BoundedMemo(2, (k: string) => {
      calls.push(k);
      return k === "bad" ? null : k.toUpperCase();
    });
    expect([memo.get("a"), memo.get("a"), memo.get("bad"), memo.get("bad")]).toEqual(["A", "A", null, null]);
    expect(calls).toEqual(["a", "bad"]);
    // A third key empties the map: "a" is computed again afterwards.
    expect(memo.get("c")).toBe("C");
    expect(memo.get("a")).toBe("A");
    expect(calls).toEqual(["a", "bad", "c", "a"]);
  });
});

describe("BoundedCache", () => {
  it("keeps what is set until full, then drops everything at once", () => {
    const cache = new BoundedCache<number>(2);
    cache.set("a", 1);
    cache.set("b", 2);
    expect([cache.get("a"), cache.get("b"), cache.has("c")]).toEqual([1, 2, false]);
    // The third key empties it first: only "c" is left.
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, undefined, 3]);
  });
});

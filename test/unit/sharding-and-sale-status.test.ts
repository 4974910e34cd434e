import { describe, expect, it } from "vitest";
import { fnv1a32, homeShard } from "../../src/reservation/home-shard.js";
import { newOrderId, parseOrderId } from "../../src/reservation/order-id.js";
import { saleStatus, splitStock } from "../../src/reservation/sale.js";

describe("home shards, order ids, stock split and sale status", () => {
  it("FNV-1a matches the published test vectors", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("home shards spread buyers evenly", () => {
    const counts = new Array(8).fill(0);
    for (let i = 0; i < 16_000; i++) counts[homeShard(`user-${i}`, 8)]++;
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(300);
  });

  it("order ids carry sale and shard", () => {
    const id = newOrderId("sale_1-x", 17);
    expect(parseOrderId(id)).toEqual({ saleId: "sale_1-x", shard: 17 });
    expect(parseOrderId("x.y.z")).toBeNull();
  });

  it("splits stock exactly", () => {
    expect(splitStock(10, 4)).toEqual([3, 3, 2, 2]);
    expect(splitStock(3, 8).reduce((a, b) => a + b)).toBe(3);
  });

  it("sale status follows time and stock", () => {
    const s = {
      saleId: "s",
      skuId: "k",
      stock: 1,
      perUserLimit: 1,
      startsAt: 1000,
      endsAt: 2000,
      shards: 1,
      paymentTimeoutSeconds: 1,
      paused: false,
    };
    expect(saleStatus(s, 1, 999)).toBe("UPCOMING");
    expect(saleStatus(s, 1, 1000)).toBe("LIVE");
    expect(saleStatus(s, 0, 1500)).toBe("SOLD_OUT");
    expect(saleStatus(s, 1, 2000)).toBe("ENDED");
    expect(saleStatus({ ...s, paused: true }, 1, 1500)).toBe("PAUSED");
    expect(saleStatus({ ...s, paused: true }, 1, 999)).toBe("UPCOMING");
  });
});

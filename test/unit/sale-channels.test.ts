import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Keys } from "../../src/redis/keys.js";
import type { RedisClient } from "../../src/redis/scripts.js";
import { SaleChannels } from "../../src/reservation/sale-channels.js";
import type { Sale } from "../../src/reservation/sale.js";

/** A subscriber that records its SSUBSCRIBE / SUNSUBSCRIBE calls (the real ones are in sold-out-flag-cluster). */
class FakeSub extends EventEmitter {
  readonly calls: string[] = [];
  ssubscribe(...channels: string[]) {
    this.calls.push(`+${channels.join(" ")}`);
    return Promise.resolve(channels.length);
  }
  sunsubscribe(...channels: string[]) {
    this.calls.push(`-${channels.join(" ")}`);
    return Promise.resolve(0);
  }
}

const sale = (saleId: string, shards: number) => ({ saleId, shards }) as Sale;

describe("sale channels (sharded pub/sub subscriptions per sale)", () => {
  it("subscribes once per slot, adds a re-put's new shards only, unsubscribes an evicted sale, routes messages", async () => {
    const sub = new FakeSub();
    const keys = new Keys("p:");
    const heard: string[] = [];
    const ch = new SaleChannels(
      sub as unknown as RedisClient,
      keys,
      {
        accepted: (s, t) => heard.push(`accepted ${s} ${t}`),
        stockReturned: (s) => heard.push(`returned ${s}`),
        saleChanged: (s) => heard.push(`changed ${s}`),
      },
      2,
    );
    await ch.watch(sale("s1", 2));
    expect(sub.calls).toEqual([
      "+p:sale-changed:{s1}",
      "+p:{s1:0}:accepted p:{s1:0}:returned",
      "+p:{s1:1}:accepted p:{s1:1}:returned",
    ]);
    await ch.watch(sale("s1", 2));
    expect(sub.calls).toHaveLength(3);
    await ch.watch(sale("s1", 3));
    expect(sub.calls.slice(3)).toEqual(["+p:{s1:2}:accepted p:{s1:2}:returned"]);

    sub.emit("smessage", "p:{s1:2}:accepted", "s1|tok");
    sub.emit("smessage", "p:{s1:0}:returned", "s1");
    sub.emit("smessage", "p:sale-changed:{s1}", "s1");
    sub.emit("smessage", "p:{other:0}:accepted", "other|x");
    expect(heard).toEqual(["accepted s1 tok", "returned s1", "changed s1"]);

    await ch.watch(sale("s2", 1));
    await ch.watch(sale("s3", 1));
    expect(sub.calls.filter((c) => c.startsWith("-"))).toEqual([
      "-p:sale-changed:{s1}",
      "-p:{s1:0}:accepted p:{s1:0}:returned",
      "-p:{s1:1}:accepted p:{s1:1}:returned",
      "-p:{s1:2}:accepted p:{s1:2}:returned",
    ]);
    sub.emit("smessage", "p:{s1:0}:returned", "s1");
    expect(heard).toHaveLength(3);
    expect(ch.size).toBe(2);
  });
});

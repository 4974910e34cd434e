import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/util/batcher.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("Batcher", () => {
  it("without a bound, hands over a batch per linger window however many are running", async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>({ maxSize: 100, lingerMs: 0 }, (batch) => {
      batches.push(batch);
      return new Promise(() => {}); // never finishes
    });
    b.add(1);
    await tick();
    b.add(2);
    await tick();
    expect(batches).toEqual([[1], [2]]);
  });

  it("with maxInFlight, items wait while every slot is busy and leave as one grown batch when a slot frees", async () => {
    const batches: number[][] = [];
    const finish: (() => void)[] = [];
    const b = new Batcher<number>({ maxSize: 3, lingerMs: 0, maxInFlight: 1 }, (batch) => {
      batches.push(batch);
      return new Promise<void>((r) => finish.push(r));
    });
    b.add(1);
    await tick();
    for (const i of [2, 3, 4, 5]) b.add(i);
    await tick();
    expect(batches).toEqual([[1]]); // the one slot is busy: nothing else goes, however long it takes
    finish.shift()!();
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]); // grown to maxSize at once, no linger
    finish.shift()!();
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    expect(b.stats).toEqual({ batches: 3, items: 5, grown: 2 });
  });

  it("a batch that fails frees its slot too", async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>({ maxSize: 10, lingerMs: 0, maxInFlight: 1 }, (batch) => {
      batches.push(batch);
      return batches.length === 1 ? Promise.reject(new Error("broker down")) : Promise.resolve();
    });
    b.add(1);
    b.add(2);
    await tick();
    b.add(3);
    await tick();
    expect(batches).toEqual([[1, 2], [3]]);
  });
});

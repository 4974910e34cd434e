import { describe, expect, it } from "vitest";
import { KeyedBatcher } from "../../src/util/keyed-batcher.js";

const tick = () => new Promise((r) => setTimeout(r, 5));

type Item = { id: number; keys: string[] };
const item = (id: number, ...keys: string[]): Item => ({ id, keys });

/** A batcher whose batches finish when the test says so; `batches` holds the ids of each one handed over. */
function harness(maxSize: number, lingerMs = 0) {
  const batches: number[][] = [];
  const finish: (() => void)[] = [];
  const b = new KeyedBatcher<Item>(
    { maxSize, lingerMs },
    (i) => i.keys,
    (batch) => {
      batches.push(batch.map((i) => i.id));
      return new Promise<void>((r) => finish.push(r));
    },
  );
  return { b, batches, done: () => finish.shift()!() };
}

describe("KeyedBatcher", () => {
  it("hands over at maxSize at once, else after the linger", async () => {
    const { b, batches } = harness(3, 20);
    for (const i of [1, 2, 3]) b.add(item(i, `k${i}`));
    expect(batches).toEqual([[1, 2, 3]]); // full: no linger
    const { b: b2, batches: batches2 } = harness(3, 20);
    b2.add(item(1, "a"));
    await tick();
    expect(batches2).toEqual([]); // still lingering
    await new Promise((r) => setTimeout(r, 25));
    expect(batches2).toEqual([[1]]);
  });

  it("runs one batch at a time; the next collects meanwhile and leaves when the first is done", async () => {
    const { b, batches, done } = harness(2);
    b.add(item(1, "a"));
    await tick();
    for (const i of [2, 3, 4]) b.add(item(i, `k${i}`));
    await tick();
    expect(batches).toEqual([[1]]); // however long the first takes
    done();
    await tick();
    expect(batches).toEqual([[1], [2, 3]]); // grown to maxSize, without another linger
    done();
    await tick();
    expect(batches).toEqual([[1], [2, 3], [4]]);
    expect(b.stats).toMatchObject({ batches: 3, items: 4 });
  });

  it("puts at most one item per key in a batch, and keeps each key's items in the order added", async () => {
    const { b, batches, done } = harness(10);
    // 1 and 2 share order "o1"; 3 shares event "e1" with 1; 4 is free; 5 shares "o1" again; 6 shares "e4" with 4.
    b.add(item(1, "o1", "e1"));
    b.add(item(2, "o1", "e2"));
    b.add(item(3, "o3", "e1"));
    b.add(item(4, "o4", "e4"));
    b.add(item(5, "o1", "e5"));
    b.add(item(6, "o6", "e4"));
    await tick();
    expect(batches).toEqual([[1, 4]]);
    done();
    await tick();
    // 2 (o1) goes; 5 (o1) stays behind it; 3 (e1) and 6 (e4) are free now.
    expect(batches[1]).toEqual([2, 3, 6]);
    done();
    await tick();
    expect(batches[2]).toEqual([5]);
    expect(b.stats.deferred).toBe(4);
  });

  it("an item whose key waits behind a full batch waits too, even when the batch it would join has room", async () => {
    const { b, batches, done } = harness(2);
    b.add(item(1, "a"));
    b.add(item(2, "b")); // full: handed over
    b.add(item(3, "c"));
    b.add(item(4, "d"));
    b.add(item(5, "c")); // waits (full, and behind 3)
    b.add(item(6, "e")); // waits: full
    expect(batches).toEqual([[1, 2]]);
    done();
    await tick();
    expect(batches[1]).toEqual([3, 4]);
    done();
    await tick();
    expect(batches[2]).toEqual([5, 6]);
    done();
    await tick();
    expect(b.idle).toBe(true);
  });

  it("a batch that fails frees the slot too", async () => {
    const batches: number[][] = [];
    const b = new KeyedBatcher<Item>(
      { maxSize: 10, lingerMs: 0 },
      (i) => i.keys,
      (batch) => {
        batches.push(batch.map((i) => i.id));
        return batches.length === 1 ? Promise.reject(new Error("mysql down")) : Promise.resolve();
      },
    );
    b.add(item(1, "a"));
    await tick();
    b.add(item(2, "a"));
    await tick();
    expect(batches).toEqual([[1], [2]]);
  });
});

import { describe, expect, it } from "vitest";
import { RandomBlocks } from "../../src/admission/random-blocks.js";

describe("RandomBlocks: nonces sliced from blocks of random bytes", () => {
  it("never hands out the same slice twice, within a block or across refills", () => {
    // 4 slices a block: 2000 takes cross 500 refills; a block reused without a refill would repeat at once.
    const source = new RandomBlocks(12, 4);
    const seen = new Set<string>();
    const into = Buffer.alloc(12);
    for (let i = 0; i < 2000; i++) {
      source.take(into, 0);
      seen.add(into.toString("hex"));
    }
    expect(seen.size).toBe(2000);
  });

  it("writes exactly its slice at the offset given", () => {
    const source = new RandomBlocks(12, 1024);
    const into = Buffer.alloc(40, 0xaa);
    let changed = false;
    for (let i = 0; i < 8 && !changed; i++) {
      into.fill(0xaa);
      source.take(into, 20);
      // 12 random bytes all equal to 0xaa: 2^-96.
      changed = into.subarray(20, 32).some((b) => b !== 0xaa);
      expect([...into.subarray(0, 20), ...into.subarray(32)].every((b) => b === 0xaa)).toBe(true);
    }
    expect(changed).toBe(true);
  });

  it("looks random: every byte value turns up, none far too often", () => {
    const source = new RandomBlocks(16, 64);
    const counts = new Array<number>(256).fill(0);
    const into = Buffer.alloc(16);
    for (let i = 0; i < 4096; i++) {
      source.take(into, 0);
      for (const b of into) counts[b]!++;
    }
    // 65536 bytes: 256 expected per value; a stuck or zeroed block fails this by far.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(380);
  });
});

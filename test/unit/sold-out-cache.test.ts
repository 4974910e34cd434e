import { describe, expect, it } from "vitest";
import { SoldOutCache } from "../../src/reservation/sold-out-cache.js";

describe("sold-out flags", () => {
  const make = () => {
    const clock = { t: 1_000_000 };
    return { clock, c: new SoldOutCache({ max: 10, ttlMs: 2000, recheckMs: 300 }, () => clock.t) };
  };
  const answers = (c: SoldOutCache, n: number) =>
    Array.from({ length: n }, (_, i) => c.mayShortCircuit("s", `tok-${i}`)).filter(Boolean).length;

  it("answers every attempt within the TTL, except a token that bought (its replay goes to Redis)", () => {
    const { c } = make();
    expect(c.mayShortCircuit("s", "t")).toBe(false);
    c.markSoldOut("s");
    c.noteAccepted("s", "bought");
    expect(c.isSoldOut("s")).toBe(true);
    expect(answers(c, 1000)).toBe(1000);
    expect(c.mayShortCircuit("s", "bought")).toBe(false);
    expect(c.mayShortCircuit("other-sale", "t")).toBe(false);
  });

  it("past the TTL sends one attempt to Redis and answers the rest meanwhile; one more per recheck interval", () => {
    const { c, clock } = make();
    c.markSoldOut("s");
    clock.t += 2000;
    expect(c.isSoldOut("s")).toBe(false);
    // 1,000 attempts at once: one re-checks, 999 answered from the lapsed flag.
    expect(answers(c, 1000)).toBe(999);
    clock.t += 299;
    expect(answers(c, 100)).toBe(100);
    // The re-check settled nothing (Redis slow or failing): another attempt goes after the interval.
    clock.t += 1;
    expect(answers(c, 100)).toBe(99);
    // Redis said SOLD_OUT again: fresh for a TTL.
    c.markSoldOut("s");
    expect(answers(c, 100)).toBe(100);
    clock.t += 1999;
    expect(answers(c, 100)).toBe(100);
  });

  it("a new reservation clears the flag (stock came back unannounced); a replayed one does not", () => {
    const { c, clock } = make();
    c.markSoldOut("s");
    c.noteReserved("s", "replay", true);
    expect(answers(c, 10)).toBe(10);
    clock.t += 2000;
    expect(answers(c, 1)).toBe(0);
    // The re-checking attempt bought a unit that came back: every attempt goes to Redis again.
    c.noteReserved("s", "new", false);
    expect(c.isSoldOut("s")).toBe(false);
    expect(answers(c, 50)).toBe(0);
    expect(c.mayShortCircuit("s", "new")).toBe(false);
  });

  it("a published return clears at once, fresh or lapsed", () => {
    const { c, clock } = make();
    c.markSoldOut("s");
    c.clear("s");
    expect(answers(c, 10)).toBe(0);
    c.markSoldOut("s");
    clock.t += 5000;
    c.clear("s");
    expect(answers(c, 10)).toBe(0);
  });
});

import { sha256hex } from "../../src/reservation/sale.js";
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import {
  admissionStep,
  admittedAt,
  learnedFactor,
  reserveFor,
  secondsToSellOut,
  type TickCarry,
  type TickInput,
} from "../../src/waiting-room/admission-step.js";
import { emptyProgress, type RoomProgress } from "../../src/waiting-room/room-store.js";
import { DrawIndex, rankOf } from "../../src/waiting-room/room-service.js";
import { QueueTickets } from "../../src/waiting-room/tickets.js";
import { productionEnv, strongSecret } from "../helpers/config-env.js";

describe("queue tickets", () => {
  const now = 1_800_000_000_000;
  const old = new QueueTickets([{ kid: "k1", secret: "first-secret-first-secret-000000" }]);
  // Newest first, as auth.queueTicketKeys lists them.
  const both = QueueTickets.fromConfig({
    userJwtSecret: "unused-unused-unused-unused-0000",
    queueTicketKeys: [
      { id: "k2", secret: "second-secret-second-secret-0000" },
      { id: "k1", secret: "first-secret-first-secret-000000" },
    ],
  });
  const payload = { s: "sale-1", b: "buyer-1", j: now, pq: false, p: 7, x: now + 60_000 };

  it("verifies its own tickets without I/O, and with any listed key (rotation)", () => {
    const t = old.sign(payload);
    expect(old.verify(t, "sale-1", "buyer-1", now)).toMatchObject({ ok: true, ticket: { p: 7, k: "k1" } });
    expect(both.verify(t, "sale-1", "buyer-1", now)).toMatchObject({ ok: true });
    const fresh = both.sign(payload);
    expect(both.verify(fresh, "sale-1", "buyer-1", now)).toMatchObject({ ok: true, ticket: { k: "k2" } });
    expect(old.verify(fresh, "sale-1", "buyer-1", now)).toMatchObject({ ok: false });
  });

  it("without auth.queueTicketKeys, signs with one key derived from the JWT secret (kid j1)", () => {
    const derived = QueueTickets.fromConfig({
      userJwtSecret: "jwt-secret-jwt-secret-jwt-secret",
      queueTicketKeys: null,
    });
    const t = derived.sign(payload);
    expect(derived.verify(t, "sale-1", "buyer-1", now)).toMatchObject({ ok: true, ticket: { k: "j1" } });
    expect(QueueTickets.fromJwtSecret("jwt-secret-jwt-secret-jwt-secret").verify(t, "sale-1", "buyer-1", now).ok).toBe(
      true,
    );
    expect(both.verify(t, "sale-1", "buyer-1", now).ok).toBe(false);
  });

  it("signs with HMAC-SHA256 under the key derived for tickets, byte for byte createHmac's", () => {
    const derived = createHmac("sha256", "first-secret-first-secret-000000")
      .update("flashsale queue ticket v1")
      .digest();
    // Buyer ids of every length around SHA-256's block boundaries, and one beyond ASCII.
    for (const b of ["b", "x".repeat(40), "y".repeat(100), "z".repeat(300), "bü-ÿ"]) {
      const t = old.sign({ ...payload, b });
      const [body, sig] = t.split(".");
      expect(sig).toBe(createHmac("sha256", derived).update(body!).digest("base64url"));
      expect(old.verify(t, "sale-1", b, now).ok).toBe(true);
    }
  });

  it("refuses another buyer's, another sale's, expired, forged and malformed tickets", () => {
    const t = old.sign(payload);
    expect(old.verify(t, "sale-1", "buyer-2", now)).toEqual({ ok: false, reason: "the ticket is another buyer's" });
    expect(old.verify(t, "sale-2", "buyer-1", now)).toEqual({ ok: false, reason: "the ticket is for another sale" });
    expect(old.verify(t, "sale-1", "buyer-1", now + 60_000)).toEqual({ ok: false, reason: "the ticket has expired" });
    const [body, sig] = t.split(".");
    const moved = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), p: 1 }));
    expect(old.verify(`${moved.toString("base64url")}.${sig}`, "sale-1", "buyer-1", now).ok).toBe(false);
    for (const bad of ["", "x", "a.b", `${body}.`, `.${sig}`, `${body}!.${sig}`, "x".repeat(2000)])
      expect(old.verify(bad, "sale-1", "buyer-1", now).ok).toBe(false);
  });
});

describe("admission step", () => {
  const base: TickInput = {
    now: 1000,
    started: true,
    joined: 100,
    preQueue: 0,
    stock: 10,
    unitsLeft: 10,
    ordered: 0,
    paused: false,
    margin: null,
    admissionTtlMs: 10_000,
    admitPerSecond: 1000,
    maxOverbook: 3,
  };
  const carry = (allowance = 1000): TickCarry => ({ allowance, lastAt: 0, history: [] });
  /** 10,000 units, 100,000 buyers, 60 s windows, admitting `admitPerSecond`. */
  const largeDrop = (admitPerSecond: number): TickInput => ({
    ...base,
    stock: 10_000,
    unitsLeft: 10_000,
    joined: 100_000,
    admitPerSecond,
    admissionTtlMs: 60_000,
  });

  it("admits up to the stock (factor 1), never more than joined, within the rate", () => {
    expect(admissionStep(emptyProgress(), carry(), base).admitted).toBe(10);
    expect(admissionStep(emptyProgress(), carry(), { ...base, joined: 4 }).admitted).toBe(4);
    expect(admissionStep(emptyProgress(), { allowance: 3, lastAt: 0, history: [] }, base).admitted).toBe(3);
    expect(admissionStep(emptyProgress(), carry(), { ...base, started: false }).admitted).toBe(0);
    expect(admissionStep(emptyProgress(), carry(), { ...base, paused: true }).admitted).toBe(0);
  });

  it("ends windows, learns the factor from them, and admits the places no-shows left", () => {
    const c = carry();
    let p: RoomProgress = admissionStep(emptyProgress(), c, base);
    // Half of the 10 admitted bought; their windows end: the factor becomes 2 (5 units left, 10 more places).
    p = admissionStep(p, c, { ...base, now: 11_001, unitsLeft: 5, ordered: 5 });
    expect(p.expired).toBe(10);
    expect(p.factor).toBe(2);
    expect(p.admitted).toBe(20);
    expect(admittedAt(p, 15)).toBe(11_001);
    expect(admittedAt(p, 5)).toBeNull();
  });

  it("holds the open windows while paused: their admission times move on with the clock", () => {
    const c = carry();
    let p = admissionStep(emptyProgress(), c, base);
    expect(admittedAt(p, 1)).toBe(1000);
    p = admissionStep(p, c, { ...base, now: 9000, paused: true });
    p = admissionStep(p, c, { ...base, now: 20_000, paused: true });
    expect([p.expired, admittedAt(p, 1)]).toEqual([0, 20_000]);
    p = admissionStep(p, c, { ...base, now: 29_999 });
    expect(p.expired).toBe(0);
    p = admissionStep(p, c, { ...base, now: 30_000 });
    expect(p.expired).toBe(10);
  });

  it("clamps the factor to [1, maxOverbook]", () => {
    expect(learnedFactor(1, 100, 0, 3)).toBe(3);
    expect(learnedFactor(1, 100, 100, 3)).toBe(1);
    expect(learnedFactor(1, 100, 500, 3)).toBe(1);
    expect(learnedFactor(1, 5, 0, 3)).toBe(1);
  });

  it("sets the sell-out cutoff past the unpaid margin, only ever lowers it, and admits below it", () => {
    const c = carry();
    let p = admissionStep(emptyProgress(), c, base);
    p = admissionStep(p, c, { ...base, now: 1200, unitsLeft: 0, ordered: 10, margin: 4 });
    expect([p.cutoff, p.soldOut]).toEqual([15, false]);
    // Two units come back: places 11, 12 are admitted (below the cutoff).
    p = admissionStep(p, c, { ...base, now: 1400, unitsLeft: 2, ordered: 10 });
    expect([p.admitted, p.cutoff]).toEqual([12, 15]);
    p = admissionStep(p, c, { ...base, now: 1600, unitsLeft: 0, ordered: 12, margin: 0 });
    expect([p.cutoff, p.soldOut]).toEqual([13, true]);
    // More units than the margin said could come back never admit a place told SOLD_OUT.
    p = admissionStep(p, c, { ...base, now: 1800, unitsLeft: 5, ordered: 12 });
    expect(p.admitted).toBe(12);
  });

  it("takes a place admitted 5 s ago and not bought for a no-show: the last units do not wait for its window", () => {
    const c = carry();
    // 10 admitted (window 10 s), 8 bought: 2 units left, 2 places still in their windows.
    let p = admissionStep(emptyProgress(), c, base);
    p = admissionStep(p, c, { ...base, now: 1200, unitsLeft: 2, ordered: 8 });
    expect(p.admitted).toBe(10);
    p = admissionStep(p, c, { ...base, now: 5800, unitsLeft: 2, ordered: 8 });
    expect(p.admitted).toBe(10);
    // 5 s after their admission: the next 2 places, long before the windows end (11 s).
    p = admissionStep(p, c, { ...base, now: 6200, unitsLeft: 2, ordered: 8 });
    expect([p.admitted, p.expired]).toEqual([12, 0]);
  });

  it("holds admissions in flight (neither ordered nor ended) to 10 s of admitPerSecond: backpressure", () => {
    const c = carry(100);
    const slow = largeDrop(100);
    let p = admissionStep(emptyProgress(), c, slow);
    expect(p.admitted).toBe(100);
    // Nobody buys: admission goes on at the rate up to 1,000 in flight, then waits for orders.
    for (let now = 2000; now <= 20_000; now += 1000) p = admissionStep(p, c, { ...slow, now });
    expect(p.admitted).toBe(1000);
    // 300 orders: 300 more places.
    for (let now = 21_000; now <= 26_000; now += 1000)
      p = admissionStep(p, c, { ...slow, now, ordered: 300, unitsLeft: 9700 });
    expect(p.admitted).toBe(1300);
  });

  it("publishes the units taken per second over the last 5 s, and when the rest could be gone", () => {
    const c = carry(100);
    const drop = largeDrop(1000);
    let p = admissionStep(emptyProgress(), c, drop);
    expect([p.admitted, p.sellRate]).toEqual([100, 0]);
    // Nothing sold yet and 100 admitted: they may take 2 units each at once, later ones 2,000 units a second.
    expect(secondsToSellOut(p, 1000, 2)).toBe((10_000 - 200) / 2000);
    // 300 units a second for 6 s: the rate over the last 5 s; the stock is not out before half the time it points to.
    for (let i = 1; i <= 6; i++)
      p = admissionStep(p, c, { ...drop, now: 1000 + i * 1000, unitsLeft: 10_000 - 300 * i, ordered: 150 * i });
    expect(p.sellRate).toBe(300);
    expect(secondsToSellOut(p, 1000, 2)).toBeCloseTo(8200 / 300 / 2);
    // Units that come back count against it, never below 0; none left: 0 s.
    p = admissionStep(p, c, { ...drop, now: 20_000, unitsLeft: 10_000, ordered: 900 });
    expect(p.sellRate).toBe(0);
    expect(secondsToSellOut({ ...p, unitsLeft: 0 }, 1000, 2)).toBe(0);
  });

  it("after the first sell-out, a unit that comes back admits the next place at once (open windows or not)", () => {
    const c = carry();
    // 10 admitted, 8 bought (2 no-shows still inside their window): the stock is out.
    let p = admissionStep(emptyProgress(), c, base);
    p = admissionStep(p, c, { ...base, now: 1200, unitsLeft: 0, ordered: 8, margin: 3 });
    expect([p.outAt, p.cutoff]).toEqual([10, 14]);
    // One unit comes back: place 11 is admitted now (before: only when the no-shows' windows ended).
    p = admissionStep(p, c, { ...base, now: 1400, unitsLeft: 1, ordered: 8 });
    expect(p.admitted).toBe(11);
    // Still one left 2 s later: place 11 has not bought yet and may; refusals recorded in the ledger
    // (ordered 30) admit nobody more.
    p = admissionStep(p, c, { ...base, now: 3400, unitsLeft: 1, ordered: 30 });
    expect(p.admitted).toBe(11);
    // 5 s on and still not bought: place 11 is spent, place 12 is admitted.
    p = admissionStep(p, c, { ...base, now: 6600, unitsLeft: 1, ordered: 30 });
    expect(p.admitted).toBe(12);
    // Nothing left: nobody more, and never past the cutoff.
    p = admissionStep(p, c, { ...base, now: 6800, unitsLeft: 0, ordered: 31, margin: 3 });
    expect([p.admitted, p.cutoff]).toEqual([12, 14]);
    p = admissionStep(p, c, { ...base, now: 12_000, unitsLeft: 9, ordered: 31 });
    expect(p.admitted).toBe(13);
  });

  it("reserves places for the unpaid units at the drop's return rate, with a margin of error", () => {
    expect(reserveFor(0, 500, 20)).toBe(0);
    expect(reserveFor(1, 500, 20)).toBe(1);
    // 2 % came back so far (2,025 ÷ 100,100 with the prior's 25 of 100): 60.7 of 3,000 expected, + 3 σ + 2.
    expect(reserveFor(3000, 98_000, 2000)).toBe(87);
    // Nothing settled yet: the prior, 1 in 4.
    expect(reserveFor(1000, 0, 0)).toBe(Math.ceil(250 + 3 * Math.sqrt(250) + 2));
    // Everything came back so far: every unpaid unit.
    expect(reserveFor(1000, 0, 100_000)).toBe(1000);
    // Fewer unpaid, fewer places: the cutoff moves down as payments land.
    expect(reserveFor(100, 98_000, 2000)).toBeLessThan(reserveFor(3000, 98_000, 2000));
  });
});

describe("auth.queueTicketKeys", () => {
  const strong = strongSecret;
  const env = (keys: unknown) => productionEnv({ FLASHSALE__AUTH__QUEUETICKETKEYS: JSON.stringify(keys) });

  it("absent: null (one key derived from the JWT secret); a list signs with its first key", () => {
    expect(loadConfig({}).auth.queueTicketKeys).toBeNull();
    const cfg = loadConfig(
      env([
        { id: "t2", secret: strong() },
        { id: "t1", secret: strong() },
      ]),
    );
    const t = QueueTickets.fromConfig(cfg.auth).sign({ s: "s", b: "b", j: 1, pq: false, x: Date.now() + 60_000 });
    expect(JSON.parse(Buffer.from(t.split(".")[0]!, "base64url").toString()).k).toBe("t2");
  });
});

describe("rankOf (a pre-queue place from the draw)", () => {
  it("finds each lottery's index in the ascending draw, and -1 for one not in it", () => {
    const hex = (n: number) => n.toString(16).padStart(64, "0");
    const draw = Array.from({ length: 1000 }, (_, i) => hex(i * 3 + 1));
    draw.forEach((l, i) => expect(rankOf(draw, l)).toBe(i));
    for (const missing of [hex(0), hex(2), hex(3000), hex(2999)]) expect(rankOf(draw, missing)).toBe(-1);
    expect(rankOf([], hex(1))).toBe(-1);
  });

  it("DrawIndex finds the same places by the lotteries' first 52 bits, shared prefixes and absent ones too", () => {
    const draw = Array.from({ length: 2000 }, (_, i) => sha256hex(`l${i}`)).sort();
    // Lotteries sharing their first 13 digits (a run of them, and a pair) among distinct ones.
    const shared = Array.from({ length: 40 }, (_, i) => `0123456789abc${i.toString(16).padStart(51, "0")}`);
    const pair = ["fedcba9876543" + "1".repeat(51), "fedcba9876543" + "2".repeat(51)];
    const all = [...draw, ...shared, ...pair].sort();
    const index = new DrawIndex(all);
    all.forEach((l, i) => expect(index.rank(l)).toBe(i));
    const missing = [
      sha256hex("absent"),
      `0123456789abc${"f".repeat(51)}`,
      "fedcba9876543" + "3".repeat(51),
      "0".repeat(64),
      "f".repeat(64),
    ];
    for (const l of missing) expect(index.rank(l)).toBe(-1);
    expect(index.rank("not hex")).toBe(-1);
    expect(new DrawIndex([]).rank(draw[0]!)).toBe(-1);
    // A draw with a lottery that is not hex falls back to the whole-string search.
    const odd = [...draw.slice(0, 10), "zzz"];
    expect(new DrawIndex(odd).rank(draw[3]!)).toBe(3);
    expect(new DrawIndex(odd).rank("zzz")).toBe(10);
  });
});

import { createHash, createHmac, randomBytes } from "node:crypto";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createChallenge, extractParams, solveChallenge, verifySolution } from "altcha-lib/v1";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import {
  difficultyStep,
  difficultySteps,
  maxnumberFor,
  MAX_PAYLOAD_CHARS,
  ProofOfWork,
  proofOfWorkKey,
  type Challenge,
} from "../../src/waiting-room/proof-of-work.js";
import { roomProofOfWork } from "../../src/waiting-room/proof-of-work-room.js";
import { proofFor } from "../../support/pow-answer.js";

const KEY = randomBytes(32).toString("base64url");
const NOW = Date.UTC(2026, 11, 7, 1, 0, 0);
const SALE = "drop-7";
const BUYER = "alice";
/** Small numbers keep the brute force in these tests to a few milliseconds. */
const EASY = { floor: 500, ceiling: 2000, challengeTtlSeconds: 300 };

function pow(opts: Partial<ConstructorParameters<typeof ProofOfWork>[0]> = {}) {
  return new ProofOfWork({ hmacKey: KEY, ...EASY, ...opts });
}

function solve(c: Pick<Challenge, "challenge" | "salt" | "maxnumber">): number {
  for (let n = 0; n <= c.maxnumber; n++) {
    if (
      createHash("sha256")
        .update(c.salt + n)
        .digest("hex") === c.challenge
    )
      return n;
  }
  throw new Error("no solution");
}

function encode(o: unknown): string {
  return Buffer.from(JSON.stringify(o)).toString("base64");
}

function solved(c: Challenge, number = solve(c)) {
  return { algorithm: c.algorithm, challenge: c.challenge, number, salt: c.salt, signature: c.signature };
}

const issue = (p = pow(), over: Partial<{ saleId: string; buyerId: string; demand: number; stock: number }> = {}) =>
  p.challengeFor({ saleId: SALE, buyerId: BUYER, demand: 10, stock: 100, now: NOW, ...over });

describe("proof of work: challenges", () => {
  it("are ALTCHA challenges whose salt binds sale, buyer and expiry, and end with the '&' delimiter", () => {
    const c = issue(pow(), { saleId: "s/ä&x=1", buyerId: "bob@example.com" });
    expect(Object.keys(c).sort()).toEqual(["algorithm", "challenge", "maxnumber", "salt", "signature"]);
    expect(c.algorithm).toBe("SHA-256");
    expect(c.challenge).toMatch(/^[0-9a-f]{64}$/);
    expect(c.signature).toBe(createHmac("sha256", KEY).update(c.challenge).digest("hex"));
    expect(c.salt).toMatch(/^[0-9a-f]{24}\?.*&$/);
    // Parsed as altcha-lib parses them: URL-encoded, so a sale id holding '&' or '=' cannot add a parameter.
    expect(extractParams(c)).toEqual({
      sale: "s/ä&x=1",
      buyer: "bob@example.com",
      expires: String(NOW / 1000 + 300),
    });
    // The salt is ASCII (the browser solver's btoa needs that).
    expect(/^[\x21-\x7e]+$/.test(c.salt)).toBe(true);
  });

  it("hide a number anywhere in 0..maxnumber, fresh for every challenge", () => {
    const p = pow({ floor: 50, ceiling: 50 });
    const numbers = Array.from({ length: 400 }, () => solve(issue(p)));
    expect(Math.min(...numbers)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...numbers)).toBeLessThanOrEqual(50);
    expect(new Set(numbers).size).toBeGreaterThan(30);
    expect(new Set(Array.from({ length: 50 }, () => issue(p).salt)).size).toBe(50);
  });
});

describe("proof of work: verification", () => {
  const p = pow();
  let c: Challenge;
  let good: ReturnType<typeof solved>;
  beforeAll(() => {
    c = issue(p);
    good = solved(c);
  });
  const verify = (payload: string, over: Partial<{ saleId: string; buyerId: string; now: number }> = {}) =>
    p.verifyProof(payload, { saleId: SALE, buyerId: BUYER, now: NOW + 1000, ...over });

  it("takes the right answer until the challenge expires", () => {
    expect(verify(encode(good))).toEqual({ ok: true });
    expect(verify(encode(good), { now: NOW + 299_999 })).toEqual({ ok: true });
    expect(verify(encode(good), { now: NOW + 300_000 })).toEqual({ ok: false, reason: "expired" });
  });

  it("refuses a wrong answer, a forged signature, another buyer's or sale's challenge", () => {
    expect(verify(encode({ ...good, number: good.number + 1 }))).toEqual({ ok: false, reason: "wrong_answer" });
    const otherKey = createHmac("sha256", "another key of 16+ chars").update(c.challenge).digest("hex");
    expect(verify(encode({ ...good, signature: otherKey }))).toEqual({ ok: false, reason: "forged" });
    expect(verify(encode(good), { buyerId: "mallory" })).toEqual({ ok: false, reason: "other_buyer" });
    expect(verify(encode(good), { saleId: "drop-8" })).toEqual({ ok: false, reason: "other_sale" });
    // Another key's challenge, solved honestly, is not ours.
    const foreign = issue(new ProofOfWork({ ...EASY, hmacKey: "x".repeat(16) + KEY }));
    expect(verify(encode(solved(foreign)))).toEqual({ ok: false, reason: "forged" });
  });

  it("refuses a salt rewritten to another buyer, sale or expiry: the signed challenge no longer matches", () => {
    for (const salt of [
      c.salt.replace("buyer=alice", "buyer=mallory"),
      c.salt.replace(`sale=${SALE}`, "sale=drop-8"),
      c.salt.replace(/expires=\d+/, "expires=9999999999"),
      `${c.salt}buyer=mallory&`,
    ]) {
      expect(salt).not.toBe(c.salt);
      expect(verify(encode({ ...good, salt }), { buyerId: "mallory", saleId: "drop-8" })).toEqual({
        ok: false,
        reason: "wrong_answer",
      });
    }
    // A valid signature lifted from one challenge onto a made-up one.
    const made = createHash("sha256").update(`${c.salt}1`).digest("hex");
    expect(verify(encode({ ...good, challenge: made, number: 1 }))).toEqual({ ok: false, reason: "forged" });
  });

  it.each([
    ["not base64", "%%%"],
    ["empty", ""],
    ["too long", "A".repeat(MAX_PAYLOAD_CHARS + 4)],
    ["not JSON", Buffer.from("not json").toString("base64")],
    ["JSON null", encode(null)],
    ["an array", encode([1, 2])],
  ])("refuses a malformed payload: %s", (_name, payload) => {
    expect(verify(payload)).toEqual({ ok: false, reason: "malformed" });
  });

  it.each([
    ["number missing", { number: undefined }],
    ["number a string", { number: "12" }],
    ["number negative", { number: -1 }],
    ["number fractional", { number: 1.5 }],
    ["number unsafe", { number: 2 ** 60 }],
    ["challenge not hex", { challenge: "z".repeat(64) }],
    ["signature short", { signature: "ab" }],
    ["salt missing", { salt: undefined }],
  ])("refuses a payload with %s", (_name, over) => {
    expect(verify(encode({ ...good, ...over }))).toEqual({ ok: false, reason: "malformed" });
  });

  it("takes the proof Node's solver for tests and the demo (support/pow-answer.ts) builds", () => {
    const c = issue(p, { buyerId: "nod" });
    expect(p.verifyProof(proofFor(c), { saleId: SALE, buyerId: "nod", now: NOW })).toEqual({ ok: true });
    expect(() => proofFor({ ...c, challenge: "0".repeat(64) })).toThrow(/no number/);
  });

  it("refuses another algorithm", () => {
    expect(verify(encode({ ...good, algorithm: "SHA-1" }))).toEqual({ ok: false, reason: "unsupported_algorithm" });
  });
});

describe("proof of work: ALTCHA's format, held against altcha-lib", () => {
  it("altcha-lib verifies our solved challenges", async () => {
    const p = pow();
    const c = p.challengeFor({ saleId: SALE, buyerId: BUYER, demand: 0, stock: 1, now: Date.now() });
    expect(await verifySolution(encode(solved(c)), KEY)).toBe(true);
    expect(await verifySolution(encode({ ...solved(c), number: solve(c) + 1 }), KEY)).toBe(false);
  });

  it("we verify altcha-lib's challenges, solved by altcha-lib's solver", async () => {
    const c = await createChallenge({
      hmacKey: KEY,
      maxnumber: 1000,
      params: { sale: SALE, buyer: BUYER },
      expires: new Date(NOW + 60_000),
    });
    const s = await solveChallenge(c.challenge, c.salt, c.algorithm, c.maxnumber).promise;
    expect(s).not.toBeNull();
    const payload = encode({ ...c, number: s!.number, took: s!.took });
    const p = pow();
    expect(p.verifyProof(payload, { saleId: SALE, buyerId: BUYER, now: NOW })).toEqual({ ok: true });
    expect(p.verifyProof(payload, { saleId: SALE, buyerId: BUYER, now: NOW + 60_000 })).toEqual({
      ok: false,
      reason: "expired",
    });
  });
});

describe("proof of work: the difficulty curve (docs/proof-of-work.md)", () => {
  const policy = loadConfig({}).admission.proofOfWork;

  it("the default curve: 2,000 while demand ≤ stock, doubling per doubling of the ratio, 64,000 from 16×", () => {
    expect(policy).toMatchObject({ floor: 2000, ceiling: 64_000 });
    expect(difficultySteps(policy)).toBe(5);
    const stock = 1000;
    const table: [number, number][] = [
      [0, 2000],
      [500, 2000],
      [1000, 2000],
      [1001, 4000],
      [2000, 4000],
      [2001, 8000],
      [4000, 8000],
      [8000, 16_000],
      [16_000, 32_000],
      [16_001, 64_000],
      [250_000, 64_000],
      [1e12, 64_000],
    ];
    for (const [demand, maxnumber] of table)
      expect([demand, maxnumberFor(demand, stock, policy)]).toEqual([demand, maxnumber]);
  });

  it("stock 0 or unknown is the top step; negative demand the floor", () => {
    expect(maxnumberFor(0, 0, policy)).toBe(policy.ceiling);
    expect(maxnumberFor(5, Number.NaN, policy)).toBe(policy.ceiling);
    expect(maxnumberFor(-5, 10, policy)).toBe(policy.floor);
    expect(difficultyStep(0, 0, policy)).toBe(5);
  });

  it("never falls as the ratio rises and stays within floor and ceiling, a ceiling off the doubling grid too", () => {
    for (const pol of [policy, { floor: 2000, ceiling: 100_000 }, { floor: 7, ceiling: 7 }]) {
      let last = 0;
      for (let demand = 0; demand <= 200_000; demand += 97) {
        const m = maxnumberFor(demand, 1000, pol);
        expect(m).toBeGreaterThanOrEqual(Math.max(last, pol.floor));
        expect(m).toBeLessThanOrEqual(pol.ceiling);
        last = m;
      }
      expect(last).toBe(pol.ceiling);
    }
  });

  it("the challenge carries the curve's maxnumber", () => {
    const p = ProofOfWork.fromConfig(policy, KEY);
    expect(issue(p, { demand: 100, stock: 100 }).maxnumber).toBe(2000);
    expect(issue(p, { demand: 250_000, stock: 100_000 }).maxnumber).toBe(8000);
    expect(issue(p, { demand: 5, stock: 0 }).maxnumber).toBe(64_000);
  });
});

describe("proof of work: the room's seams (roomProofOfWork)", () => {
  it("challenges at the room's scarcity; verifies for the sale and buyer at the injected clock", async () => {
    let now = NOW;
    const refused: string[] = [];
    const seen: string[] = [];
    const room = roomProofOfWork(
      ProofOfWork.fromConfig({ ...loadConfig({}).admission.proofOfWork, hmacKey: null }, KEY),
      (sale: { saleId: string; units: number }) => {
        seen.push(sale.saleId);
        return Promise.resolve({ demand: 3 * sale.units, stock: sale.units });
      },
      { clock: () => now, onRefused: (r) => refused.push(r) },
    );
    const c = await room.challenge({ saleId: SALE, units: 10 }, BUYER);
    expect(seen).toEqual([SALE]);
    expect(c.maxnumber).toBe(8000);
    const proof = proofFor(c);
    expect(room.proof.verify(proof, SALE, BUYER)).toBe(true);
    expect(room.proof.verify(proof, SALE, "mallory")).toBe(false);
    expect(room.proof.verify(undefined, SALE, BUYER)).toBe(false);
    now += 300_000;
    expect(room.proof.verify(proof, SALE, BUYER)).toBe(false);
    expect(refused).toEqual(["other_buyer", "malformed", "expired"]);
  });
});

describe("proof of work: key and settings", () => {
  it("derives its key from the JWT secret when none is set, never the secret itself", () => {
    const derived = proofOfWorkKey(null, "jwt-secret-of-the-gateway");
    expect(derived).toMatch(/^[0-9a-f]{64}$/);
    expect(derived).toBe(proofOfWorkKey(null, "jwt-secret-of-the-gateway"));
    expect(derived).not.toBe(proofOfWorkKey(null, "another-jwt-secret-value"));
    expect(proofOfWorkKey("configured-key-0123456789", "jwt-secret-of-the-gateway")).toBe("configured-key-0123456789");
  });

  it("a ceiling under the floor, or a short key, stops start-up naming the key", () => {
    expect(() => loadConfig({ FLASHSALE__ADMISSION__PROOFOFWORK__CEILING: "10" })).toThrow(
      /admission\.proofOfWork\.ceiling/,
    );
    expect(() => loadConfig({ FLASHSALE__ADMISSION__PROOFOFWORK__HMACKEY: "short" })).toThrow(ConfigError);
    expect(() => new ProofOfWork({ hmacKey: KEY, floor: 10, ceiling: 5, challengeTtlSeconds: 1 })).toThrow(/floor/);
  });

  it("a production start refuses a weak or placeholder key, and takes a strong one or none", () => {
    const strong = {
      NODE_ENV: "production",
      FLASHSALE__AUTH__USERJWTSECRET: randomBytes(32).toString("base64url"),
      FLASHSALE__AUTH__ADMINTOKEN: randomBytes(32).toString("base64url"),
      FLASHSALE__PAYMENTS__WEBHOOKSECRET: randomBytes(32).toString("base64url"),
    };
    expect(loadConfig(strong).admission.proofOfWork.hmacKey).toBeNull();
    const key = randomBytes(32).toString("base64url");
    expect(
      loadConfig({ ...strong, FLASHSALE__ADMISSION__PROOFOFWORK__HMACKEY: key }).admission.proofOfWork.hmacKey,
    ).toBe(key);
    for (const bad of ["pow-key-change-me-please-0123456789", randomBytes(12).toString("hex")]) {
      let problems: string[] = [];
      try {
        loadConfig({ ...strong, FLASHSALE__ADMISSION__PROOFOFWORK__HMACKEY: bad });
      } catch (err) {
        problems = (err as ConfigError).problems;
      }
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^invalid config: admission\.proofOfWork\.hmacKey: /);
      expect(problems[0]).not.toContain(bad);
    }
  });
});

describe("proof of work: the browser solver (src/waiting-room/page/pow-solver.js) under Node's Web Crypto", () => {
  type Solver = {
    solve(c: Challenge, signal?: AbortSignal): Promise<{ number: number; took: number } | null>;
    payload(c: Challenge, s: { number: number; took: number }): string;
  };
  let solver: Solver;
  beforeAll(async () => {
    const file = fileURLToPath(new URL("../../src/waiting-room/page/pow-solver.js", import.meta.url));
    await import(pathToFileURL(file).href);
    solver = (globalThis as unknown as { PowSolver: Solver }).PowSolver;
  });

  it("solves a challenge of ours, and the gateway takes its payload", async () => {
    const p = pow({ floor: 5000, ceiling: 5000 });
    const c = issue(p, { buyerId: "zoë" });
    const s = await solver.solve(c);
    expect(s?.number).toBe(solve(c));
    const payload = solver.payload(c, s!);
    expect(p.verifyProof(payload, { saleId: SALE, buyerId: "zoë", now: NOW })).toEqual({ ok: true });
    expect(p.verifyProof(payload, { saleId: SALE, buyerId: "zoe", now: NOW })).toMatchObject({ ok: false });
    expect(await verifySolution(payload, KEY, false)).toBe(true);
  });

  it("answers null for a challenge with no number in range, and refuses another algorithm", async () => {
    const c = issue(pow({ floor: 100, ceiling: 100 }));
    expect(await solver.solve({ ...c, challenge: "0".repeat(64) })).toBeNull();
    await expect(solver.solve({ ...c, algorithm: "SHA-1" as never })).rejects.toThrow(/SHA-256/);
    const stop = new AbortController();
    stop.abort();
    await expect(solver.solve(c, stop.signal)).rejects.toThrow(/aborted/);
  });
});

import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../../demo/report/check.js";
import { loadConfig } from "../../src/config/load.js";
import { ProofOfWork } from "../../src/waiting-room/proof-of-work.js";
import { payloadInPage, solveInPage, solverPage } from "../../support/pow-browser.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const present = existsSync(CHROMIUM);
if (!present) {
  console.warn(
    `[pow-solver-chromium] skipped: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`,
  );
}

/**
 * The buyer page's solver in headless Chromium (Debian's, as the report check uses): it solves the
 * gateway's challenges with the browser's Web Crypto, on the main thread and in a Worker, and the gateway
 * takes the payload it builds, only for the buyer and sale the challenge was made for. Solve times are
 * bench/pow-solve.ts's business, not this test's.
 */
describe.skipIf(!present)("the proof-of-work solver in headless Chromium", () => {
  let browser: Browser;
  let page: Page;
  const secret = randomBytes(32).toString("base64url");
  // The default curve's floor, so a run costs milliseconds; the curve's top is solved once below.
  const policy = { ...loadConfig({}).admission.proofOfWork, hmacKey: null };
  const pow = ProofOfWork.fromConfig(policy, secret);
  const now = Date.now();

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await solverPage(browser);
  });
  afterAll(() => browser?.close());

  it("solves on the main thread; the gateway takes the payload for that buyer and sale only", async () => {
    const c = pow.challengeFor({ saleId: "drop-9", buyerId: "Zoë Ω", demand: 10, stock: 100, now });
    const s = await solveInPage(page, c);
    expect(s).not.toBeNull();
    const proof = await payloadInPage(page, c, s!);
    expect(pow.verifyProof(proof, { saleId: "drop-9", buyerId: "Zoë Ω", now })).toEqual({ ok: true });
    expect(pow.verifyProof(proof, { saleId: "drop-9", buyerId: "Zoe", now })).toEqual({
      ok: false,
      reason: "other_buyer",
    });
    expect(pow.verifyProof(proof, { saleId: "drop-10", buyerId: "Zoë Ω", now })).toEqual({
      ok: false,
      reason: "other_sale",
    });
    const lateMs = now + policy.challengeTtlSeconds * 1000 + 1000;
    expect(pow.verifyProof(proof, { saleId: "drop-9", buyerId: "Zoë Ω", now: lateMs })).toEqual({
      ok: false,
      reason: "expired",
    });
  });

  it("solves in a Worker, at the top of the curve too", async () => {
    const c = pow.challengeFor({ saleId: "drop-9", buyerId: "wes", demand: 1, stock: 0, now });
    expect(c.maxnumber).toBe(policy.ceiling);
    const s = await solveInPage(page, c, true);
    expect(s).not.toBeNull();
    expect(pow.verifyProof(await payloadInPage(page, c, s!), { saleId: "drop-9", buyerId: "wes", now })).toEqual({
      ok: true,
    });
  });

  it("a payload with another number is refused as a wrong answer", async () => {
    const c = pow.challengeFor({ saleId: "drop-9", buyerId: "ann", demand: 0, stock: 100, now });
    const s = (await solveInPage(page, c))!;
    const wrong = await payloadInPage(page, c, { ...s, number: s.number === 0 ? 1 : s.number - 1 });
    expect(pow.verifyProof(wrong, { saleId: "drop-9", buyerId: "ann", now })).toEqual({
      ok: false,
      reason: "wrong_answer",
    });
  });
});

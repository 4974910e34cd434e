import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../../demo/report/check.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { scripts } from "../../src/redis/scripts.js";
import { openApiDocument } from "../../src/http/openapi.js";
import { ProofOfWork, type ProofVerdict } from "../../src/waiting-room/proof-of-work.js";
import { repoRoot } from "../../src/util/repo-root.js";
import { proofFor } from "../../support/pow-answer.js";
import { type Api, MODES, rid, startGateway, testConfig } from "../helpers/env.js";

/** Screenshots of every run (git-ignored); docs/waiting-room-page.png is one of them, kept by hand. */
const SHOTS = join(repoRoot(), "test-results", "wait-page");
const SALE = () => `wp${rid(4)}`;

/** What the browser did that it should not: script errors, console errors, requests leaving the origin. */
interface Watched {
  problems: string[];
  /** Every `<html data-state>` the page went through, in order. */
  states: () => Promise<string[]>;
}

/** The buyer page in a fresh context, signed in through `#token=`, watched from its first request. */
async function openPage(
  browser: Browser,
  api: Api,
  saleId: string,
  user: string,
  before?: (page: Page) => Promise<void>,
): Promise<{ page: Page } & Watched> {
  const context = await browser.newContext({ viewport: { width: 480, height: 640 } });
  const page = await context.newPage();
  const problems: string[] = [];
  const origin = new URL(api.base).origin;
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  // Same origin only: anything else is a problem, and aborted so the test never depends on the network.
  await page.route(
    (u) => u.origin !== origin,
    (route) => {
      problems.push(`request off the origin: ${route.request().url()}`);
      return route.abort();
    },
  );
  // Injected by the browser before the page's own script (so not subject to its CSP): records each state.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __states: string[] }).__states = seen;
    new MutationObserver(() => {
      const s = document.documentElement.dataset.state ?? "";
      if (seen.at(-1) !== s) seen.push(s);
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-state"] });
  });
  await before?.(page);
  await page.goto(`${api.base}/wait/${saleId}#token=${api.jwt(user)}`, { waitUntil: "load" });
  const states = () => page.evaluate(() => (window as unknown as { __states: string[] }).__states);
  return { page, problems, states };
}

/** Waits (polling, generous: a loaded 2-core box) until the page is in one of `states`; answers it. */
async function reach(page: Page, states: string[], timeout = 60_000): Promise<string> {
  const handle = await page.waitForFunction(
    (want) => want.includes(document.documentElement.dataset.state ?? "") && document.documentElement.dataset.state,
    states,
    { timeout, polling: 100 },
  );
  return (await handle.jsonValue()) as string;
}

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();

/** A buyer who joins through the API (challenge, proof, join): their ticket. */
async function joinByApi(api: Api, saleId: string, user: string): Promise<string> {
  const ch = await api.call("GET", `/v1/sales/${saleId}/queue/challenge`, { headers: api.buyer(user) });
  expect(ch.status, JSON.stringify(ch.body)).toBe(200);
  // Until the room asks for a proof of work (algorithm "none"), any non-empty proof joins.
  const proof = ch.body.algorithm === "none" ? "none" : proofFor(ch.body);
  const r = await api.call("POST", `/v1/sales/${saleId}/queue`, { headers: api.buyer(user), body: { proof } });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.ticket as string;
}

const poll = (api: Api, saleId: string, user: string, ticket: string) =>
  api.call("GET", `/v1/sales/${saleId}/queue`, { headers: { ...api.buyer(user), "queue-ticket": ticket } });

/** A sale with a waiting room, put through the admin API; `startInMs` > 0 leaves time for a pre-queue. */
async function putRoomSale(
  api: Api,
  saleId: string,
  opts: { stock: number; startInMs: number; waitingRoom: Record<string, number> },
) {
  const startsAt = Date.now() + opts.startInMs;
  const r = await api.call("PUT", `/v1/admin/sales/${saleId}`, {
    headers: api.admin(),
    body: {
      skuId: `sku-${saleId}`,
      stock: opts.stock,
      perUserLimit: 1,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + 3_600_000).toISOString(),
      waitingRoom: opts.waitingRoom,
    },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

const remaining = async (api: Api, saleId: string) => (await api.stats(saleId)).body.redisRemaining as number;

describe("the waiting room's buyer page, GET /wait/{saleId}", () => {
  let gw: GatewayProcess;
  let api: Api;
  beforeAll(async () => ({ gw, api } = await startGateway(testConfig("standalone"))));
  afterAll(() => gw?.close());

  it("serves one self-contained HTML page with a CSP, cacheable, and keeps it out of the API document", async () => {
    const r = await fetch(`${api.base}/wait/${SALE()}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(r.headers.get("cache-control")).toBe("public, max-age=300");
    expect(r.headers.get("x-content-type-options")).toBe("nosniff");
    expect(r.headers.get("content-security-policy")).toMatch(/default-src 'none'.*connect-src 'self'/);
    const html = await r.text();
    expect(html).toContain('aria-live="polite"');
    // The same bytes whatever the sale: the script reads the id from the address.
    expect(await (await fetch(`${api.base}/wait/${SALE()}`)).text()).toBe(html);
    // A path no sale can have, another method, the other listener: refused as everywhere.
    const bad = await api.call("GET", "/wait/not%20a%20sale");
    expect([bad.status, bad.body.error.code, bad.headers.get("cache-control")]).toEqual([404, "NOT_FOUND", "no-store"]);
    const post = await api.call("POST", `/wait/${SALE()}`);
    expect([post.status, post.body.error.code, post.headers.get("allow")]).toEqual([405, "METHOD_NOT_ALLOWED", "GET"]);
    expect((await fetch(`${api.opsBase}/wait/${SALE()}`)).status).toBe(404);
    // A page, not an operation: the document lists none of it (docs/waiting-room-page.md says why).
    expect(Object.keys(openApiDocument().paths as object).filter((p) => p.startsWith("/wait"))).toEqual([]);
  });

  it("says so readably, as an alert, when the buyer is not signed in", async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.goto(`${api.base}/wait/${SALE()}`);
      await reach(page, ["ERROR"], 30_000);
      expect(await text(page, "error")).toMatch(/sign-in is missing/);
      expect(await page.locator("#error").getAttribute("role")).toBe("alert");
    } finally {
      await browser.close();
    }
  });
});

describe("the buyer page's sign-in hook and proof of work in headless Chromium", () => {
  let gw: GatewayProcess;
  let api: Api;
  let browser: Browser;
  beforeAll(async () => {
    ({ gw, api } = await startGateway(testConfig("standalone")));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it("asks the storefront's window.flashsaleAuth for the JWT before each request", async () => {
    const saleId = SALE();
    const user = `wp-hook-${rid(3)}`;
    await putRoomSale(api, saleId, {
      stock: 5,
      startInMs: -1000,
      waitingRoom: { opensSecondsBefore: 600, admissionTtlSeconds: 60, admitPerSecond: 100, maxOverbook: 3 },
    });
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      // As a storefront serving the page under its own origin would: the hook defined before the page's script.
      await page.addInitScript((jwt) => {
        const w = window as unknown as { flashsaleAuth: () => Promise<string>; asked: number };
        w.asked = 0;
        w.flashsaleAuth = () => {
          w.asked++;
          return Promise.resolve(jwt);
        };
      }, api.jwt(user));
      await page.goto(`${api.base}/wait/${saleId}`);
      expect(await reach(page, ["BOUGHT", "SOLD_OUT", "ERROR"])).toBe("BOUGHT");
      // Challenge, join, at least one poll, the order: each asked the hook.
      expect(await page.evaluate(() => (window as unknown as { asked: number }).asked)).toBeGreaterThanOrEqual(4);
      const orderId = await text(page, "order-id");
      expect((await api.orderStatus(orderId, user)).body).toMatchObject({ orderId, userId: user });
    } finally {
      await context.close();
    }
  });

  // The room's routes do not ask for a proof yet (src/process/http-role.ts: ANY_PROOF, no challenge), so the
  // challenge the page gets is one ProofOfWork makes, and its proof is held to ProofOfWork's verifier.
  it("solves a challenge with pow-solver.js in a Worker and posts a proof the verifier accepts", async () => {
    const saleId = SALE();
    const user = `wp-pow-${rid(3)}`;
    await putRoomSale(api, saleId, {
      stock: 5,
      startInMs: -1000,
      waitingRoom: { opensSecondsBefore: 600, admissionTtlSeconds: 60, admitPerSecond: 100, maxOverbook: 3 },
    });
    const pow = ProofOfWork.fromConfig(api.cfg.admission.proofOfWork, api.cfg.auth.userJwtSecret);
    // Demand 8× the stock: three steps up the difficulty curve.
    const challenge = pow.challengeFor({ saleId, buyerId: user, demand: 40, stock: 5, now: Date.now() });
    const verdicts: ProofVerdict[] = [];
    const workers: string[] = [];
    const { page, problems } = await openPage(browser, api, saleId, user, async (p) => {
      p.on("worker", (w) => workers.push(new URL(w.url()).pathname));
      await p.route(
        (u) => u.pathname === `/v1/sales/${saleId}/queue/challenge`,
        (route) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(challenge) }),
      );
      await p.route(
        (u) => u.pathname === `/v1/sales/${saleId}/queue`,
        (route) => {
          const r = route.request();
          if (r.method() === "POST") {
            const proof = (r.postDataJSON() as { proof: string }).proof;
            verdicts.push(pow.verifyProof(proof, { saleId, buyerId: user, now: Date.now() }));
          }
          return route.continue();
        },
      );
    });
    expect(await reach(page, ["WAITING", "BOUGHT", "ERROR"])).not.toBe("ERROR");
    expect(verdicts).toEqual([{ ok: true }]);
    expect(workers).toEqual(["/wait/assets/pow-solver.js"]);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe.each(MODES)("the buyer page in headless Chromium against a real gateway (Redis %s)", (mode) => {
  let gw: GatewayProcess;
  let api: Api;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    ({ gw, api } = await startGateway(testConfig(mode)));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it("joins the pre-queue, waits, is admitted at the start and buys: 202, one unit gone", async () => {
    const saleId = SALE();
    // 12 s: time for Chromium to start, solve and join before the start on a loaded 2-core machine.
    await putRoomSale(api, saleId, {
      stock: 5,
      startInMs: 12_000,
      waitingRoom: { opensSecondsBefore: 600, admissionTtlSeconds: 60, admitPerSecond: 100, maxOverbook: 3 },
    });
    const user = `wp-${rid(3)}`;
    const { page, problems, states } = await openPage(browser, api, saleId, user);
    const order = page.waitForResponse((r) => r.url().endsWith(`/v1/sales/${saleId}/orders`), { timeout: 90_000 });
    // Before the start: in the queue, no place yet (drawn at the start).
    expect(await reach(page, ["WAITING"])).toBe("WAITING");
    expect(await text(page, "headline")).toBe("You are in the queue");
    // The JWT was taken out of the address bar once read.
    expect(await page.evaluate(() => location.hash)).toBe("");
    await page.screenshot({ path: join(SHOTS, `${mode}-prequeue.png`) });
    expect(await reach(page, ["BOUGHT", "ERROR", "SOLD_OUT"], 90_000)).toBe("BOUGHT");
    const answer = await order;
    expect(answer.status()).toBe(202);
    // The purchase token of the admission was the Idempotency-Key.
    expect(answer.request().headers()["idempotency-key"]).toMatch(/\S{16,}/);
    const orderId = (await answer.json()).orderId as string;
    expect(await text(page, "order-id")).toBe(orderId);
    expect(await page.locator("#figures").isHidden()).toBe(true);
    expect((await api.orderStatus(orderId, user)).body).toMatchObject({ orderId, saleId, userId: user, quantity: 1 });
    expect(await remaining(api, saleId)).toBe(4);
    // ADMITTED and BUYING come in one task (the order is sent at once), so the observer sees BUYING.
    expect(await states()).toEqual(["CHECKING", "JOINING", "WAITING", "BUYING", "BOUGHT"]);
    await page.screenshot({ path: join(SHOTS, `${mode}-bought.png`) });
    expect(problems).toEqual([]);
  });

  it("shows place, people ahead and units left while waiting, then sold out when the last unit goes", async () => {
    const saleId = SALE();
    // One unit, no overbooking: the first buyer is admitted and buys it, unpaid. The room then holds one place
    // for the unit that may come back (the sell-out reserve): the page's buyer, second, waits in it.
    await putRoomSale(api, saleId, {
      stock: 1,
      startInMs: -1000,
      waitingRoom: { opensSecondsBefore: 600, admissionTtlSeconds: 120, admitPerSecond: 100, maxOverbook: 1 },
    });
    const first = `wp-a-${rid(3)}`;
    const firstTicket = await joinByApi(api, saleId, first);
    let admitted: Record<string, any> = {};
    await expect
      .poll(async () => (admitted = (await poll(api, saleId, first, firstTicket)).body).state, { timeout: 30_000 })
      .toBe("ADMITTED");
    const order = await api.order(saleId, first, admitted.purchaseToken as string, 1);
    expect(order.status).toBe(202);
    await expect.poll(async () => (await api.stats(saleId)).body.waitingRoom.soldOutFrom, { timeout: 30_000 }).toBe(3);
    const { page, problems } = await openPage(browser, api, saleId, `wp-b-${rid(3)}`);
    expect(await reach(page, ["WAITING"])).toBe("WAITING");
    await page.waitForFunction(() => document.getElementById("fig-place")?.textContent === "2", undefined, {
      timeout: 30_000,
    });
    expect(await text(page, "headline")).toBe("You are in the queue");
    // Ahead: those not yet admitted (place − admitted − 1): nobody; no unit left until one comes back.
    expect(await text(page, "fig-ahead")).toBe("0");
    expect(await text(page, "fig-unitsLeft")).toBe("0");
    // Said by a screen reader with its label, when it changes.
    expect(await page.locator("#place-box").getAttribute("aria-live")).toBe("polite");
    expect(await page.locator("#place-box").getAttribute("aria-atomic")).toBe("true");
    // The card alone: docs/waiting-room-page.png is this one.
    await page.locator("main").screenshot({ path: join(SHOTS, `${mode}-waiting.png`) });
    // The last unit goes for good: its order is paid (the payment's mirror in the ledger; this gateway has no
    // MySQL), nothing can come back, the room closes.
    const orderId = order.body.orderId as string;
    await scripts.markPaid(gw.redis, gw.keys.shard(saleId, Number(orderId.split(".")[1])), orderId);
    expect(await reach(page, ["SOLD_OUT", "BOUGHT", "ERROR"], 60_000)).toBe("SOLD_OUT");
    expect(await text(page, "headline")).toBe("Sold out");
    expect(await remaining(api, saleId)).toBe(0);
    await page.screenshot({ path: join(SHOTS, `${mode}-sold-out.png`) });
    expect(problems).toEqual([]);
  });
});

import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { buildWaitPage, PAGE_DIR } from "../../src/http/wait-page.js";
import { repoRoot } from "../../src/util/repo-root.js";

/** The page's pure script, run as the browser runs it (a classic script defining a global), in a bare context. */
function loadLogic(): any {
  const context: Record<string, unknown> = { URLSearchParams };
  runInNewContext(readFileSync(join(repoRoot(), PAGE_DIR, "wait-logic.js"), "utf8"), context);
  return context.flashsaleWaitLogic;
}

describe("the buyer page's pure parts (wait-logic.js)", () => {
  const L = loadLogic();

  it("reads the sale id from /wait/{saleId}, and nothing else", () => {
    expect(L.saleIdFromPath("/wait/drop-1")).toBe("drop-1");
    expect(L.saleIdFromPath("/wait/drop_1/")).toBe("drop_1");
    for (const bad of [
      "/wait/",
      "/wait",
      "/wait/a/b",
      "/v1/sales/x",
      "/wait/a%20b",
      "/wait/%E0%A4%A",
      `/wait/${"x".repeat(65)}`,
    ])
      expect(L.saleIdFromPath(bad), bad).toBeNull();
  });

  it("takes the JWT from #token= and leaves the rest of the fragment", () => {
    expect(L.tokenFromHash("#token=a.b.c")).toEqual({ token: "a.b.c", rest: "" });
    expect(L.tokenFromHash("#lang=fr&token=a.b.c")).toEqual({ token: "a.b.c", rest: "#lang=fr" });
    expect(L.tokenFromHash("")).toEqual({ token: null, rest: "" });
    expect(L.tokenFromHash("#token=")).toEqual({ token: null, rest: "" });
  });

  it("paces polls by Retry-After (seconds or a date), within bounds, with a fallback", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(L.retryAfterMs("3", now)).toBe(3000);
    expect(L.retryAfterMs("0", now)).toBe(1000);
    expect(L.retryAfterMs("3600", now)).toBe(90_000);
    expect(L.retryAfterMs(null, now)).toBe(2000);
    expect(L.retryAfterMs("soon", now)).toBe(2000);
    expect(L.retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", now)).toBe(5000);
    expect(L.retryAfterMs("7", now, { maxMs: 5000 })).toBe(5000);
  });

  it("says the estimate as a person would", () => {
    expect(L.estimateText(5)).toBe("less than a minute");
    expect(L.estimateText(89)).toBe("about 1 minute");
    expect(L.estimateText(600)).toBe("about 10 minutes");
    expect(L.estimateText(3 * 3600 + 20 * 60)).toBe("about 3 h 20 min");
    expect(L.estimateText(undefined)).toBe("—");
    expect(L.estimateText(-1)).toBe("—");
  });

  it("shows each state of a poll answer; the final ones end the polling", () => {
    const waiting = L.viewOf({ state: "WAITING", place: 1234, ahead: 1233, unitsLeft: 50, estimateSeconds: 120 });
    expect(waiting).toMatchObject({ state: "WAITING", final: false, headline: "You are in the queue" });
    expect(waiting.figures).toEqual({ place: "1,234", ahead: "1,233", unitsLeft: "50", estimate: "about 2 minutes" });
    // A pre-queue ticket before the start has no place yet.
    const drawn = L.viewOf({ state: "WAITING", unitsLeft: 50 });
    expect(drawn.figures.place).toBe("—");
    expect(drawn.detail).toMatch(/random/);
    expect(L.viewOf({ state: "WAITING", place: 3, paused: true, unitsLeft: 1 }).detail).toMatch(/paused/);
    expect(L.viewOf({ state: "PAUSED", place: 3, unitsLeft: 1 }).state).toBe("WAITING");
    expect(L.viewOf({ state: "ADMITTED", place: 3, unitsLeft: 1, purchaseToken: "t" })).toMatchObject({
      state: "ADMITTED",
      final: false,
    });
    expect(L.viewOf({ state: "SOLD_OUT", unitsLeft: 0 })).toMatchObject({ final: true, headline: "Sold out" });
    expect(L.viewOf({ state: "CLOSED" })).toMatchObject({ final: true, headline: "The sale is closed" });
    expect(L.viewOf({ state: "CLOSED", reason: "ADMISSION_EXPIRED" })).toMatchObject({
      final: true,
      headline: "Your turn has passed",
    });
    expect(L.viewOf({ state: "WHATEVER" })).toMatchObject({ state: "UNKNOWN", final: true });
    expect(L.viewOf(null)).toMatchObject({ state: "UNKNOWN", final: true });
  });

  it("turns error answers into sentences, and knows which to ask again", () => {
    expect(L.errorText(409, { error: { code: "SOLD_OUT", message: "x" } })).toMatch(/^Sold out/);
    expect(L.errorText(401, { error: { code: "UNAUTHENTICATED", message: "x" } })).toMatch(/sign-in/);
    expect(L.errorText(400, { error: { code: "NEW_CODE", message: "what happened" } })).toBe(
      "what happened (NEW_CODE)",
    );
    expect(L.errorText(418, null)).toBe("Unexpected answer (HTTP 418)");
    expect(L.errorText(0, null)).toMatch(/No connection/);
    expect(L.errorText(503, { error: { code: "UNAVAILABLE", message: "x" } })).toMatch(/busy \(503\)/);
    expect([0, 429, 503].map(L.retryable)).toEqual([true, true, true]);
    expect([200, 400, 401, 403, 409, 500].map(L.retryable)).toEqual([false, false, false, false, false, false]);
  });
});

describe("the page as served (buildWaitPage)", () => {
  const hash = (s: string) => `'sha256-${createHash("sha256").update(s).digest("base64")}'`;

  it("inlines its script and allows exactly its inline script and style by hash", () => {
    const { html, headers } = buildWaitPage();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1]!;
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    expect(script).toContain("flashsaleWaitLogic");
    expect(html).not.toContain("<!--SCRIPT-->");
    expect(html.match(/<script>/g)).toHaveLength(1);
    const csp = headers["Content-Security-Policy"]!;
    expect(csp).toContain(`script-src 'self' ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src 'self'/);
    expect(csp).not.toMatch(/unsafe/);
    // Nothing reaches outside the origin: no absolute URL in the page.
    expect(html).not.toMatch(/(src|href)="?(https?:)?\/\//);
  });

  it("names the broken template rather than serving a page without its script", () => {
    const dir = mkdtempSync(join(tmpdir(), "fs-wait-page-"));
    try {
      for (const f of ["wait-logic.js", "wait-page.js"]) writeFileSync(join(dir, f), "");
      writeFileSync(join(dir, "wait.html"), "<html><style></style><!--SOLVER--></html>");
      expect(() => buildWaitPage(dir)).toThrow(/wait\.html lacks/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

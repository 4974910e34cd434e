import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReport, launchBrowser } from "../../demo/report/check.js";
import { histogram, percentileCurve, renderReport } from "../../demo/report/render.js";
import { fixture, headlineFixture } from "./fixture.js";

/** The demo's report, rendered from a fixture and checked in headless Chromium as `npm run demo` checks its own. */
describe("demo report", () => {
  let dir: string;
  let browser: Browser;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fs-report-test-"));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, html: string) => {
    const file = join(dir, name);
    writeFileSync(file, html);
    return file;
  };

  it("renders every chart in Chromium with no error, no request, no horizontal scroll, and a screenshot", async () => {
    const html = renderReport(fixture());
    const file = write("report.html", html);
    const png = join(dir, "report.png");
    const check = await checkReport(file, { browser, screenshot: png });
    expect(check.problems).toEqual([]);
    // answers, stock, latency, lag, lifecycle
    expect(check.canvases).toBe(5);
    expect(check.scrollWidth).toBeLessThanOrEqual(1280);
    // Readable axes: units on the time and latency axes, no bare decimals such as "0.00" anywhere.
    const labels = Object.values(check.tickLabels).flat();
    expect(labels.length).toBeGreaterThan(40);
    expect(labels.filter((l) => /^-?\d+\.\d+$/.test(l) || /\.\d{3,}/.test(l))).toEqual([]);
    expect(check.tickLabels["chart-latency"]).toEqual(expect.arrayContaining(["p50", "p99", "100 ms"]));
    expect(check.tickLabels["chart-stock"]).toEqual(expect.arrayContaining(["0 s", "5 s"]));
    expect(check.tickLabels["chart-answers"]).toEqual(expect.arrayContaining(["0 s", "1 s"]));
    expect(existsSync(png) && statSync(png).size).toBeGreaterThan(50_000);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe("PNG");
  });

  it("draws the headline's layout too: answers per second, targets and its further series", async () => {
    const check = await checkReport(write("headline.html", renderReport(headlineFixture())), {
      browser,
      screenshot: join(dir, "headline.png"),
    });
    expect(check.problems).toEqual([]);
    expect(check.canvases).toBe(8);
    // A million answers reach p99.999: its tick reads so (two decimals printed "p100"), each tick once.
    const percentiles = check.tickLabels["chart-latency"]!.filter((l) => l.startsWith("p"));
    expect(percentiles).toEqual([...new Set(percentiles)]);
    expect(percentiles).not.toContain("p100");
  });

  it("shows 'no data' for a chart with nothing to draw, rather than blank axes or a script error", async () => {
    const empty = { ...fixture(), lag: histogram([]), lifecycle: [] };
    const html = renderReport(empty);
    expect(html.match(/class="empty"/g)).toHaveLength(2);
    const check = await checkReport(write("empty.html", html), { browser });
    expect(check.problems).toEqual([]);
    expect(check.canvases).toBe(3);
  });

  it("shows a FAIL badge on the failed invariant, PASS on the others, and the verdict", () => {
    const html = renderReport(fixture());
    const items = [...html.matchAll(/<li class="(ok|bad)">(.*?)<\/li>/g)].map((m) => ({ cls: m[1], text: m[2]! }));
    const failed = items.filter((i) => i.text.includes("✗ FAIL"));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.cls).toBe("bad");
    expect(failed[0]!.text).toContain("3 no duplicate");
    expect(items.filter((i) => i.text.includes("✓ PASS"))).toHaveLength(7);
    expect(html).toContain("1 of 8 invariants failed");
    expect(html).toContain("✗ MISSED");
    // The invariant texts are text, not markup, and nothing in the data can close the data's <script>.
    expect(html).not.toContain("<b>not bold</b>");
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    const allPass = renderReport({ ...fixture(), invariants: fixture().invariants.map((i) => ({ ...i, ok: true })) });
    expect(allPass).toContain("All 8 invariants hold");
    expect(allPass).not.toContain("✗ FAIL");
  });

  it("fails on a script error, a network request, a page wider than 1280 px or a blank chart", async () => {
    const html = renderReport(fixture());
    const variant = (name: string, extra: string) =>
      checkReport(write(name, html.replace("</body>", `${extra}</body>`)), { browser, timeoutMs: 3000 });
    // The page's own script broken too: no chart drawn, and the check says so.
    const [thrown, logged, fetched, wide, blank, broken] = await Promise.all([
      variant("throws.html", "<script>throw new Error('injected failure')</script>"),
      variant("logs.html", "<script>console.error('injected console error')</script>"),
      variant("fetches.html", '<img src="https://example.com/pixel.png" alt="">'),
      variant("wide.html", '<div style="width:1600px;height:4px"></div>'),
      variant("blank.html", '<canvas id="never-drawn" width="300" height="150"></canvas>'),
      checkReport(
        write(
          "broken.html",
          html.replace('document.getElementById("report-data")', 'document.getElementById("no-such-element")'),
        ),
        { browser, timeoutMs: 3000 },
      ),
    ]);
    expect(thrown.problems.join("\n")).toMatch(/page error: .*injected failure/);
    expect(logged.problems).toContain("console error: injected console error");
    expect(fetched.problems).toContain("request from an offline report: https://example.com/pixel.png");
    expect(wide.problems.join("\n")).toMatch(/horizontal scroll at 1280 px/);
    expect(blank.problems).toContain("chart never-drawn is blank");
    expect(broken.problems).toContain("the page's script did not finish drawing its charts (data-ready never set)");
    expect(broken.pageErrors.length).toBeGreaterThan(0);
  });

  it("bins latency into round widths and draws percentile curves up to the maximum", () => {
    const h = histogram(Array.from({ length: 1000 }, (_, i) => i * 0.37));
    const width = h.edges[1]! - h.edges[0]!;
    expect([1, 2, 2.5, 5, 10, 20, 25, 50].map((w) => w * 0.1).concat([1, 2, 2.5, 5, 10, 20, 25, 50])).toContain(
      Math.round(width * 100) / 100,
    );
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(h.n).toBe(1000);
    const curve = percentileCurve([5, 1, 4, 2, 3, 100]);
    expect(curve[0]).toEqual([0, 1]);
    expect(curve[curve.length - 1]![1]).toBe(100);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]![0]).toBeGreaterThan(curve[i - 1]![0]);
      expect(curve[i]![1]).toBeGreaterThanOrEqual(curve[i - 1]![1]);
    }
    expect(percentileCurve([])).toEqual([]);
  });
});

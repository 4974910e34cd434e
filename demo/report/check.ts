import { writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { ensureTools } from "../../stack/tools.js";

/**
 * The report as a reader's browser shows it: Debian's Chromium, headless (`CHROMIUM_PATH` overrides the
 * path; `stack/tools.ts` installs it). A report that renders in Node but breaks in a browser (a script
 * error, a chart that draws nothing, a table wider than the screen, a file that reaches for the network
 * and so shows nothing offline) is a broken report, so the demo and its test both fail on any problem.
 */
export interface ReportCheck {
  /** Every problem found; empty when the report is fine. */
  problems: string[];
  consoleErrors: string[];
  pageErrors: string[];
  /** Any request other than the report file itself: the page must fetch nothing. */
  requests: string[];
  scrollWidth: number;
  /** Canvases, and those Chart.js drew nothing on. */
  canvases: number;
  blankCanvases: string[];
  /** Each chart's axis labels as drawn, by canvas id: what a reader sees on the axes. */
  tickLabels: Record<string, string[]>;
}

const VIEWPORT = { width: 1280, height: 900 };

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A headless Chromium; Playwright gives each launch a new, empty profile and removes it on close. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: ARGS,
  });
}

/**
 * Opens `htmlFile` at 1280 px, waits for the page's script to mark every chart drawn, and checks it;
 * writes a full-page screenshot to `screenshot` when given. Launches its own browser unless one is passed.
 */
export async function checkReport(
  htmlFile: string,
  opts: { screenshot?: string; browser?: Browser; timeoutMs?: number } = {},
): Promise<ReportCheck> {
  const own = opts.browser ? undefined : await launchBrowser();
  const page = await (opts.browser ?? own!).newPage({ viewport: VIEWPORT });
  try {
    const url = pathToFileURL(htmlFile).href;
    const seen = await watchOffline(page, url);
    await page.goto(url, { waitUntil: "load" });
    const ready = await page
      .waitForFunction(() => document.documentElement.dataset.ready === "true", undefined, {
        timeout: opts.timeoutMs ?? 10_000,
      })
      .then(
        () => true,
        () => false,
      );
    const found = await inspectCharts(page);
    if (opts.screenshot) await page.screenshot({ path: opts.screenshot, fullPage: true });
    return {
      problems: problemsFound(ready, seen, found),
      ...seen,
      scrollWidth: found.scrollWidth,
      canvases: found.canvases,
      blankCanvases: found.blank,
      tickLabels: found.ticks,
    };
  } finally {
    await page.close().catch(() => {});
    await own?.close();
  }
}

type Seen = Pick<ReportCheck, "consoleErrors" | "pageErrors" | "requests">;
type Found = Awaited<ReturnType<typeof inspectCharts>>;

/** Records the page's errors and requests from now on, and aborts every request but `url` itself. */
async function watchOffline(page: Page, url: string): Promise<Seen> {
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") consoleErrors.push(m.text());
  });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("request", (r) => {
    if (r.url() !== url) requests.push(r.url());
  });
  // Nothing leaves the page, whatever it asks for: the check must not depend on the network either.
  await page.route(
    (u) => u.href !== url,
    (route) => route.abort(),
  );
  return { consoleErrors, pageErrors, requests };
}

/** In the page: its width, its canvases, those left blank, and each chart's axis labels. */
function inspectCharts(page: Page) {
  return page.evaluate(() => {
    const blank: string[] = [];
    const canvases = [...document.querySelectorAll("canvas")];
    for (const c of canvases) {
      const ctx = c.getContext("2d");
      if (!c.width || !c.height || !ctx) {
        blank.push(c.id || "(canvas)");
        continue;
      }
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      // Drawn: a real share of the canvas covered (axes alone cover little; bars and lines add more).
      let painted = 0;
      for (let i = 3; i < px.length; i += 16) if (px[i]! > 0) painted++;
      if (painted < (px.length / 16) * 0.01) blank.push(c.id || "(canvas)");
    }
    type Scale = { ticks: { label?: string | string[] }[] };
    const chartOf = (
      window as unknown as {
        Chart?: { getChart(c: HTMLCanvasElement): { scales: Record<string, Scale> } | undefined };
      }
    ).Chart;
    const ticks: Record<string, string[]> = {};
    for (const c of canvases) {
      const chart = chartOf?.getChart(c);
      if (chart)
        ticks[c.id] = Object.values(chart.scales).flatMap((s) =>
          s.ticks.flatMap((t) => (Array.isArray(t.label) ? t.label : t.label ? [t.label] : [])),
        );
    }
    return { scrollWidth: document.documentElement.scrollWidth, canvases: canvases.length, blank, ticks };
  });
}

/** Every problem, in the order a reader would meet them: not drawn, errors, requests, width, blank charts. */
function problemsFound(ready: boolean, seen: Seen, found: Found): string[] {
  return [
    ...(ready ? [] : ["the page's script did not finish drawing its charts (data-ready never set)"]),
    ...seen.pageErrors.map((e) => `page error: ${e}`),
    ...seen.consoleErrors.map((e) => `console error: ${e}`),
    ...seen.requests.map((r) => `request from an offline report: ${r}`),
    ...(found.scrollWidth > VIEWPORT.width
      ? [`horizontal scroll at ${VIEWPORT.width} px: the page is ${found.scrollWidth} px wide`]
      : []),
    ...(found.canvases === 0 ? ["no chart on the page"] : []),
    ...found.blank.map((id) => `chart ${id} is blank`),
  ];
}

/**
 * Writes a demo's report and checks it as a browser shows it, a screenshot beside it (`<name>.png`): the
 * problems found, none when it is fine. A demo fails on any, as on a failed invariant.
 */
export async function writeCheckedReport(htmlFile: string, html: string): Promise<string[]> {
  writeFileSync(htmlFile, html);
  ensureTools();
  const check = await checkReport(htmlFile, { screenshot: htmlFile.replace(/\.html$/, ".png") }).catch(
    (err: unknown) => ({
      problems: [`Chromium could not check the report: ${err instanceof Error ? err.message : String(err)}`],
    }),
  );
  return check.problems;
}

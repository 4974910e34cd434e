import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { atPercentile, percentileCurve, round4 } from "../../bench/lib/percentiles.js";

/**
 * The demo's report as one self-contained HTML file: the data as inline JSON, Chart.js's UMD bundle and the
 * page's own script (client.js) inlined, so the file opens offline and fetches nothing. `renderReport` is a
 * pure function of its data, so a test renders a fixture and checks it in Chromium (check.ts) as the demo
 * checks its real run. The demo (run.ts) and the headline sale (headline.ts) each adapt their run to
 * `ReportData`; binning and percentiles happen here on the Node side, so the page carries hundreds of
 * numbers, not the run's hundred thousand samples.
 */

/** How the answers over time are stacked; one colour per outcome, the same in every report. */
export { percentileCurve };

export type Outcome = "accepted" | "replayed" | "soldOut" | "limit" | "retryLater" | "other";

export interface ReportData {
  title: string;
  /** A line under the title: sale id, when it ran. */
  subtitle?: string;
  /** The run's knobs, shown as label → value. */
  parameters: Record<string, string | number>;
  /** The headline numbers, one tile each. */
  summary: { label: string; value: string; note?: string }[];
  invariants: { name: string; ok: boolean; detail?: string }[];
  /** Goals reported, not enforced (the headline's sell-phase and lag targets). */
  targets?: { name: string; met: boolean; value: string }[];
  /** Answers per time bucket, stacked by outcome; `startSeconds[i]` is bucket i's start since the drop. */
  answers: {
    bucketSeconds: number;
    startSeconds: number[];
    series: { outcome: Outcome; label: string; counts: number[] }[];
  };
  /** Units over time (stock left in Redis, and e.g. rows in MySQL or units paid), in seconds since the drop. */
  stock: { series: { label: string; points: [number, number][] }[] };
  /** Latency percentile curves: each point is [percentile 0-100, ms]; see `percentileCurve`. */
  latency: { label: string; points: [number, number][] }[];
  /** Reservation (202) → MySQL row, as histogram bins from `histogram`. */
  lag: Histogram;
  /** What became of the orders after the 202: counts by name, per group (orders, refunds, events). */
  lifecycle: { title: string; counts: Record<string, number> }[];
  /** Further time series (the headline's CPU per process, Redis memory). */
  extra?: {
    title: string;
    unit: "percent" | "bytes" | "count" | "ms";
    series: { label: string; points: [number, number][] }[];
  }[];
}

export interface Histogram {
  /** Bin edges in ms: bin i is [edges[i], edges[i + 1]); the last bin also holds everything above. */
  edges: number[];
  counts: number[];
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * A histogram with round bin widths (1, 2, 2.5 or 5 × 10^k ms), covering up to the 99.5th percentile so a
 * few stragglers do not squeeze the body into one bar; what lies beyond is counted in the last bin.
 */
export function histogram(values: ArrayLike<number>, bins = 24): Histogram {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { edges: [], counts: [], n: 0, p50: NaN, p99: NaN, max: NaN };
  const pick = (q: number) => atPercentile(sorted, q);
  const lo = Math.max(0, sorted[0]!);
  const hi = Math.max(lo + 1, pick(0.995));
  const width = niceStep((hi - lo) / bins);
  const start = Math.floor(lo / width) * width;
  const count = Math.max(1, Math.ceil((hi - start) / width));
  const counts = new Array<number>(count).fill(0);
  for (const v of sorted) counts[Math.min(count - 1, Math.max(0, Math.floor((v - start) / width)))]!++;
  const edges = Array.from({ length: count + 1 }, (_, i) => round4(start + i * width));
  return { edges, counts, n, p50: pick(0.5), p99: pick(0.99), max: sorted[n - 1]! };
}

function niceStep(raw: number): number {
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
}

/** Answers bucketed over time by outcome, from each answer's time (seconds since the drop) and outcome. */
export function answerBuckets(
  answers: { t: number; outcome: Outcome }[],
  bucketSeconds: number,
): ReportData["answers"] {
  const last = answers.reduce((m, a) => Math.max(m, a.t), 0);
  const count = Math.floor(last / bucketSeconds) + 1;
  const by = new Map<Outcome, number[]>();
  for (const a of answers) {
    if (!by.has(a.outcome)) by.set(a.outcome, new Array<number>(count).fill(0));
    by.get(a.outcome)![Math.min(count - 1, Math.max(0, Math.floor(a.t / bucketSeconds)))]!++;
  }
  return {
    bucketSeconds,
    startSeconds: Array.from({ length: count }, (_, i) => round4(i * bucketSeconds)),
    series: OUTCOMES.filter((o) => by.has(o)).map((o) => ({
      outcome: o,
      label: OUTCOME_LABELS[o],
      counts: by.get(o)!,
    })),
  };
}

export const OUTCOMES: Outcome[] = ["accepted", "replayed", "soldOut", "limit", "retryLater", "other"];
export const OUTCOME_LABELS: Record<Outcome, string> = {
  accepted: "accepted (new 202)",
  replayed: "replayed 202",
  soldOut: "sold out",
  limit: "over the limit",
  retryLater: "503/429 (retry later)",
  other: "other",
};

/** Milliseconds as people read them: 0.42 ms, 12 ms, 1.3 s. */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  if (ms >= 10_000) return `${Math.round(ms / 1000)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

/** 1234567 → "1,234,567". */
export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–";
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON inside a <script> element: no "</script>" or "<!--" can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

// chart.js exports no path to its UMD bundle; it sits next to the CommonJS entry (dist/chart.cjs).
const require = createRequire(import.meta.url);
let assets: { chartJs: string; client: string; css: string } | undefined;
/** Read once: the Chart.js bundle from node_modules and the page's own script and style next to this file. */
function loadAssets(): { chartJs: string; client: string; css: string } {
  assets ??= {
    chartJs: readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8"),
    client: readFileSync(new URL("./client.js", import.meta.url), "utf8"),
    css: readFileSync(new URL("./report.css", import.meta.url), "utf8"),
  };
  return assets;
}

function badge(ok: boolean, yes = "PASS", no = "FAIL"): string {
  return ok
    ? `<span class="badge pass" title="${yes}">✓ ${yes}</span>`
    : `<span class="badge fail" title="${no}">✗ ${no}</span>`;
}

/** The report page for `data`: deterministic, self-contained, no network. */
export function renderReport(data: ReportData): string {
  const { chartJs, client, css } = loadAssets();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(data.title)}</title>
<style>${css}</style>
</head><body>
<header>
  <div><h1>${esc(data.title)}</h1>${data.subtitle ? `<p class="subtitle">${esc(data.subtitle)}</p>` : ""}</div>
  ${verdictHtml(data.invariants)}
</header>
<main>
<section class="summary">${summaryTiles(data.summary)}</section>
<section><h2>Run parameters</h2><dl class="params">${parameterList(data.parameters)}</dl></section>
<section><h2>Invariants</h2><ul class="checks">${invariantList(data.invariants)}</ul></section>
${targetsSection(data.targets)}
${dropSection(data)}
${afterSection(data)}
</main>
<footer>Generated by <code>npm run demo</code>. Charts: Chart.js, inlined; this file fetches nothing.</footer>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${chartJs}</script>
<script>${client}</script>
</body></html>
`;
}

/** The verdict at the top: every invariant holds, or how many failed. */
function verdictHtml(invariants: ReportData["invariants"]): string {
  const failed = invariants.filter((i) => !i.ok);
  return failed.length === 0
    ? `<div class="verdict pass">${badge(true)}<span>All ${invariants.length} invariants hold</span></div>`
    : `<div class="verdict fail">${badge(false)}<span>${failed.length} of ${invariants.length} invariants failed</span></div>`;
}

function parameterList(parameters: ReportData["parameters"]): string {
  return Object.entries(parameters)
    .map(([k, v]) => `<div class="param"><dt>${esc(k)}</dt><dd>${esc(String(v))}</dd></div>`)
    .join("");
}

function summaryTiles(summary: ReportData["summary"]): string {
  return summary
    .map(
      (s) =>
        `<div class="tile"><div class="value">${esc(s.value)}</div><div class="label">${esc(s.label)}</div>${s.note ? `<div class="note">${esc(s.note)}</div>` : ""}</div>`,
    )
    .join("");
}

function invariantList(invariants: ReportData["invariants"]): string {
  return invariants
    .map(
      (i) =>
        `<li class="${i.ok ? "ok" : "bad"}">${badge(i.ok)}<div><div class="name">${esc(i.name)}</div>${i.detail ? `<div class="detail">${esc(i.detail)}</div>` : ""}</div></li>`,
    )
    .join("");
}

/** The targets, reported and not enforced; nothing when there are none. */
function targetsSection(targets: ReportData["targets"]): string {
  return targets?.length
    ? `<section><h2>Targets <span class="hint">reported, not enforced</span></h2><ul class="checks">${targets
        .map(
          (t) =>
            `<li class="${t.met ? "ok" : "warn"}">${badge(t.met, "MET", "MISSED")}<div><div class="name">${esc(t.name)}</div><div class="detail">${esc(t.value)}</div></div></li>`,
        )
        .join("")}</ul></section>`
    : "";
}

// A chart with nothing to draw says so instead of showing empty axes (the page's script skips it).
function chart(id: string, title: string, hint: string, empty: boolean, wide = false): string {
  return `<figure class="card${wide ? " wide" : ""}"><figcaption><h3>${esc(title)}</h3><p class="hint">${esc(hint)}</p></figcaption><div class="chart">${
    empty
      ? `<div class="empty" data-chart="${id}">no data</div>`
      : `<canvas id="${id}" role="img" aria-label="${esc(title)}"></canvas>`
  }</div></figure>`;
}

function noPoints(series: { points: unknown[] }[]): boolean {
  return series.every((s) => s.points.length === 0);
}

/** The drop's charts: answers by outcome, stock, latency percentiles. */
function dropSection(data: ReportData): string {
  return `<section><h2>The drop</h2><div class="grid">
${chart("chart-answers", "Answers over time, by outcome", `answers per ${fmtBucket(data.answers.bucketSeconds)}, stacked`, data.answers.series.length === 0, true)}
${chart("chart-stock", "Stock over time", "units, seconds since the drop", noPoints(data.stock.series))}
${chart("chart-latency", "Latency percentiles", "ms at each percentile; the right end is the slowest answer", noPoints(data.latency))}
</div></section>`;
}

/** After the 202: the lag to the MySQL row, the lifecycle, and any further series. */
function afterSection(data: ReportData): string {
  const lag = data.lag;
  const extra = (data.extra ?? [])
    .map((e, i) =>
      chart(`extra-${i}`, e.title, "each second of the flood, seconds since its start", noPoints(e.series)),
    )
    .join("");
  return `<section><h2>After the 202</h2><div class="grid">
${chart("chart-lag", "Reservation (202) → MySQL row", lag.n ? `${fmtInt(lag.n)} orders · p50 ${fmtMs(lag.p50)} · p99 ${fmtMs(lag.p99)} · max ${fmtMs(lag.max)}` : "no orders", lag.n === 0)}
${chart(
  "chart-lifecycle",
  "Lifecycle",
  data.lifecycle.map((l) => l.title).join(" · "),
  data.lifecycle.every((l) => Object.keys(l.counts).length === 0),
)}
${extra}
</div></section>`;
}

function fmtBucket(s: number): string {
  return s >= 1 ? (s === 1 ? "second" : `${s} s`) : `${Math.round(s * 1000)} ms`;
}

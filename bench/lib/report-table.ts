import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Reads bench/results/*.json and renders them as Markdown, for bench/report.ts (kept apart so tests import it without running it). */

const START = "<!-- bench:report:start -->";
const END = "<!-- bench:report:end -->";

/** The fields of a result file this report reads; files from older runs may lack `command`. */
interface Result {
  name: string;
  description?: string;
  timestamp?: string;
  command?: string;
  durationSeconds?: number;
  unit?: string;
  ratio?: number;
  medianRatio?: number;
  target?: number;
  meetsTarget?: boolean;
  candidate?: { label: string; opsPerSec: number; latencyMs?: { p50: number; p99: number } };
  baseline?: { label: string; opsPerSec: number };
  extraRatios?: Record<string, number>;
  warnings?: string[];
  details?: Record<string, unknown>;
  /** A measurement's printed table (lines), kept since bench/run.ts writes it. */
  table?: string[];
  environment?: { loadAverage?: number[]; gitCommit?: string | null; cpus?: number };
}

export interface Loaded {
  results: Result[];
  /** Files that could not be read as results, with why: reported, never fatal. */
  skipped: string[];
}

export function loadResults(dir: string): Loaded {
  if (!existsSync(dir)) return { results: [], skipped: [] };
  const results: Result[] = [];
  const skipped: string[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()) {
    try {
      const r = JSON.parse(readFileSync(join(dir, file), "utf8")) as Result;
      if (typeof r.name !== "string") throw new Error("no name");
      results.push(r);
    } catch (err) {
      skipped.push(`${file} (${err instanceof Error ? err.message : String(err)})`);
    }
  }
  return { results, skipped };
}

const num = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : "n/a");
const rate = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(1)}k` : x.toFixed(0));
const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
const date = (r: Result): string => (r.timestamp ? r.timestamp.slice(0, 16).replace("T", " ") + " UTC" : "unknown");
const cmd = (r: Result): string => `\`${r.command ?? `npm run bench -- ${r.name}`}\``;
const load = (r: Result): string =>
  r.environment?.loadAverage ? r.environment.loadAverage.map((l) => l.toFixed(1)).join(" / ") : "";

function ratioRow(r: Result): string {
  const extras = Object.entries(r.extraRatios ?? {}).map(([k, v]) => `${k} ${num(v)}`);
  const ratio = `**${num(r.ratio ?? NaN)}** (median ${num(r.medianRatio ?? NaN)})${extras.length ? `; ${extras.join("; ")}` : ""}`;
  const unit = r.unit ?? "";
  const sides =
    r.candidate && r.baseline
      ? `${r.candidate.label} ${rate(r.candidate.opsPerSec)} vs ${r.baseline.label} ${rate(r.baseline.opsPerSec)} ${unit}`
      : "";
  const target = r.target === undefined ? "" : `≥ ${r.target}${r.meetsTarget === false ? " (below)" : ""}`;
  return `| \`${r.name}\` | ${cell(ratio)} | ${cell(sides)} | ${target} | ${cmd(r)} | ${date(r)} | ${load(r)} | ${r.environment?.gitCommit ?? ""} |`;
}

function measurementRow(r: Result): string {
  return `| \`${r.name}\` | ${cell(r.description ?? "")} | ${r.durationSeconds === undefined ? "" : `${num(r.durationSeconds, 0)} s`} | ${cmd(r)} | ${date(r)} | ${r.environment?.gitCommit ?? ""} |`;
}

/** The Markdown for a set of results; a sentence, not an empty table, when there are none. */
export function renderReport({ results, skipped }: Loaded): string {
  const lines: string[] = [];
  if (results.length === 0) {
    lines.push(
      "No results in `bench/results/` yet: run `npm run bench` (or `npm run bench -- <name>`), then `npm run bench:report`.",
    );
  }
  const ratios = results.filter((r) => r.ratio !== undefined);
  const sizes = results.filter((r) => r.ratio === undefined);
  if (ratios.length > 0) {
    lines.push(
      "| benchmark | ratio (best round; median) | candidate vs baseline, best round | target | command | date | load average (1/5/15 min) | commit |",
      "|---|---|---|---|---|---|---|---|",
      ...ratios.map(ratioRow),
    );
    const warned = ratios.filter((r) => (r.warnings ?? []).length > 0);
    if (warned.length > 0)
      lines.push("", ...warned.flatMap((r) => (r.warnings ?? []).map((w) => `- \`${r.name}\`: ${w}`)));
  }
  if (sizes.length > 0) {
    if (lines.length > 0) lines.push("");
    lines.push(
      "Measurements (sizes, no baseline; every figure in the result file's `details`):",
      "",
      "| measurement | what | took | command | date | commit |",
      "|---|---|---|---|---|---|",
      ...sizes.map(measurementRow),
    );
    for (const r of sizes.filter((r) => (r.table ?? []).length > 0))
      lines.push("", `\`${r.name}\`:`, "", "```", ...r.table!, "```");
  }
  if (skipped.length > 0) lines.push("", `Not read: ${skipped.join(", ")}.`);
  return `${lines.join("\n")}\n`;
}

/** bench/README.md with the marked section replaced by `table`; throws when the markers are missing. */
export function replaceSection(page: string, table: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`bench/README.md lacks the ${START} … ${END} markers`);
  return `${page.slice(0, start + START.length)}\n${table}${page.slice(end)}`;
}

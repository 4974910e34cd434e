import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../src/util/repo-root.js";

const SRC = join(repoRoot(), "src");
const ARCHITECTURE = join(repoRoot(), "docs", "architecture.md");
const README = join(repoRoot(), "README.md");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith(".ts") ? [p] : [];
  });
}

/** Every relative import of every module under src/, as [importer, imported] paths relative to src/. */
function imports(): [string, string][] {
  return sourceFiles(SRC).flatMap((file) => {
    const text = readFileSync(file, "utf8");
    return [...text.matchAll(/^(?:import|export)[^;]*? from "(\.[^"]+)";/gm)].map(
      (m) =>
        [relative(SRC, file), relative(SRC, resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")))] as [string, string],
    );
  });
}

/** The folder a module belongs to ("http", "reservation", ...); a file at the top of src/ is its own ("errors.ts"). */
const folderOf = (path: string) => path.split(sep)[0]!;

/**
 * The table under "Allowed imports" in docs/architecture.md: each row's folder and what it may import. The
 * rule lives in the doc a reader opens, and this test keeps the code to it.
 */
function allowedImports(): Map<string, Set<string>> {
  const md = readFileSync(ARCHITECTURE, "utf8");
  const section = md.split(/^### Allowed imports$/m)[1]?.split(/^#/m)[0] ?? "";
  const table = new Map<string, Set<string>>();
  for (const line of section.split("\n")) {
    const cells = /^\| `([^`]+)` \| (.*) \|$/.exec(line.trim());
    if (cells) table.set(cells[1]!, new Set([...cells[2]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)));
  }
  return table;
}

/**
 * The arrows between folders in the README's request-path diagram, as [from, to]: on a line, each folder
 * (`name/`) before a `──▶` points at the next folder after it, and `◀──` the other way.
 */
function diagramArrows(readme: string): [string, string][] {
  const diagram = readme.split(/^## How a request travels$/m)[1]?.split(/^```$/m)[1] ?? "";
  const arrows: [string, string][] = [];
  for (const line of diagram.split("\n")) {
    const tokens = [...line.matchAll(/([a-z]+)\/|──▶|◀──/g)].map((m) => m[1] ?? m[0]);
    let last: string | undefined;
    let pending: "▶" | "◀" | undefined;
    for (const t of tokens) {
      if (t === "──▶" || t === "◀──") {
        pending = t === "──▶" ? "▶" : "◀";
        continue;
      }
      if (last && pending) arrows.push(pending === "▶" ? [last, t] : [t, last]);
      [last, pending] = [t, undefined];
    }
  }
  return arrows;
}

describe("layering of src/", () => {
  const edges = imports();

  it("finds the imports it checks", () => {
    expect(edges.length).toBeGreaterThan(100);
  });

  it("every import between folders is one the table in docs/architecture.md allows", () => {
    const allowed = allowedImports();
    const offenders = edges
      .map(([from, to]) => [folderOf(from), folderOf(to), `${from} → ${to}`] as const)
      .filter(([a, b]) => a !== b && !allowed.get(a)?.has(b))
      .map(([, , edge]) => edge);
    expect(offenders).toEqual([]);
  });

  it("the table has one row per folder of src/ and names only folders that exist", () => {
    const allowed = allowedImports();
    const folders = readdirSync(SRC).filter((f) => statSync(join(SRC, f)).isDirectory() || f.endsWith(".ts"));
    expect([...allowed.keys()].sort()).toEqual(folders.sort());
    const named = [...allowed.values()].flatMap((s) => [...s]);
    expect(named.filter((n) => !folders.includes(n))).toEqual([]);
  });

  it("every arrow between folders in the README's diagram is an import the table allows", () => {
    const allowed = allowedImports();
    const arrows = diagramArrows(readFileSync(README, "utf8"));
    expect(arrows.length).toBeGreaterThan(5);
    expect(arrows.filter(([a, b]) => !allowed.get(a)?.has(b)).map(([a, b]) => `${a}/ → ${b}/`)).toEqual([]);
  });

  it("nothing outside src/http imports from src/http but the composition root: errors and ports live below it", () => {
    const root = ["gateway-process.ts", "process"];
    const offenders = edges.filter(
      ([from, to]) => folderOf(to) === "http" && folderOf(from) !== "http" && !root.includes(folderOf(from)),
    );
    expect(offenders).toEqual([]);
  });

  it("the folders import each other without a cycle", () => {
    const graph = new Map<string, Set<string>>();
    for (const [from, to] of edges) {
      const [a, b] = [folderOf(from), folderOf(to)];
      if (a !== b) (graph.get(a) ?? graph.set(a, new Set()).get(a)!).add(b);
    }
    const cycles: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === "done") return;
      if (state.get(node) === "visiting") {
        cycles.push([...path.slice(path.indexOf(node)), node].join(" → "));
        return;
      }
      state.set(node, "visiting");
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, "done");
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});

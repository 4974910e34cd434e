import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../src/util/repo-root.js";

const SRC = join(repoRoot(), "src");

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
      (m) => [relative(SRC, file), relative(SRC, resolve(dirname(file), m[1]!.replace(/\.js$/, ".ts")))] as [string, string],
    );
  });
}

/** The folder a module belongs to ("http", "reservation", ...); a file at the top of src/ is its own. */
const folderOf = (path: string) => path.split(sep)[0]!.replace(/\.ts$/, "");

describe("layering of src/", () => {
  const edges = imports();

  it("finds the imports it checks", () => {
    expect(edges.length).toBeGreaterThan(100);
  });

  it("nothing outside src/http imports from src/http: errors and ports live below it", () => {
    const offenders = edges.filter(([from, to]) => folderOf(to) === "http" && folderOf(from) !== "http" && from !== "gateway-process.ts");
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

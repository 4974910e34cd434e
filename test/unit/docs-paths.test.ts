import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../src/util/repo-root.js";

/**
 * Every repository path, Lua file and relative link the documentation names must exist: files get
 * renamed (a script's key count changes its name) and pages move, and a doc pointing at nothing is
 * worse than none. Pure file reads, no server.
 */

const ROOT = repoRoot();
/** Top-level folders whose paths the docs name in code spans and code blocks. */
const ROOTS = [
  "src",
  "test",
  "lua",
  "bench",
  "demo",
  "stack",
  "support",
  "deploy",
  "config",
  "packages",
  "docs",
  "bin",
];
/** What runs write (git-ignored): the docs name it as output, a fresh clone does not have it. */
const GENERATED = ["demo/out/", "bench/results/", "dist/"];

const PATH_RE = new RegExp(`(?<![\\w./@-])((?:${ROOTS.join("|")})/[\\w./-]*)`, "g");
/** A bare script name (`reserve-5.lua`); one after a slash is part of a path and checked as such. */
const LUA_RE = /(?<![\w/.-])([\w-]+\.lua)\b/g;
const LINK_RE = /\]\(([^)\s]+)\)/g;
const FENCE_RE = /^```[^\n]*\n([\s\S]*?)^```$/gm;

function pages(): string[] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs, "bench/README.md", "demo/README.md"];
}

/** Inline code spans and fenced code blocks: where the docs write paths. */
function codeTexts(md: string): string[] {
  const blocks = [...md.matchAll(FENCE_RE)].map((m) => m[1]!);
  const prose = md.replace(FENCE_RE, "");
  // A code span may wrap onto the next line, as Markdown allows.
  return [...blocks, ...[...prose.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)];
}

function namedPaths(md: string): string[] {
  const out = new Set<string>();
  for (const text of codeTexts(md)) {
    for (const m of text.matchAll(PATH_RE)) {
      const next = text[m.index + m[0].length];
      // `bench/results/<name>.json`, `src/*.ts`: a pattern, not a path.
      if (next !== undefined && "<{*…".includes(next)) continue;
      const path = m[1]!.replace(/\.+$/, "");
      if (!GENERATED.some((g) => path.startsWith(g))) out.add(path);
    }
  }
  return [...out];
}

function namedLuaFiles(md: string): string[] {
  return [...new Set([...md.matchAll(LUA_RE)].map((m) => m[1]!))];
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of md.replace(FENCE_RE, "").matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function brokenLinks(page: string, md: string): string[] {
  const broken: string[] = [];
  for (const m of md.replace(FENCE_RE, "").matchAll(LINK_RE)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue; // http(s), mailto: not ours to check
    const [file, anchor] = target.split("#") as [string, string | undefined];
    const resolved = file === "" ? page : relative(ROOT, join(ROOT, dirname(page), file));
    if (!existsSync(join(ROOT, resolved))) {
      broken.push(target);
      continue;
    }
    if (anchor && resolved.endsWith(".md") && !anchors(readFileSync(join(ROOT, resolved), "utf8")).has(anchor))
      broken.push(target);
  }
  return broken;
}

describe("paths named in the docs", () => {
  it("finds what it checks (a page layout change must not make this test vacuous)", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    expect(namedPaths(readme).length).toBeGreaterThan(5);
    expect(namedLuaFiles("`reserve-5.lua` and `lua/release-5.lua`, named `<name>-<numKeys>.lua`")).toEqual([
      "reserve-5.lua",
    ]);
    expect(
      brokenLinks("docs/api.md", "[ok](faults.md#limits-that-remain), [gone](faults.md#no-such), [x](../nowhere.md)"),
    ).toEqual(["faults.md#no-such", "../nowhere.md"]);
    expect(namedPaths("`bench/results/<name>.json`, run `npx vitest run test/unit test/http/cors.test.ts`.")).toEqual([
      "test/unit",
      "test/http/cors.test.ts",
    ]);
    expect(anchors("# A\n## The headline sale: `npm run demo -- --headline`\n## A\n")).toEqual(
      new Set(["a", "the-headline-sale-npm-run-demo------headline", "a-1"]),
    );
  });

  for (const page of pages()) {
    describe(page, () => {
      const md = readFileSync(join(ROOT, page), "utf8");

      it("names only repository paths that exist", () => {
        expect(namedPaths(md).filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
      });

      it("names only Lua files that exist in lua/ or lua/includes/", () => {
        const missing = namedLuaFiles(md).filter(
          (f) => !existsSync(join(ROOT, "lua", f)) && !existsSync(join(ROOT, "lua", "includes", f)),
        );
        expect(missing).toEqual([]);
      });

      it("links only to files and headings that exist", () => {
        expect(brokenLinks(page, md)).toEqual([]);
      });
    });
  }
});

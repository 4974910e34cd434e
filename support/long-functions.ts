/**
 * Lists functions longer than a limit (default 80 lines) in the given folders, and the longest per folder.
 * Usage: npx tsx support/long-functions.ts [--max 80] [folder ...]   (default folders: src bench demo stack)
 * Exits 1 when any function is over the limit, so a check can call it.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";

interface Span {
  file: string;
  name: string;
  line: number;
  lines: number;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return entry === "node_modules" ? [] : tsFiles(path);
    return /\.(ts|mts)$/.test(entry) && !entry.endsWith(".d.ts") ? [path] : [];
  });
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText(source);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) {
    return parent.name.getText(source);
  }
  if (ts.isCallExpression(parent)) return `(callback in ${parent.expression.getText(source).slice(0, 40)})`;
  return "(anonymous)";
}

function spans(file: string): Span[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: Span[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const last = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ file, name: nameOf(node, source), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

const args = process.argv.slice(2);
const maxAt = args.indexOf("--max");
const max = maxAt >= 0 ? Number(args.splice(maxAt, 2)[1]) : 80;
const folders = args.length > 0 ? args : ["src", "bench", "demo", "stack"];

let over = 0;
for (const folder of folders) {
  const all = tsFiles(folder)
    .flatMap(spans)
    .sort((a, b) => b.lines - a.lines);
  const longest = all[0];
  console.log(
    `${folder}: longest ${longest ? `${longest.lines} lines, ${longest.name} (${relative(".", longest.file)}:${longest.line})` : "none"}`,
  );
  for (const s of all.filter((s) => s.lines > max)) {
    over++;
    console.log(`  ${String(s.lines).padStart(4)}  ${s.name}  ${relative(".", s.file)}:${s.line}`);
  }
}
process.exitCode = over > 0 ? 1 : 0;

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../src/util/repo-root.js";
import { loadResults, renderReport, replaceSection } from "./lib/report-table.js";

/**
 * `npm run bench:report [-- --write] [-- --dir <folder>]`: the latest figures of every benchmark in
 * bench/results/*.json (written by `npm run bench`) as Markdown tables, each with the command and date
 * that produced it. Prints them; `--write` replaces the section between the markers in bench/README.md.
 * Result files are git-ignored (they are this machine's), so the page holds only what someone rendered.
 */
function main(): void {
  const args = process.argv.slice(2);
  const dirAt = args.indexOf("--dir");
  const dir = dirAt >= 0 && args[dirAt + 1] ? args[dirAt + 1]! : join(repoRoot(), "bench", "results");
  const loaded = loadResults(dir);
  const table = renderReport(loaded);
  process.stdout.write(table);
  if (!args.includes("--write")) return;
  if (loaded.results.length === 0) {
    // A fresh clone has no results: keep the figures someone rendered rather than erase them.
    process.stderr.write("nothing to write: bench/README.md left as it is\n");
    return;
  }
  const readme = join(repoRoot(), "bench", "README.md");
  writeFileSync(readme, replaceSection(readFileSync(readme, "utf8"), table));
  process.stderr.write(`wrote ${loaded.results.length} result(s) into bench/README.md\n`);
}

main();

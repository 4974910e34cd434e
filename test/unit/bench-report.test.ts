import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadResults, renderReport, replaceSection } from "../../bench/lib/report-table.js";

/** bench/report.ts on result files shaped as bench/run.ts writes them; no server, no benchmark run. */
describe("bench report", () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-report-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("says there is nothing to show for an empty or missing folder", () => {
    expect(renderReport(loadResults(dir))).toMatch(/^No results in `bench\/results\/` yet/);
    expect(renderReport(loadResults(join(dir, "missing")))).toMatch(/^No results/);
  });

  it("renders each result with its figures, command and date, and names files it cannot read", () => {
    writeFileSync(
      join(dir, "reject-path.json"),
      JSON.stringify({
        name: "reject-path",
        timestamp: "2026-12-06T21:09:57.460Z",
        command: "BENCH_ROUNDS=1 npm run bench -- reject-path",
        unit: "requests/s",
        ratio: 1.204,
        medianRatio: 1.1,
        target: 0.6,
        meetsTarget: true,
        candidate: { label: "gateway", opsPerSec: 21000 },
        baseline: { label: "uws-hello", opsPerSec: 17400 },
        extraRatios: { "capacity (server CPU/request)": 0.51 },
        warnings: ["load-bound"],
        environment: { loadAverage: [4.2, 2.4, 3.5], gitCommit: "240d1fa" },
      }),
    );
    // An older file without `command`: the command is the benchmark's own.
    writeFileSync(
      join(dir, "memory.json"),
      JSON.stringify({ name: "memory", description: "sizes", timestamp: "2026-12-01T10:00:00Z", durationSeconds: 25 }),
    );
    writeFileSync(join(dir, "broken.json"), "{");
    const out = renderReport(loadResults(dir));
    expect(out).toContain(
      "| `reject-path` | **1.20** (median 1.10); capacity (server CPU/request) 0.51 | gateway 21.0k vs uws-hello 17.4k requests/s | ≥ 0.6 | `BENCH_ROUNDS=1 npm run bench -- reject-path` | 2026-12-06 21:09 UTC | 4.2 / 2.4 / 3.5 | 240d1fa |",
    );
    expect(out).toContain("- `reject-path`: load-bound");
    expect(out).toContain("| `memory` | sizes | 25 s | `npm run bench -- memory` | 2026-12-01 10:00 UTC |  |");
    expect(out).toMatch(/Not read: broken\.json \(/);
  });

  it("replaces only the marked section of the page, and refuses a page without markers", () => {
    const page = "# B\n\n<!-- bench:report:start -->\nold\n<!-- bench:report:end -->\n\n## Recorded\n";
    expect(replaceSection(page, "new\n")).toBe(
      "# B\n\n<!-- bench:report:start -->\nnew\n<!-- bench:report:end -->\n\n## Recorded\n",
    );
    expect(() => replaceSection("# B\n", "new\n")).toThrow(/markers/);
  });
});

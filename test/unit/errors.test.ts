import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../src/errors.js";
import { repoRoot } from "../../src/util/repo-root.js";

/** The API page's error table as {code: {status, meaning}}, markdown code spans unwrapped. */
function documented(): Record<string, { status: number; meaning: string }> {
  const page = readFileSync(join(repoRoot(), "docs", "api.md"), "utf8");
  const start = page.search(/^#+ Error codes$/m);
  // A missing heading must fail here, not silently read the whole page's tables.
  if (start < 0) throw new Error("docs/api.md has no 'Error codes' heading");
  const next = page.indexOf("\n#", start + 1);
  const section = page.slice(start, next < 0 ? undefined : next);
  const rows = [...section.matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \| (.+) \|$/gm)];
  return Object.fromEntries(
    rows.map((m) => [m[2]!, { status: Number(m[1]), meaning: m[3]!.replace(/`/g, "").trim() }]),
  );
}

describe("error registry", () => {
  const doc = documented();

  it("documents every code the gateway can send, with its status and meaning", () => {
    for (const [code, e] of Object.entries(ERRORS))
      expect(doc[code], `docs/api.md row for ${code}`).toEqual({ status: e.status, meaning: e.meaning });
  });

  it("sends every code docs/api.md documents", () => {
    for (const code of Object.keys(doc)) expect(ERRORS, `registry entry for ${code}`).toHaveProperty(code);
  });
});

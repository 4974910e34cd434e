import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../src/errors.js";
import { repoRoot } from "../../src/util/repo-root.js";

/** The README's error table as {code: {status, meaning}}, markdown code spans unwrapped. */
function documented(): Record<string, { status: number; meaning: string }> {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const start = readme.indexOf("### Error codes");
  const section = readme.slice(start, readme.indexOf("\n#", start + 1));
  const rows = [...section.matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \| (.+) \|$/gm)];
  return Object.fromEntries(rows.map((m) => [m[2]!, { status: Number(m[1]), meaning: m[3]!.replace(/`/g, "").trim() }]));
}

describe("error registry", () => {
  const doc = documented();

  it("documents every code the gateway can send, with its status and meaning", () => {
    for (const [code, e] of Object.entries(ERRORS)) expect(doc[code], `README row for ${code}`).toEqual({ status: e.status, meaning: e.meaning });
  });

  it("sends every code the README documents", () => {
    for (const code of Object.keys(doc)) expect(ERRORS, `registry entry for ${code}`).toHaveProperty(code);
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERRORS } from "../../src/http/errors.js";
import { repoRoot } from "../../src/util/repo-root.js";

describe("error registry", () => {
  it("matches the README's error table exactly (codes and statuses)", () => {
    const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("### Error codes"));
    const rows = [...section.matchAll(/^\| (\d{3}) \| `([A-Z_]+)` \|/gm)].map((m) => [m[2], Number(m[1])]);
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(Object.entries(ERRORS).map(([code, e]) => [code, e.status])));
  });
});

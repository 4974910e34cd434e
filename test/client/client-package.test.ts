import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../src/util/repo-root.js";

const ROOT = repoRoot();
const CLIENT = join(ROOT, "packages", "client");

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 << 20 }, (error, out, err) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

interface Packed {
  filename: string;
  files: { path: string }[];
}

/**
 * The storefront client as a user gets it: `npm pack` in packages/client (its prepack builds dist/ and
 * copies the repository's LICENSE), then the tarball through publint and arethetypeswrong, the checks a
 * registry user's tooling runs, and installed into an empty project and imported by Node.
 */
describe("the @flashsale/client package", () => {
  let dir: string;
  let tarball: string;
  let packed: Packed;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "flashsale-client-pack-"));
    const pack = await run("npm", ["pack", "--json", "--pack-destination", dir], CLIENT);
    expect(pack.code, pack.err).toBe(0);
    packed = (JSON.parse(pack.out) as Packed[])[0]!;
    tarball = join(dir, packed.filename);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("packs the built module, its types, README and LICENSE, and nothing of the repository's", () => {
    const files = packed.files.map((f) => f.path);
    for (const f of ["package.json", "README.md", "LICENSE", "dist/index.js", "dist/index.d.ts", "dist/openapi.d.ts"])
      expect(files).toContain(f);
    expect(files.filter((f) => !/^(dist|src)\/|^(package\.json|README\.md|LICENSE)$/.test(f))).toEqual([]);
  });

  it("publint finds nothing, suggestions included, with warnings counted as errors", async () => {
    const { messages, pkg } = await publint({
      pack: { tarball: new Uint8Array(readFileSync(tarball)).buffer },
      level: "suggestion",
      strict: true,
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`)).toEqual([]);
  });

  // ESM only on purpose ("type": "module", one build, no CommonJS copy): attw's esm-only profile leaves out
  // exactly one check, require() from CommonJS resolving to ESM. Every other resolution (node10, node16 from
  // ESM, bundler) must find the types and the JavaScript and agree on the module format.
  it("arethetypeswrong (esm-only profile) passes, and its only finding is require() meeting ESM", async () => {
    const attw = await run(
      join(ROOT, "node_modules", ".bin", "attw"),
      [tarball, "--profile", "esm-only", "--format", "json"],
      dir,
    );
    expect(attw.code, attw.out + attw.err).toBe(0);
    const { problems } = JSON.parse(attw.out) as {
      problems: Record<string, { kind: string; entrypoint: string; resolutionKind: string }[]>;
    };
    expect(Object.values(problems).flat()).toEqual([
      { kind: "CJSResolvesToESM", entrypoint: ".", resolutionKind: "node16-cjs" },
    ]);
  });

  it("installs from the tarball into an empty project, and Node imports it with its LICENSE beside it", async () => {
    const app = join(dir, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    const install = await run("npm", ["install", "--offline", "--no-audit", "--no-fund", tarball], app);
    expect(install.code, install.err).toBe(0);
    writeFileSync(
      join(app, "check.js"),
      [
        'import * as client from "@flashsale/client";',
        "let refused = '';",
        "try { new client.FlashSaleClient({ baseUrl: 'ftp://x' }); } catch (e) { refused = e.constructor.name; }",
        "console.log(JSON.stringify({ exports: Object.keys(client).sort(), refused, sold: client.ERROR_STATUS.SOLD_OUT }));",
      ].join("\n"),
    );
    const node = await run(process.execPath, ["check.js"], app);
    expect(node.code, node.err).toBe(0);
    expect(JSON.parse(node.out)).toEqual({
      exports: [
        "ERROR_STATUS",
        "FlashSaleClient",
        "FlashSaleError",
        "FlashSaleTransportError",
        "RETRYABLE_CODES",
        "isErrorCode",
        "retryAfterSeconds",
        "sha256hex",
        "verifyReceipt",
      ],
      refused: "TypeError",
      sold: 409,
    });
    const installed = join(app, "node_modules", "@flashsale", "client");
    expect(readFileSync(join(installed, "LICENSE"), "utf8")).toBe(readFileSync(join(ROOT, "LICENSE"), "utf8"));
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as Record<string, unknown>;
    expect(manifest).not.toHaveProperty("private");
    expect(manifest).toMatchObject({ license: "Apache-2.0", type: "module" });
  });
});

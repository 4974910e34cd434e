import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import { repoRoot } from "../../src/util/repo-root.js";
import { startGateway, testConfig } from "../helpers/env.js";
import type { Doc } from "../helpers/openapi-doc.js";

const run = promisify(execFile);
const root = repoRoot();
const bin = (name: string) => join(root, "node_modules", ".bin", name);

interface Finding {
  tool: string;
  rule: string;
  severity: "error" | "warning";
  where: string;
}

/**
 * Warnings both tools may give, each for a reason that fixing it would make the document lie:
 * - the operations endpoints (/healthz, /readyz, /metrics, /openapi.json) are never shed nor rate-limited and
 *   take no input, so they have no 4xx answer to document;
 * - NotFound and MethodNotAllowed describe answers to requests no operation matches (an unknown path, a
 *   method the path does not take), so no operation may reference them; they are there for clients;
 * - no contact: the project names no support address.
 * Any other warning fails the test, so a new one is either fixed or added here with its reason.
 */
const KNOWN_WARNINGS = new Set([
  "redocly operation-4xx-response",
  "redocly no-unused-components",
  "spectral oas3-unused-component",
  "spectral info-contact",
]);

/** Redocly CLI's lint with the recommended ruleset (redocly.yaml), as JSON. */
async function redocly(file: string): Promise<Finding[]> {
  const out = await run(bin("redocly"), ["lint", file, "--config", join(root, "redocly.yaml"), "--format=json"], {
    cwd: root,
    env: { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
    maxBuffer: 16 << 20,
  }).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }));
  const report = JSON.parse(out.stdout) as {
    problems: { ruleId: string; severity: string; location: { pointer: string }[] }[];
  };
  return report.problems.map((p) => ({
    tool: "redocly",
    rule: p.ruleId,
    severity: p.severity === "error" ? "error" : "warning",
    where: p.location[0]?.pointer ?? "",
  }));
}

/** Spectral with `spectral:oas` (.spectral.yaml), as JSON; it exits 1 when it finds an error. */
async function spectral(file: string): Promise<Finding[]> {
  const out = await run(
    bin("spectral"),
    ["lint", file, "--ruleset", join(root, ".spectral.yaml"), "--format", "json", "--quiet"],
    { cwd: root, maxBuffer: 16 << 20 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "" }));
  const report = JSON.parse(out.stdout) as { code: string; severity: number; path: string[] }[];
  return report.map((p) => ({
    tool: "spectral",
    rule: p.code,
    severity: p.severity === 0 ? "error" : "warning",
    where: p.path.join("."),
  }));
}

async function lint(dir: string, name: string, doc: Doc): Promise<Finding[]> {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return (await Promise.all([redocly(file), spectral(file)])).flat();
}

/** API linters as a platform team runs them, on the document the gateway serves at GET /openapi.json. */
describe("OpenAPI document under Redocly (recommended) and Spectral (spectral:oas)", () => {
  let gw: GatewayProcess;
  let served: Doc;
  const dir = mkdtempSync(join(tmpdir(), "openapi-lint-"));

  beforeAll(async () => {
    const started = await startGateway(testConfig("standalone"));
    gw = started.gw;
    const r = await started.api.call("GET", "/openapi.json");
    expect(r.status).toBe(200);
    served = r.body;
  });
  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reports no error on the served document, and only the known warnings", async () => {
    const findings = await lint(dir, "served.json", served);
    const errors = findings.filter((f) => f.severity === "error");
    expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
    const warnings = findings.filter((f) => f.severity === "warning");
    const unknown = warnings.filter((w) => !KNOWN_WARNINGS.has(`${w.tool} ${w.rule}`));
    expect(unknown, JSON.stringify(unknown, null, 1)).toEqual([]);
    const byTool = (tool: string) => warnings.filter((w) => w.tool === tool).length;
    console.info(`OpenAPI lint: 0 errors; warnings: redocly ${byTool("redocly")}, spectral ${byTool("spectral")}`);
  }, 120_000);

  it("the linters are awake: no servers, a public route without security, a wrong example are errors", async () => {
    const broken = structuredClone(served);
    delete broken.servers;
    delete broken.paths["/healthz"].get.security;
    broken.paths["/v1/sales/{saleId}"].get.responses["200"].content["application/json"].example = { status: "LIVE" };
    const errors = (await lint(dir, "broken.json", broken)).filter((f) => f.severity === "error");
    const rules = errors.map((e) => `${e.tool} ${e.rule}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        "redocly no-empty-servers",
        "redocly security-defined",
        "spectral oas3-valid-media-example",
      ]),
    );
  }, 120_000);
});

import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../stack/proc.js";
import { read, ROOT, sourceOfBuilt } from "./deploy-files.js";

/**
 * The Dockerfile and .dockerignore: the health check follows the configured port (run here against a
 * small HTTP server), the build context leaves out dependencies and local state, the workspace packages
 * are in place for npm ci, and every command the image runs is compiled from a source that exists.
 */
const dockerfile = read("Dockerfile");
/** Instructions with their continuation lines joined. */
const instructions = dockerfile
  .replace(/\\\n/g, " ")
  .split("\n")
  .filter((l) => l.trim() && !l.trim().startsWith("#"));

/** Runs src/healthcheck.ts (what dist/src/healthcheck.js is built from) with these variables. */
function healthcheck(env: Record<string, string>, args: string[] = []): Promise<number> {
  return new Promise((done) => {
    const child = execFile(process.execPath, ["--import", "tsx", join(ROOT, "src", "healthcheck.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", ...env },
      timeout: 20_000,
    });
    child.on("exit", (code) => done(code ?? -1));
  });
}

let server: Server;
let port: number;
let closedPort: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    res.statusCode = req.url === "/healthz" ? 200 : req.url === "/readyz" ? 503 : 404;
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  closedPort = await freePort();
});
afterAll(() => new Promise((r) => server.close(r)));

describe("Dockerfile", () => {
  it("health-checks with dist/src/healthcheck.js, not a port written into the image", () => {
    const hc = instructions.filter((l) => l.startsWith("HEALTHCHECK"));
    expect(hc).toHaveLength(1);
    expect(hc[0]).not.toMatch(/8080/);
    expect(hc[0]).toMatch(/CMD \["node", "dist\/src\/healthcheck\.js"\]/);
    expect(sourceOfBuilt("dist/src/healthcheck.js")).toBe("src/healthcheck.ts");
  });

  it("the health check asks the port the config gives, and fails when nothing healthy answers there", async () => {
    // The gateway's probes are on its ops listener (server.ops), not the public port.
    const gateway = (p: number) => ({
      FLASHSALE__SERVER__OPS__PORT: String(p),
      FLASHSALE__SERVER__OPS__HOST: "0.0.0.0",
    });
    const writer = (p: number) => ({ FLASHSALE__ROCKETMQ__CONSUMER__HTTP__PORT: String(p) });
    const [up, down, notReady, writerUp, writerDown] = await Promise.all([
      healthcheck(gateway(port)),
      healthcheck(gateway(closedPort)),
      healthcheck(gateway(port), ["gateway", "readyz"]),
      healthcheck(writer(port), ["writer"]),
      healthcheck(writer(closedPort), ["writer"]),
    ]);
    expect(up).toBe(0);
    expect(down).toBe(1);
    expect(notReady).toBe(1);
    expect(writerUp).toBe(0);
    expect(writerDown).toBe(1);
  });

  it("copies the workspace packages before each npm ci (npm needs their package.json files)", () => {
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const installing = stages.filter((s) => /RUN npm ci/.test(s));
    expect(installing.length).toBeGreaterThanOrEqual(2);
    for (const s of installing) {
      const copy = s.indexOf("COPY packages ./packages");
      expect(copy, s.split("\n")[0]).toBeGreaterThan(-1);
      expect(copy).toBeLessThan(s.indexOf("RUN npm ci"));
    }
  });

  it("checks in the build that the gateway, the writer, the migration and the health check were compiled", () => {
    const built = [...dockerfile.matchAll(/dist\/src\/[\w/-]+\.js/g)].map((m) => m[0]);
    for (const f of [
      "dist/src/main.js",
      "dist/src/writer-main.js",
      "dist/src/persistence/migrate-cli.js",
      "dist/src/healthcheck.js",
    ])
      expect(built).toContain(f);
    for (const f of new Set(built)) expect(sourceOfBuilt(f), f).not.toBeNull();
    expect(dockerfile).toMatch(/test -f dist\/src\/persistence\/migrate-cli\.js/);
  });
});

describe(".dockerignore", () => {
  const lines = read(".dockerignore")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  it("keeps dependencies, the local stack, build output, reports and git history out of the build context", () => {
    for (const entry of ["node_modules", ".stack", "dist", "demo/out", "bench/results", ".git"])
      expect(lines).toContain(entry);
  });
  it("does not leave out anything the Dockerfile copies", () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const path of copied) expect(lines, path).not.toContain(path);
  });
});

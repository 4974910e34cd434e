import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uwsBuildFor } from "../../src/http/uws.js";
import { GATEWAY_NODE_FLAGS } from "../../src/process/node-flags.js";
import { NODE24 } from "../../stack/node24.js";
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

  it("every stage runs Node 24 on Debian 13: the Node test/deploy/node24.test.ts serves on, with the glibc its uWS build needs", () => {
    const bases = instructions.filter((l) => l.startsWith("FROM ")).map((l) => l.split(/\s+/)[1]);
    expect(bases).toHaveLength(3);
    const major = NODE24.version.split(".")[0]!;
    for (const base of bases) expect(base).toBe(`node:${major}-trixie-slim`);
    expect(uwsBuildFor(NODE24.version).publishedAs).toBe("@btc-vision/uwebsockets.js");
    const engines = (JSON.parse(read("package.json")) as { engines: { node: string } }).engines.node;
    expect(engines.split("||").map((m) => m.trim())).toContain(major);
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

describe("the operator CLI in the image", () => {
  const runtime = dockerfile.split(/^FROM /m).at(-1)!;
  const install = instructions.find((l) => l.startsWith("RUN") && l.includes("/usr/local/bin/flashsale"));

  it("is compiled in the build and put on PATH by root in the runtime stage", () => {
    expect(dockerfile).toMatch(/^RUN test -f dist\/src\/cli\/flashsale\.js$/m);
    expect(sourceOfBuilt("dist/src/cli/flashsale.js")).toBe("src/cli/flashsale.ts");
    expect(install, "a RUN line writing /usr/local/bin/flashsale").toBeDefined();
    expect(runtime).toContain(install!.slice(0, 40));
    expect(runtime.indexOf("/usr/local/bin/flashsale")).toBeLessThan(runtime.indexOf("USER node"));
    expect(install).toContain("exec node /app/dist/src/cli/flashsale.js");
    expect(install).not.toMatch(/tsx/);
  });

  it("needs no tsx at run time: tsx is a devDependency and nothing in src/ imports it", () => {
    const pkg = JSON.parse(read("package.json")) as Record<string, Record<string, string>>;
    expect(pkg.dependencies).not.toHaveProperty("tsx");
    expect(pkg.devDependencies).toHaveProperty("tsx");
    expect(runtime).toMatch(/npm ci --omit=dev|--from=deps/);
    const files = (readdirSync(join(ROOT, "src"), { recursive: true }) as string[]).filter((f) => f.endsWith(".ts"));
    expect(files.length).toBeGreaterThan(50);
    for (const f of files)
      expect(readFileSync(join(ROOT, "src", f), "utf8"), f).not.toMatch(
        /from ["']tsx|import\(["']tsx|--import["', ]+tsx/,
      );
  });

  it("the wrapper the Dockerfile writes runs the compiled CLI (written here for this checkout)", () => {
    // Compiles dist/src/cli/flashsale.js when it is missing or older than src/, as `npx flashsale` does.
    execFileSync(process.execPath, [join(ROOT, "bin", "flashsale.mjs"), "--version"], { cwd: ROOT, stdio: "ignore" });
    const dir = mkdtempSync(join(tmpdir(), "flashsale-wrapper-"));
    try {
      const wrapper = join(dir, "flashsale");
      const cmd = install!
        .replace(/^RUN /, "")
        .replaceAll("/usr/local/bin/flashsale", wrapper)
        .replaceAll("/app/", `${ROOT}/`);
      execFileSync("sh", ["-c", cmd]);
      const version = (JSON.parse(read("package.json")) as { version: string }).version;
      expect(execFileSync(wrapper, ["--version"], { encoding: "utf8" })).toBe(`${version}\n`);
      expect(execFileSync(wrapper, ["help", "order"], { encoding: "utf8" })).toMatch(
        /^usage: flashsale .*order <orderId>/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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

describe("the gateway's node flags", () => {
  it("are the same in the image's command, the k8s gateway, npm start and the headline demos", () => {
    const started = `node ${GATEWAY_NODE_FLAGS} dist/src/main.js`;
    const cmd = instructions.find((l) => l.startsWith("CMD "))!;
    expect(JSON.parse(cmd.slice(4)).join(" ")).toBe(started);
    const k8s = /args: (\[.*"dist\/src\/main\.js"\])/.exec(read("deploy/k8s/base/gateway.yaml"))!;
    expect((JSON.parse(k8s[1]!) as string[]).join(" ")).toBe(started);
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.start).toContain(started);
    expect(read("demo/headline.ts")).toMatch(/gateway: GATEWAY_NODE_FLAGS/);
  });
});

import { execFile, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../stack/proc.js";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

export { ROOT };

export function read(path: string): string {
  return readFileSync(join(ROOT, path), "utf8");
}

/**
 * The secrets compose.yaml requires (it has no defaults for them), each a fresh strong value, for the
 * checks that read the resolved file; `docker-compose` runs with them unless a test says otherwise.
 */
export const COMPOSE_SECRETS: Record<string, string> = Object.fromEntries(
  [
    "FLASHSALE_USER_JWT_SECRET",
    "FLASHSALE_ADMIN_TOKEN",
    "FLASHSALE_WEBHOOK_SECRET",
    "FLASHSALE_DB_PASSWORD",
    "MYSQL_ROOT_PASSWORD",
    "GRAFANA_ADMIN_PASSWORD",
  ].map((name) => [name, randomBytes(32).toString("base64url")]),
);

/** This process's environment with COMPOSE_SECRETS, the variables compose.yaml reads. */
export const COMPOSE_ENV: NodeJS.ProcessEnv = { ...process.env, ...COMPOSE_SECRETS };

/** A command's exit status and output (no shell). */
export function run(
  cmd: string,
  args: string[],
  cwd = ROOT,
  env: NodeJS.ProcessEnv = COMPOSE_ENV,
): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** `run` without blocking, so several slow commands (docker-compose is a Python program) overlap. */
export function runAsync(
  cmd: string,
  args: string[],
  cwd = ROOT,
  env: NodeJS.ProcessEnv = COMPOSE_ENV,
): Promise<{ status: number | null; out: string }> {
  return new Promise((done, fail) => {
    const child = execFile(cmd, args, { cwd, env, encoding: "utf8", timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== "number") fail(err);
      else done({ status: child.exitCode, out: `${stdout}${stderr}` });
    });
  });
}

/**
 * The config a container would run with: config/default.json overlaid by its FLASHSALE__* variables,
 * validated as at start-up (so a misspelt variable or a value the schema refuses fails here).
 */
export function configFromEnv(env: Record<string, string>): Config {
  return loadConfig({ ...env });
}

/** `node dist/src/x/y.js` → src/x/y.ts exists (what tsconfig.build.json compiles to that path). */
export function sourceOfBuilt(builtPath: string): string | null {
  const m = /^dist\/(src\/.+)\.js$/.exec(builtPath);
  if (!m) return null;
  const src = `${m[1]}.ts`;
  return existsSync(join(ROOT, src)) ? src : null;
}

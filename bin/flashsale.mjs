#!/usr/bin/env node
// `npx flashsale …` in this repository: runs the compiled CLI, dist/src/cli/flashsale.js (from
// src/cli/flashsale.ts; the image runs that file directly). In a checkout it compiles it first when it is
// missing or older than src/: tsconfig.cli.json, the CLI and what it imports only, a few seconds, once.
// Where TypeScript is not installed (npm ci --omit=dev) it asks for `npm run build` instead.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "src", "cli", "flashsale.js");
/** The CLI's exit code for "the CLI itself could not run" (src/cli/flashsale.ts). */
const CANNOT_RUN = 5;

/** The newest modification time of the .ts files under dir. */
function newest(dir) {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) max = Math.max(max, newest(p));
    else if (e.name.endsWith(".ts")) max = Math.max(max, statSync(p).mtimeMs);
  }
  return max;
}

function stale() {
  if (!existsSync(built)) return true;
  return existsSync(join(root, "src")) && newest(join(root, "src")) > statSync(built).mtimeMs;
}

function tscPath() {
  try {
    return createRequire(join(root, "package.json")).resolve("typescript/bin/tsc");
  } catch {
    return null;
  }
}

/** Moves every file under from to the same place under to: each rename is atomic, so a CLI started meanwhile reads whole files. */
function moveTree(from, to) {
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.isDirectory()) {
      mkdirSync(join(to, e.name), { recursive: true });
      moveTree(join(from, e.name), join(to, e.name));
    } else renameSync(join(from, e.name), join(to, e.name));
  }
}

/** Compiles into a folder of its own inside dist/, then moves the files into place; false when tsc fails. */
function compile(tsc) {
  mkdirSync(join(root, "dist"), { recursive: true });
  const out = mkdtempSync(join(root, "dist", ".cli-"));
  try {
    const r = spawnSync(process.execPath, [tsc, "-p", join(root, "tsconfig.cli.json"), "--outDir", out], {
      stdio: ["ignore", 2, 2],
    });
    if (r.status !== 0) return false;
    moveTree(out, join(root, "dist"));
    return true;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

if (stale()) {
  const tsc = tscPath();
  if (tsc && existsSync(join(root, "tsconfig.cli.json"))) {
    process.stderr.write("flashsale: compiling the CLI into dist/ (missing or older than src/)...\n");
    if (!compile(tsc)) {
      process.stderr.write("flashsale: compiling the CLI failed; `npm run build` shows why\n");
      process.exit(CANNOT_RUN);
    }
  } else if (!existsSync(built)) {
    process.stderr.write("flashsale: the CLI is not built: run `npm run build` first\n");
    process.exit(CANNOT_RUN);
  }
}
await import(pathToFileURL(built).href);

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The folder holding package.json, lua/ and config/, whether we run from src/ or a build in dist/. */
export function repoRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "lua"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the gateway's root folder (package.json beside lua/)");
    dir = up;
  }
  cached = dir;
  return dir;
}

import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Cluster, Redis } from "ioredis";
import { repoRoot } from "../util/repo-root.js";

export type RedisClient = Redis | Cluster;

/** The scripts in lua/, by name; the number of keys comes from the file name `<name>-<numKeys>.lua`. */
export const SCRIPT_NAMES = [
  "warm-shard", "issue-token", "reserve", "release", "transfer-out", "transfer-in", "check-order", "confirm",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

interface LoadedScript {
  command: string;
  numberOfKeys: number;
  lua: string;
}

let loaded: Map<ScriptName, LoadedScript> | undefined;

function loadScripts(): Map<ScriptName, LoadedScript> {
  if (loaded) return loaded;
  const dir = join(repoRoot(), "lua");
  const files = readdirSync(dir);
  loaded = new Map();
  for (const name of SCRIPT_NAMES) {
    const file = files.find((f) => new RegExp(`^${name}-(\\d+)\\.lua$`).test(f));
    if (!file) throw new Error(`lua/${name}-<numKeys>.lua is missing`);
    const lua = readFileSync(join(dir, file), "utf8");
    // The command name carries the script's digest: two gateway versions never share a name for different code.
    const digest = createHash("sha1").update(lua).digest("hex").slice(0, 8);
    const command = `fs_${name.replace(/-/g, "_")}_${digest}`;
    loaded.set(name, { command, numberOfKeys: Number(/-(\d+)\.lua$/.exec(file)![1]), lua });
  }
  return loaded;
}

/** Registers every script on the client (EVALSHA, with ioredis reloading on NOSCRIPT). */
export function defineScripts(client: RedisClient): void {
  for (const s of loadScripts().values()) {
    if (!(s.command in client)) client.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
}

/** Calls a defined script: keys first, then arguments, exactly as the script's header lists them. */
export function runScript<T>(client: RedisClient, name: ScriptName, keys: string[], args: (string | number)[]): Promise<T> {
  const s = loadScripts().get(name)!;
  if (keys.length !== s.numberOfKeys) throw new Error(`${name} takes ${s.numberOfKeys} keys, got ${keys.length}`);
  const fn = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<T>>)[s.command];
  if (!fn) throw new Error(`script ${name} is not defined on this client`);
  return fn.call(client, ...keys, ...args);
}

/** The Lua source and key count, for benchmarks that run the same script through redis-benchmark. */
export function scriptSource(name: ScriptName): { lua: string; numberOfKeys: number } {
  const s = loadScripts().get(name)!;
  return { lua: s.lua, numberOfKeys: s.numberOfKeys };
}

import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../util/repo-root.js";

/** The scripts in lua/, by name; the number of keys comes from the file name `<name>-<numKeys>.lua`. */
export const SCRIPT_NAMES = [
  "warm-shard",
  "reserve",
  "replay",
  "release",
  "transfer-out",
  "transfer-in",
  "check-order",
  "confirm",
  "mark-paid",
  "lease",
  "restore-record",
  "transfer-done",
  "rebuild-order",
  "rebuild-stock",
  "honor-order",
  "ledger-sums",
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

export interface LoadedScript {
  name: ScriptName;
  /** The client method defineCommand adds: fs + the name in camel case (fsReserve, fsCheckOrder, ...). */
  command: string;
  numberOfKeys: number;
  /** The source as sent to Redis, with every include inlined. */
  lua: string;
  sha1: string;
}

/** `--- @include "name"` on a line of its own: replaced by lua/includes/<name>.lua (bullmq's convention). */
const INCLUDE_RE = /^--- @include "([a-z0-9-]+)"$/gm;

function commandName(name: ScriptName): string {
  return "fs" + name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
}

/** Inlines includes; an include may not include again (they hold definitions only). */
function inline(source: string, dir: string, file: string): string {
  return source.replace(INCLUDE_RE, (_, inc: string) => {
    const text = readFileSync(join(dir, "includes", `${inc}.lua`), "utf8");
    if (/^--- @include /m.test(text)) throw new Error(`lua/includes/${inc}.lua (from ${file}): includes do not nest`);
    return text.trimEnd();
  });
}

let loaded: ReadonlyMap<ScriptName, LoadedScript> | undefined;

/** Every script, read and inlined once per process. */
export function loadScripts(): ReadonlyMap<ScriptName, LoadedScript> {
  if (loaded) return loaded;
  const dir = join(repoRoot(), "lua");
  const files = readdirSync(dir);
  const scripts = new Map<ScriptName, LoadedScript>();
  for (const name of SCRIPT_NAMES) {
    const file = files.find((f) => new RegExp(`^${name}-(\\d+)\\.lua$`).test(f));
    if (!file) throw new Error(`lua/${name}-<numKeys>.lua is missing`);
    const lua = inline(readFileSync(join(dir, file), "utf8"), dir, file);
    const sha1 = createHash("sha1").update(lua).digest("hex");
    scripts.set(name, {
      name,
      command: commandName(name),
      numberOfKeys: Number(/-(\d+)\.lua$/.exec(file)![1]),
      lua,
      sha1,
    });
  }
  loaded = scripts;
  return scripts;
}

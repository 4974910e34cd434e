import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../util/repo-root.js";
import { configSchema, type Config } from "./schema.js";
import { productionSecretProblems } from "./secrets.js";

/** Thrown for any invalid setting; each problem (one line) names the key. */
export class ConfigError extends Error {
  override name = "ConfigError";

  constructor(
    message: string,
    /** One line per setting refused; just the message when there is one. */
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; arrays and scalars in the overlay replace. */
export function deepMerge(base: Json, overlay: Json): Json {
  if (!isObject(base) || !isObject(overlay)) return overlay;
  const out: Record<string, Json> = { ...base };
  for (const [k, v] of Object.entries(overlay)) out[k] = k in base ? deepMerge(base[k]!, v) : v;
  return out;
}

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
}

/**
 * FLASHSALE__SERVER__PORT=9090 sets server.port: the prefix FLASHSALE__, then the key path with "__"
 * between levels, matched case-insensitively against the existing keys. Values are parsed as JSON when
 * they parse (numbers, booleans, arrays, objects) and taken as strings otherwise.
 */
function applyEnv(base: Json, env: NodeJS.ProcessEnv): Json {
  let out = base;
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("FLASHSALE__") || raw === undefined) continue;
    const path = name.slice("FLASHSALE__".length).split("__").filter(Boolean);
    if (path.length === 0) continue;
    let value: Json;
    try {
      value = JSON.parse(raw) as Json;
    } catch {
      value = raw;
    }
    let node: Json = out;
    const keys: string[] = [];
    for (const part of path) {
      const match = isObject(node) ? Object.keys(node).find((k) => k.toLowerCase() === part.toLowerCase()) : undefined;
      if (match === undefined) throw new ConfigError(`${name}: no setting ${[...keys, part.toLowerCase()].join(".")}`);
      keys.push(match);
      node = (node as Record<string, Json>)[match]!;
    }
    const patch: Json = keys.reduceRight<Json>((acc, k) => ({ [k]: acc }), value);
    out = deepMerge(out, patch);
  }
  return out;
}

function validateConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join(".") || "(root)";
    const detail = issue.code === "unrecognized_keys" ? `unknown setting(s) ${issue.keys.join(", ")}` : issue.message;
    throw new ConfigError(`invalid config: ${key}: ${detail}`);
  }
  const cfg = parsed.data;
  if (env.NODE_ENV === "production") {
    const defaults = readJson(join(repoRoot(), "config", "default.json")) as unknown as Config;
    const problems = productionSecretProblems(cfg, defaults);
    if (problems.length > 0) throw new ConfigError(problems.join("\n"), problems);
  }
  return cfg;
}

/** default.json, then the file named by FLASHSALE_CONFIG, then FLASHSALE__* variables, validated. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let raw = readJson(join(repoRoot(), "config", "default.json"));
  if (env.FLASHSALE_CONFIG) raw = deepMerge(raw, readJson(resolve(env.FLASHSALE_CONFIG)));
  raw = applyEnv(raw, env);
  return validateConfig(raw, env);
}

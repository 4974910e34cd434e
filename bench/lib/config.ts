import { randomBytes } from "node:crypto";
import { loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";

/**
 * Settings for one benchmark as FLASHSALE__* variables: a random key prefix (never touching anyone's keys)
 * plus the given overrides. The parent and any gateway child both read them through loadConfig, so they
 * agree on secrets and keys by construction.
 */
export function benchEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    FLASHSALE__REDIS__KEYPREFIX: `bench${randomBytes(4).toString("hex")}:`,
    FLASHSALE__SERVER__HOST: "127.0.0.1",
    ...overrides,
  };
}

export function benchConfig(env: Record<string, string>): Config {
  return loadConfig({ ...process.env, ...env });
}

export function rid(n = 4): string {
  return randomBytes(n).toString("hex");
}

import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "../../src/config/load.js";

/** 32 random bytes, base64url: a secret a production start accepts. */
export const strongSecret = (): string => randomBytes(32).toString("base64url");

/** NODE_ENV=production with strong secrets of its own, plus `extra` (FLASHSALE__… variables). */
export function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "production",
    FLASHSALE__AUTH__USERJWTSECRET: strongSecret(),
    FLASHSALE__AUTH__ADMINTOKEN: strongSecret(),
    FLASHSALE__PAYMENTS__WEBHOOKSECRET: strongSecret(),
    ...extra,
  };
}

/** The problems loading this environment's config reports; [] when it loads. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

import { ConfigError, loadConfig } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { createLogger, LOG_LEVELS, type Logger, type Service } from "./observability/log.js";
import { DependencyError } from "./startup-checks.js";

let entryLog: Logger | undefined;

/**
 * The logger of an entry point before its process has one (a bad config, a failure to start, the cluster
 * primary): JSON lines like every other, at FLASHSALE__LOG__LEVEL or info.
 */
export function entryLogger(service: Service = "gateway"): Logger {
  const env = process.env.FLASHSALE__LOG__LEVEL?.toLowerCase() as (typeof LOG_LEVELS)[number] | undefined;
  return (entryLog ??= createLogger({ service, level: env && LOG_LEVELS.includes(env) ? env : "info" }));
}

/** The validated config, or exit 78 with the message naming the bad key. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      entryLogger().fatal(err.message);
      process.exit(78);
    }
    throw err;
  }
}

/** Runs `stop` once on SIGTERM or SIGINT. */
export function onStopSignal(stop: () => void): void {
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

/**
 * Runs an entry point; a failure to start is logged (one line per missing dependency, naming it) and exits 1.
 */
export function runEntry(service: Service, main: () => Promise<void>): void {
  const log = entryLogger(service);
  main().catch((err: unknown) => {
    if (err instanceof DependencyError) for (const problem of err.problems) log.fatal(problem);
    else log.fatal({ err }, `failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

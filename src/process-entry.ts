import { ConfigError, loadConfig } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { defaultLogger, type Service } from "./observability/log.js";
import { DependencyError } from "./startup-checks.js";

/** The validated config, or exit 78 with the message naming the bad key. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      defaultLogger().fatal(err.message);
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
  const log = defaultLogger(service);
  main().catch((err: unknown) => {
    if (err instanceof DependencyError) for (const problem of err.problems) log.fatal(problem);
    else log.fatal({ err }, `failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}

import { ConfigError, loadConfig } from "./config/load.js";
import type { Config } from "./config/schema.js";

/** The validated config, or exit 78 with the message naming the bad key. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
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

/** Runs an entry point; a failure to start is printed under `tag` and exits 1. */
export function runEntry(tag: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`[${tag}] failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

import { ConfigError, loadConfig } from "./config/load.js";
import type { Config } from "./config/schema.js";
import { defaultLogger, type Service } from "./observability/log.js";
import { DependencyError } from "./startup-checks.js";
import type { GatewayProcess, StopReport } from "./gateway-process.js";

/** The validated config, or exit 78 with a line per bad key, naming it. */
export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) defaultLogger().fatal(problem);
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

/** A moment past the budget for the backstop: stop() ends at the deadline by itself, this is in case it did not. */
const BACKSTOP_MS = 500;

/**
 * On SIGTERM or SIGINT: stops the process (drain, then close) and exits, within `server.drainGraceMs +
 * drainTimeoutMs` whatever state its dependencies are in; the last log line says what was left to others.
 */
export function stopOnSignal(proc: GatewayProcess): void {
  onStopSignal(() => {
    const { drainGraceMs, drainTimeoutMs } = proc.config.server;
    if (proc.port) proc.log.info(`draining (not ready; listener closes in ${drainGraceMs} ms)`);
    const exit = (report: StopReport) => {
      logStopped(proc, report);
      process.exit(0);
    };
    setTimeout(
      () => exit({ ...proc.leftovers(), unfinished: ["stop"] }),
      drainGraceMs + drainTimeoutMs + BACKSTOP_MS,
    ).unref();
    void proc.stop().then(exit, (err: unknown) => {
      proc.log.error({ err }, "stop failed");
      exit({ ...proc.leftovers(), unfinished: ["stop"] });
    });
  });
}

/** The last line: what the sweeper, the broker's back-check and redelivery are left to finish, if anything. */
function logStopped(proc: GatewayProcess, left: StopReport): void {
  const parts = [
    left.ordersWithoutRow > 0 &&
      `${left.ordersWithoutRow} orders answered 202 without a confirmed row (the sweeper writes them)`,
    left.groupsUndecided > 0 &&
      `${left.groupsUndecided} order groups neither committed nor rolled back (the broker's back-check decides them)`,
    left.messagesUnacked > 0 && `${left.messagesUnacked} order messages not acknowledged (delivered again)`,
    left.unfinished.length > 0 && `cut short at the deadline: ${left.unfinished.join(", ")}`,
  ].filter((p): p is string => typeof p === "string");
  if (parts.length === 0) proc.log.info({ left }, "stopped: nothing left to the sweeper");
  else proc.log.warn({ left }, `stopped, leaving ${parts.join("; ")}`);
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

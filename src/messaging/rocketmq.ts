import { createRequire } from "node:module";
import type { ILogger } from "rocketmq-client-nodejs/dist/client/Logger.js";
import { componentLogger, formatArgs, type Logger } from "../observability/log.js";

const require = createRequire(import.meta.url);

/** The client package (CommonJS). */
export const rmq = require("rocketmq-client-nodejs") as typeof import("rocketmq-client-nodejs");

// TransactionResolution is not exported from the package index (a known issue): take it from the generated proto.
const pb = require("rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js") as {
  TransactionResolution: { COMMIT: number; ROLLBACK: number; TRANSACTION_RESOLUTION_UNSPECIFIED: number };
};
export const TransactionResolution = pb.TransactionResolution;

/**
 * The client's logger, onto ours: it logs printf-style (`"%s failed, %o", a, b`), formatted here into one
 * message. Its info and debug lines (start-up steps, every heartbeat and route refresh) are trace, below the
 * gateway's own debug lines; by default the client would write them to a file under $HOME.
 * FLASHSALE_RMQ_LOG=silent drops them all.
 */
export function quietLogger(tag: string, parent?: Logger): ILogger {
  if (process.env.FLASHSALE_RMQ_LOG === "silent") {
    const nop = () => {};
    return { info: nop, debug: nop, warn: nop, error: nop, close: nop };
  }
  const log = componentLogger(`rocketmq-${tag}`, parent);
  const at =
    (level: "trace" | "debug" | "warn" | "error") =>
    (...args: unknown[]) => {
      if (log.isLevelEnabled(level)) log[level](formatArgs(args));
    };
  return { info: at("trace"), debug: at("trace"), warn: at("warn"), error: at("error"), close: () => {} };
}

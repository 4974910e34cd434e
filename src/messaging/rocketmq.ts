import { createRequire } from "node:module";
import type { ILogger } from "rocketmq-client-nodejs/dist/client/Logger.js";

const require = createRequire(import.meta.url);

/** The client package (CommonJS). */
export const rmq = require("rocketmq-client-nodejs") as typeof import("rocketmq-client-nodejs");

// TransactionResolution is not exported from the package index (a known issue): take it from the generated proto.
const pb = require("rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js") as {
  TransactionResolution: { COMMIT: number; ROLLBACK: number; TRANSACTION_RESOLUTION_UNSPECIFIED: number };
};
export const TransactionResolution = pb.TransactionResolution;

/** The client logs every heartbeat at info level to a file under $HOME by default; keep warnings and errors. */
export function quietLogger(tag: string): ILogger {
  const out = (level: string) => (...args: unknown[]) => {
    if (process.env.FLASHSALE_RMQ_LOG === "silent") return;
    process.stderr.write(`[rocketmq ${tag}] ${level} ${args.map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : JSON.stringify(a))).join(" ")}\n`);
  };
  const nop = () => {};
  return { info: nop, debug: nop, warn: out("warn"), error: out("error"), close: nop };
}

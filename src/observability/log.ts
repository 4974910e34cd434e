import { hostname } from "node:os";
import { format } from "node:util";
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from "pino";
import { LOG_LEVELS } from "../config/schema.js";

export type { Logger } from "pino";

/** Which kind of process wrote a line: the HTTP gateway or the writer-only process. */
export type Service = "gateway" | "writer";

export interface LogOptions {
  service: Service;
  level: LevelWithSilent;
  /** Where the JSON lines go; default stderr (synchronous, so a line written just before exit is not lost). */
  destination?: DestinationStream;
}

/** What a redacted value is written as. */
export const REDACTED = "[redacted]";

/** Keys whose values are credentials: redacted at the top of a line and one level down (`*.token`). */
const SECRET_KEYS = [
  "authorization",
  "cookie",
  "signature",
  "adminToken",
  "userJwtSecret",
  "webhookSecret",
  "password",
  "token",
  "purchaseToken",
];
/** Request and response headers that carry credentials, in a logged `headers` object (or `req.headers`...). */
const SECRET_HEADERS = ["authorization", "cookie", "set-cookie", "x-signature", "proxy-authorization"];

/**
 * pino `redact` paths, so a request's `Authorization`, cookies and webhook signature, the admin token and
 * the config's secrets never reach a line, whoever logs them: the secret keys at the top and one level
 * down, the credential headers of a `headers` object (top level or one level down: `req.headers`), and the
 * secrets of a config logged whole.
 */
export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.flatMap((k) => [k, `*.${k}`]),
  ...SECRET_HEADERS.flatMap((h) => [`headers["${h}"]`, `*.headers["${h}"]`]),
  "*.auth.adminToken",
  "*.auth.userJwtSecret",
  "auth.purchaseTokenKeys[*].secret",
  "*.auth.purchaseTokenKeys[*].secret",
  "*.payments.webhookSecret",
  "*.admission.proofOfWork.hmacKey",
  "mysql.shards[*].password",
  "*.mysql.shards[*].password",
];

/**
 * A process's root logger: one JSON object per line with `level`, `time` (unix ms), `service`, `pid`,
 * `hostname` and `msg`; components log through `child({ component })`. Lines go to stderr, where the
 * gateway has always written (process managers and the test helpers read it there). Credentials are
 * redacted (REDACT_PATHS).
 */
export function createLogger(o: LogOptions): Logger {
  return pino(
    {
      level: o.level,
      base: { service: o.service, pid: process.pid, hostname: hostname() },
      redact: { paths: REDACT_PATHS, censor: REDACTED },
    },
    o.destination ?? pino.destination({ dest: 2, sync: true }),
  );
}

let fallback: Logger | undefined;

/**
 * The logger of code that runs outside a GatewayProcess (an entry point before its process has one: a bad
 * config, a failure to start, the cluster primary; tools; unit tests that build one component): level from
 * FLASHSALE__LOG__LEVEL, else info. One per process: the first call's `service` names it.
 */
export function defaultLogger(service: Service = "gateway"): Logger {
  const env = process.env.FLASHSALE__LOG__LEVEL?.toLowerCase();
  const level = LOG_LEVELS.includes(env as LevelWithSilent) ? (env as LevelWithSilent) : "info";
  return (fallback ??= createLogger({ service, level }));
}

/** A component's logger: `parent` (the process's) or, outside a process, the default one. */
export function componentLogger(component: string, parent?: Logger): Logger {
  return (parent ?? defaultLogger()).child({ component });
}

/**
 * The access log's logger: a component child without redaction. Its lines are built field by field in
 * src/http/exchange.ts (method, route, status, code, ms, request and trace ids, user id), none of them a
 * credential, and the redact paths' wildcards cost about 23 µs a line against 2 µs without (pino, 20,000
 * lines, three rounds): at 1 % of a sold-out flood, 4 % of the gateway's CPU.
 */
export function accessLogger(parent?: Logger): Logger {
  return (parent ?? defaultLogger()).child({ component: "access" }, { redact: { paths: [], censor: REDACTED } });
}

/** printf-style arguments (`"%s failed: %d", a, b`, an Error last) as one message string. */
export function formatArgs(args: unknown[]): string {
  return format(...args.map((a) => (a instanceof Error ? a.message : a)));
}

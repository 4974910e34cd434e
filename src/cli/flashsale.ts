#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config/load.js";
import { repoRoot } from "../util/repo-root.js";
import { adminTokens } from "../config/schema.js";

/**
 * `flashsale …`: the operator's tool, a thin client of the admin HTTP API (so it works against any
 * gateway it can reach, with the same rules and errors). Compiled to dist/src/cli/flashsale.js: the
 * repository's bin (bin/flashsale.mjs) and the image's /usr/local/bin/flashsale run that file.
 */

/** One exit code per failure class, so a script can tell "refused" from "not there" (docs/clients.md). */
const EXIT = {
  /** Done: the gateway answered 2xx. */
  ok: 0,
  /** The gateway refused: a 4xx answer (bad token, no such sale or order, a locked sale...). */
  refused: 1,
  /** Bad usage: an unknown command or option, a malformed argument, an unreadable token file or config. */
  usage: 2,
  /** The gateway could not be reached, or did not answer within --timeout. */
  unreachable: 3,
  /** The gateway failed: a 5xx answer (503 UNAVAILABLE while a dependency is down, 500). */
  gatewayError: 4,
  /** The CLI itself could not run (not built, or a bug: the stack is printed). */
  internal: 5,
} as const;

const EXIT_HELP = `exit codes:
  0  done
  1  the gateway refused (a 4xx answer: its status and code are printed); room of a sale without a room
  2  bad usage: unknown command or option, malformed argument, unreadable token file or config
  3  the gateway could not be reached or did not answer within --timeout
  4  the gateway failed (a 5xx answer, e.g. 503 UNAVAILABLE while a dependency is down)
  5  the CLI itself could not run (not built, or an internal error)`;

const GLOBAL_HELP = `options (any command):
  --url URL          the gateway's ops listener (default $FLASHSALE_URL, else http://127.0.0.1:<server.ops.port>
                     of the config); \`sale\` asks the public port: $FLASHSALE_PUBLIC_URL, else <server.port>
  --token-file PATH  read the admin token from this file; without it the token is $FLASHSALE_ADMIN_TOKEN,
                     else the file named by $FLASHSALE_ADMIN_TOKEN_FILE, else auth.adminToken of the config
                     (the first when it is a list)
  --token TOKEN      the admin token on the command line: discouraged, other users see it (ps, /proc)
  --timeout DURATION give up waiting for the gateway after this long (default 30s; 500ms, 10s, 1m)
  --json             the API's JSON answer as is, for scripts
  -h, --help         this help; \`flashsale help <command>\` or \`flashsale <command> --help\` for one command
  -V, --version      the CLI's version`;

class UsageError extends Error {}

interface Command {
  args: string;
  summary: string;
  /** Its own options, with their help lines; any other command-specific option is refused. */
  options?: Record<string, string>;
  request(rest: string[], values: Values, name: string): [string, string, unknown?];
}

const PUT_OPTIONS: Record<string, string> = {
  sku: "--sku SKU                 the SKU sold (required)",
  stock: "--stock N                 units for sale (required)",
  limit: "--limit N                 units one buyer may buy (required)",
  shards: "--shards N                stock shards (default: the config's stock.shards)",
  "payment-timeout":
    "--payment-timeout SECONDS unpaid orders are cancelled after this (default: payments.timeoutSeconds)",
  "starts-in": "--starts-in DURATION      starts this long from now (default: now)",
  "starts-at": "--starts-at ISO           starts at this time",
  duration: "--duration DURATION       lasts this long (default 1h)",
  "ends-at": "--ends-at ISO             ends at this time",
  room: "--room                    with a waiting room (docs/waiting-room.md; defaults below)",
  "room-opens": "--room-opens DURATION     the room opens this long before the start (default 10m)",
  "room-ttl": "--room-ttl SECONDS        an admitted buyer has this long to buy (default 120)",
  "room-rate": "--room-rate N             buyers admitted per second at most (default 1000)",
};

function duration(v: string, name: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(v.trim());
  if (!m) throw new UsageError(`${name}: expected a duration such as 90s, 5m or 2h, got ${JSON.stringify(v)}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] ?? "ms"]!;
  return Number(m[1]) * unit;
}

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name}: expected a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** The one id a command takes, for its path. */
function oneId(rest: string[], cmd: string, what = "sale id"): string {
  if (rest.length !== 1) throw new UsageError(`${cmd} takes one ${what}`);
  return encodeURIComponent(rest[0]!);
}

function putBody(o: Record<string, string | boolean | undefined>): Record<string, unknown> {
  const s = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
  for (const k of ["sku", "stock", "limit"]) if (s(k) === undefined) throw new UsageError(`put needs --${k}`);
  if (s("starts-in") && s("starts-at")) throw new UsageError("give --starts-in or --starts-at, not both");
  if (s("duration") && s("ends-at")) throw new UsageError("give --duration or --ends-at, not both");
  const startsAt =
    s("starts-at") ??
    new Date(Date.now() + (s("starts-in") ? duration(s("starts-in")!, "--starts-in") : 0)).toISOString();
  const endsAt =
    s("ends-at") ?? new Date(Date.parse(startsAt) + duration(s("duration") ?? "1h", "--duration")).toISOString();
  const body: Record<string, unknown> = {
    skuId: s("sku"),
    stock: int(s("stock"), "stock"),
    perUserLimit: int(s("limit"), "limit"),
    startsAt,
    endsAt,
  };
  if (s("shards") !== undefined) body.shards = int(s("shards"), "shards");
  if (s("payment-timeout") !== undefined) body.paymentTimeoutSeconds = int(s("payment-timeout"), "payment-timeout");
  const room = ["room-opens", "room-ttl", "room-rate"].some((k) => s(k) !== undefined);
  if (o.room === true || room) {
    const r: Record<string, number> = {};
    if (s("room-opens") !== undefined)
      r.opensSecondsBefore = Math.floor(duration(s("room-opens")!, "--room-opens") / 1000);
    if (s("room-ttl") !== undefined) r.admissionTtlSeconds = int(s("room-ttl"), "room-ttl")!;
    if (s("room-rate") !== undefined) r.admitPerSecond = int(s("room-rate"), "room-rate")!;
    body.waitingRoom = r;
  }
  return body;
}

const ADMIN = "/v1/admin/sales";
const saleCommand = (summary: string, method: string, suffix: string): Command => ({
  args: "<saleId>",
  summary,
  request: (rest, _values, name) => [method, `${ADMIN}/${oneId(rest, name)}${suffix}`],
});

/** Every command: its arguments, what it does, its own options and the request it stands for. */
const COMMANDS: Record<string, Command> = {
  sales: {
    args: "",
    summary: "every sale not yet expired, by start time",
    request: (rest) => {
      if (rest.length > 0) throw new UsageError("sales takes no arguments");
      return ["GET", ADMIN];
    },
  },
  sale: {
    args: "<saleId>",
    summary: "the public view of a sale (status, remaining)",
    request: (rest) => ["GET", `/v1/sales/${oneId(rest, "sale")}`],
  },
  put: {
    args: "<saleId> --sku SKU --stock N --limit N [...]",
    summary: "create a sale, or change one that has not started (DURATION: 90s, 5m, 2h)",
    options: PUT_OPTIONS,
    request: (rest, values) => ["PUT", `${ADMIN}/${oneId(rest, "put")}`, putBody(values)],
  },
  stats: saleCommand("Redis and MySQL figures of a sale, and their drift", "GET", "/stats"),
  room: saleCommand(
    "a room sale's waiting room: state, waiting, admitted, bought, no-shows, rate, pre-queue",
    "GET",
    "/stats",
  ),
  pause: saleCommand("pause a sale: tokens and orders are refused within a second", "POST", "/pause"),
  resume: saleCommand("resume a paused sale", "POST", "/resume"),
  reconcile: saleCommand("one sweeper pass over a sale now: what it found and repaired", "POST", "/reconcile"),
  refunds: saleCommand("refunds owed for a sale (late or duplicate payments)", "GET", "/refunds"),
  order: {
    args: "<orderId>",
    summary: "an order for support: status, sale, buyer, quantity, times, payments and refunds",
    request: (rest) => ["GET", `/v1/admin/orders/${oneId(rest, "order", "order id")}`],
  },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${`${name} ${c.args}`.padEnd(31)} ${c.summary}`);
  return `usage: flashsale [options] <command> [args]\n\ncommands:\n${lines.join("\n")}\n  help <command>                  one command's options\n\n${GLOBAL_HELP}\n\n${EXIT_HELP}`;
}

function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  const own = c.options
    ? `\n\noptions:\n${Object.values(c.options)
        .map((l) => `  ${l}`)
        .join("\n")}`
    : "";
  return `usage: flashsale [options] ${name} ${c.args}\n\n${c.summary}${own}\n\n${GLOBAL_HELP}\n\n${EXIT_HELP}`;
}

function version(): string {
  return (JSON.parse(readFileSync(join(repoRoot(), "package.json"), "utf8")) as { version: string }).version;
}

function table(rows: Record<string, unknown>[], cols: string[]): string {
  const cells = [cols, ...rows.map((r) => cols.map((c) => String(r[c] ?? "")))];
  const w = cols.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  return cells
    .map((row) =>
      row
        .map((c, i) => c.padEnd(w[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** `flashsale room`: the `waitingRoom` object of the sale's stats, one figure a line (docs/operations.md#waiting-rooms). */
function roomLines(saleId: string, r: any): string {
  const lines: [string, unknown][] = [
    ["sale", saleId],
    ["state", r.state],
    ["waiting", r.waiting],
    ["admitted", r.admitted],
    ["bought", r.bought],
    ["no-shows", `${r.noShows} (at least, until every admission window has ended)`],
    ["admission rate", `${r.admissionRate}/s (overbooking factor ${r.factor})`],
    ["pre-queue size", r.preQueue],
    ["joined", r.joined],
    ["units left", r.unitsLeft],
    ["sold out from", r.soldOutFrom === null ? "-" : `place ${r.soldOutFrom}`],
    ["seed commitment", r.seedCommitment],
    ["opens at", r.opensAt],
    ["progress at", r.progressAt ?? "- (the admission loop has not run yet)"],
  ];
  return lines.map(([k, v]) => `${k.padEnd(16)} ${String(v)}`).join("\n");
}

function human(cmd: string, body: any): string {
  if (cmd === "room") return roomLines(body.saleId, body.waitingRoom);
  if (cmd === "sales")
    return body.sales.length === 0
      ? "no sales"
      : table(body.sales, ["saleId", "skuId", "stock", "perUserLimit", "shards", "startsAt", "endsAt", "paused"]);
  if (cmd === "refunds")
    return body.refunds.length === 0
      ? "no refunds owed"
      : table(body.refunds, ["orderId", "reason", "eventId", "recordedAt"]);
  return Object.entries(body)
    .map(([k, v]) => `${k.padEnd(22)} ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join("\n");
}

const OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  "token-file": { type: "string" },
  timeout: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  sku: { type: "string" },
  stock: { type: "string" },
  limit: { type: "string" },
  shards: { type: "string" },
  "payment-timeout": { type: "string" },
  "starts-in": { type: "string" },
  "starts-at": { type: "string" },
  duration: { type: "string" },
  "ends-at": { type: "string" },
  room: { type: "boolean" },
  "room-opens": { type: "string" },
  "room-ttl": { type: "string" },
  "room-rate": { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

/** The token in a file (a mounted secret, say): its content without the trailing newline. */
function tokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the token file ${path} (${(err as { code?: string }).code ?? err})`);
  }
  const token = text.trim();
  if (!token) throw new UsageError(`the token file ${path} is empty`);
  return token;
}

/** The token from the flags or the environment; undefined when neither gives one (the config is asked then). */
function tokenOf(values: Values): string | undefined {
  if (values.token !== undefined && values["token-file"] !== undefined)
    throw new UsageError("give --token or --token-file, not both");
  if (values.token !== undefined) {
    process.stderr.write(
      "flashsale: warning: --token shows the admin token to every user of this machine (ps, /proc); use FLASHSALE_ADMIN_TOKEN or --token-file\n",
    );
    return values.token;
  }
  if (values["token-file"] !== undefined) return tokenFile(values["token-file"]);
  if (process.env.FLASHSALE_ADMIN_TOKEN) return process.env.FLASHSALE_ADMIN_TOKEN;
  if (process.env.FLASHSALE_ADMIN_TOKEN_FILE) return tokenFile(process.env.FLASHSALE_ADMIN_TOKEN_FILE);
  return undefined;
}

/**
 * The gateway's base URL for a command and the admin token: the flags, else the environment, else the config
 * (read only then). The admin API is on the ops listener (server.ops); the public sale view on server.port.
 */
function gateway(values: Values, cmd: string): { base: string; token: string } {
  let cfg: ReturnType<typeof loadConfig> | undefined;
  const config = () => (cfg ??= loadConfig());
  const url =
    cmd === "sale"
      ? (process.env.FLASHSALE_PUBLIC_URL ?? `http://127.0.0.1:${config().server.port}`)
      : (values.url ?? process.env.FLASHSALE_URL ?? `http://127.0.0.1:${config().server.ops.port}`);
  const base = url.replace(/\/+$/, "");
  const token = tokenOf(values) ?? adminTokens(config().auth)[0]!;
  return { base, token };
}

/** The HTTP request a command stands for: method, path and body (if any). */
function requestOf(cmd: string, rest: string[], values: Values): [string, string, unknown?] {
  const command = COMMANDS[cmd];
  if (!command) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  for (const name of Object.keys(PUT_OPTIONS))
    if (values[name as keyof Values] !== undefined && !command.options?.[name])
      throw new UsageError(`${cmd} takes no --${name}`);
  return command.request(rest, values, cmd);
}

/** Sends the request; the exit code instead (after saying why on stderr) when no answer came. */
async function send(
  base: string,
  token: string,
  timeoutMs: number,
  [method, path, body]: [string, string, unknown?],
): Promise<{ res: Response; text: string } | number> {
  try {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { res, text: await res.text() };
  } catch (err) {
    if ((err as Error).name === "TimeoutError") {
      process.stderr.write(`flashsale: the gateway at ${base} did not answer within ${timeoutMs} ms (--timeout)\n`);
      return EXIT.unreachable;
    }
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    process.stderr.write(
      `flashsale: cannot reach the gateway at ${base} (${why}); is it running (npm start)? --url or FLASHSALE_URL names another\n`,
    );
    return EXIT.unreachable;
  }
}

/** Prints the gateway's answer (as is with --json, else for people); the exit code by its status. */
function printAnswer(res: Response, text: string, cmd: string, json: boolean | undefined): number {
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: shown as is */
  }
  if (!res.ok) {
    if (json) process.stdout.write(`${text}\n`);
    const e = parsed?.error;
    const retry = res.headers.get("retry-after");
    process.stderr.write(
      `flashsale: ${res.status} ${e?.code ?? ""}${e?.message ? `: ${e.message}` : ""}${retry ? ` (retry after ${retry}s)` : ""}\n`,
    );
    return res.status >= 400 && res.status < 500 ? EXIT.refused : EXIT.gatewayError;
  }
  if (cmd === "room" && parsed?.waitingRoom === undefined) {
    process.stderr.write(
      `flashsale: sale ${parsed?.saleId} has no waiting room (\`flashsale stats\` has its figures)\n`,
    );
    return EXIT.refused;
  }
  process.stdout.write(`${json ? JSON.stringify(parsed) : human(cmd, parsed)}\n`);
  return EXIT.ok;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [cmd, ...rest] = positionals;
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  if (cmd === "help" || (values.help && cmd)) {
    const name = cmd === "help" ? rest[0] : cmd;
    process.stdout.write(`${name ? commandHelp(name) : usage()}\n`);
    return EXIT.ok;
  }
  if (values.help || !cmd) {
    process.stdout.write(`${usage()}\n`);
    return values.help ? EXIT.ok : EXIT.usage;
  }
  const request = requestOf(cmd, rest, values);
  const timeoutMs = duration(values.timeout ?? "30s", "--timeout");
  if (timeoutMs <= 0) throw new UsageError("--timeout must be above 0");
  const { base, token } = gateway(values, cmd);
  const answer = await send(base, token, timeoutMs, request);
  return typeof answer === "number" ? answer : printAnswer(answer.res, answer.text, cmd, values.json);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`flashsale: ${(err as Error).message}\n\nflashsale --help lists the commands and options\n`);
      process.exit(EXIT.usage);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`flashsale: ${err.message}\n`);
      process.exit(EXIT.usage);
    }
    process.stderr.write(`flashsale: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(EXIT.internal);
  },
);

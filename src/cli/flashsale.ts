import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config/load.js";

/**
 * `npx flashsale …`: the operator's tool, a thin client of the admin HTTP API (so it works against any
 * gateway it can reach, with the same rules and errors). Exit codes: 0 done, 1 the gateway refused or
 * could not be reached, 2 a usage error.
 */
const USAGE = `usage: flashsale [--url URL] [--token TOKEN] [--json] <command> [args]

commands:
  sales                          every sale not yet expired, by start time
  sale <saleId>                  the public view (status, remaining)
  put <saleId> --sku SKU --stock N --limit N [--shards N] [--payment-timeout SECONDS]
               [--starts-in DURATION | --starts-at ISO] [--duration DURATION | --ends-at ISO]
                                 create a sale, or change one that has not started (DURATION: 90s, 5m, 2h)
  stats <saleId>                 Redis and MySQL figures, drift
  pause <saleId> | resume <saleId>
  reconcile <saleId>             one sweeper pass now: what it found and repaired
  refunds <saleId>               refunds owed (late or duplicate payments)

--url    the gateway's ops listener (default $FLASHSALE_URL, else http://127.0.0.1:<server.ops.port>);
         \`sale\` asks the public port: $FLASHSALE_PUBLIC_URL, else http://127.0.0.1:<server.port>
--token  the admin token (default $FLASHSALE_ADMIN_TOKEN, else auth.adminToken of the config)
--json   the API's JSON answer as is, for scripts`;

class UsageError extends Error {}

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

function saleId(rest: string[], cmd: string): string {
  if (rest.length !== 1) throw new UsageError(`${cmd} takes one sale id`);
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
  return body;
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

function human(cmd: string, body: any): string {
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
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  sku: { type: "string" },
  stock: { type: "string" },
  limit: { type: "string" },
  shards: { type: "string" },
  "payment-timeout": { type: "string" },
  "starts-in": { type: "string" },
  "starts-at": { type: "string" },
  duration: { type: "string" },
  "ends-at": { type: "string" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

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
  const token = values.token ?? process.env.FLASHSALE_ADMIN_TOKEN ?? config().auth.adminToken;
  return { base, token };
}

/** The HTTP request a command stands for: method, path and body (if any). */
function requestOf(cmd: string, rest: string[], values: Values): [string, string, unknown?] {
  const admin = `/v1/admin/sales`;
  const request: Record<string, () => [string, string, unknown?]> = {
    sales: () => ["GET", admin],
    sale: () => ["GET", `/v1/sales/${saleId(rest, cmd)}`],
    put: () => ["PUT", `${admin}/${saleId(rest, cmd)}`, putBody(values)],
    stats: () => ["GET", `${admin}/${saleId(rest, cmd)}/stats`],
    pause: () => ["POST", `${admin}/${saleId(rest, cmd)}/pause`],
    resume: () => ["POST", `${admin}/${saleId(rest, cmd)}/resume`],
    reconcile: () => ["POST", `${admin}/${saleId(rest, cmd)}/reconcile`],
    refunds: () => ["GET", `${admin}/${saleId(rest, cmd)}/refunds`],
  };
  const make = request[cmd];
  if (!make) throw new UsageError(`unknown command ${JSON.stringify(cmd)}`);
  if (cmd === "sales" && rest.length > 0) throw new UsageError("sales takes no arguments");
  return make();
}

/** Sends the request; null (after saying why on stderr) when the gateway cannot be reached. */
async function send(
  base: string,
  token: string,
  [method, path, body]: [string, string, unknown?],
): Promise<Response | null> {
  try {
    return await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    process.stderr.write(
      `flashsale: cannot reach the gateway at ${base} (${why}); is it running (npm start)? --url or FLASHSALE_URL names another\n`,
    );
    return null;
  }
}

/** Prints the gateway's answer (as is with --json, else for people); the exit code: 0 done, 1 refused. */
async function printAnswer(res: Response, cmd: string, json: boolean | undefined): Promise<number> {
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON: shown as is */
  }
  if (!res.ok) {
    if (json) process.stdout.write(`${text}\n`);
    const e = parsed?.error;
    process.stderr.write(`flashsale: ${res.status} ${e?.code ?? ""}${e?.message ? `: ${e.message}` : ""}\n`);
    return 1;
  }
  process.stdout.write(`${json ? JSON.stringify(parsed) : human(cmd, parsed)}\n`);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  const [cmd, ...rest] = positionals;
  if (values.help || !cmd) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const { base, token } = gateway(values, cmd);
  const res = await send(base, token, requestOf(cmd, rest, values));
  return res ? printAnswer(res, cmd, values.json) : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`flashsale: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`flashsale: ${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`flashsale: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

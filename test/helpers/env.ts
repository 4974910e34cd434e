import { randomBytes } from "node:crypto";
import { expect, inject } from "vitest";
import { FlashSaleError, type FlashSaleClient } from "@flashsale/client";
import { deepMerge, loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess, type ProcessOptions } from "../../src/gateway-process.js";
import { parseLedgerRecord } from "../../src/reservation/ledger.js";
import { ApiClient } from "../../support/api-client.js";

export { pool } from "../../support/pool.js";

export type RedisMode = "standalone" | "cluster";
export const MODES: RedisMode[] = ["standalone", "cluster"];

export function rid(n = 6): string {
  return randomBytes(n).toString("hex");
}

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** The default config, with a random key prefix (isolation between tests) and the given Redis mode. */
export function testConfig(mode: RedisMode, overrides: DeepPartial<Config> = {}): Config {
  const base = loadConfig({});
  const redis: DeepPartial<Config["redis"]> = { mode, keyPrefix: `t${rid(4)}:` };
  if (mode === "cluster") redis.nodes = inject("redisClusterNodes");
  // Shedding on event-loop delay is tested on its own (shedding-and-metrics): elsewhere a shared 2-core box's
  // pauses (GC, neighbouring tests) must not turn a test's requests into 503s.
  const admission = { shedding: { maxEventLoopDelayMs: 5000 } };
  // Warnings and errors only, no access log: the test output stays readable (the log test sets its own).
  const log = { level: "warn", accessSampleRate: 0 };
  return deepMerge(
    deepMerge(
      base as never,
      { redis, server: { host: "127.0.0.1", ops: { host: "127.0.0.1", port: 0 } }, admission, log } as never,
    ),
    overrides as never,
  ) as unknown as Config;
}

/** The API client for a gateway on these ports (public, and the ops listener's), with the config's secrets. */
export function apiFor(gw: { port: number; opsPort: number }, cfg: Config): Api {
  return new Api(`http://127.0.0.1:${gw.port}`, cfg, `http://127.0.0.1:${gw.opsPort}`);
}

/** A client that also knows the config the gateway under test runs with. */
export class Api extends ApiClient {
  constructor(
    base: string,
    readonly cfg: Config,
    opsBase: string,
  ) {
    super(
      base,
      {
        userJwtSecret: cfg.auth.userJwtSecret,
        adminToken: cfg.auth.adminToken,
        webhookSecret: cfg.payments.webhookSecret,
      },
      opsBase,
    );
  }

  /** A new buyer (`<prefix>-<random>`) buys through the storefront client (token, order, retries): accepted. */
  async buyOne(saleId: string, prefix: string, quantity = 1): Promise<{ orderId: string; user: string }> {
    const user = `${prefix}-${rid(3)}`;
    const { order } = await this.storefront(user).placeOrder(saleId, { quantity });
    expect(order).toMatchObject({ saleId, userId: user, quantity, status: "RESERVED" });
    return { orderId: order.orderId, user };
  }
}

/**
 * The final refusal a buyer's call ends with, checked to be the call's last answer with nothing but
 * retryable answers (503, 429) before it: a client that retried a final answer fails here, while a 503 that
 * a loaded machine gives any request (a Redis call past the breaker's timeout) does not.
 */
export async function finalRefusal(
  api: ApiClient,
  user: string,
  call: (buyer: FlashSaleClient) => Promise<unknown>,
): Promise<FlashSaleError> {
  const answers: { path: string; status: number }[] = [];
  const outcome = await call(
    api.storefront(user, undefined, (a) => answers.push({ path: a.path, status: a.status })),
  ).then(
    (r) => expect.fail(`expected a refusal, got ${JSON.stringify(r)}`),
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(FlashSaleError);
  const e = outcome as FlashSaleError;
  const last = answers.at(-1);
  expect(last?.status, "the refusal is the call's last answer").toBe(e.status);
  // The attempts of the refused request (placing an order without a token takes one first, another path).
  const attempts = answers.filter((a) => a.path === last?.path).map((a) => a.status);
  expect(
    attempts.slice(0, -1).filter((s) => s !== 503 && s !== 429),
    "answers retried before the refusal",
  ).toEqual([]);
  return e;
}

/** The buy path on Redis alone (no RocketMQ hand-off, no MySQL writes), for the HTTP and admission tests. */
export async function startGateway(
  cfg: Config,
  opts: Omit<ProcessOptions, "redisOnly" | "port" | "opsPort"> = {},
): Promise<{ gw: GatewayProcess; api: Api }> {
  const gw = await GatewayProcess.start(cfg, { ...opts, redisOnly: true, port: 0, opsPort: 0 });
  return { gw, api: apiFor(gw, cfg) };
}

/** Every reservation record of a sale, straight from the Redis ledger of each shard. */
export async function ledgerRecords(gw: GatewayProcess, saleId: string, shards: number) {
  const all = await Promise.all(
    Array.from({ length: shards }, (_, i) => gw.redis.hgetall(gw.keys.shard(saleId, i).res)),
  );
  return all.flatMap((h) => Object.entries(h).map(([id, raw]) => parseLedgerRecord(id, raw)!));
}

import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { signBuyerJwt } from "../../src/admission/auth.js";
import { deepMerge, loadConfig } from "../../src/config/load.js";
import type { Config } from "../../src/config/schema.js";
import { Gateway, type GatewayParts } from "../../src/gateway.js";
import { parseRecord } from "../../src/reservation/ledger.js";

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
  return deepMerge(deepMerge(base as never, { redis, server: { host: "127.0.0.1" } } as never), overrides as never) as unknown as Config;
}

export async function startGateway(cfg: Config, parts?: GatewayParts): Promise<{ gw: Gateway; api: Api }> {
  const gw = await new Gateway(cfg, parts).start(0);
  return { gw, api: new Api(`http://127.0.0.1:${gw.port}`, cfg) };
}

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** A thin client for the gateway's HTTP API, acting as storefront, buyer and operator. */
export class Api {
  constructor(
    readonly base: string,
    readonly cfg: Config,
  ) {}

  jwt(userId: string, ttlSeconds = 600): string {
    return signBuyerJwt(this.cfg.auth.userJwtSecret, { sub: userId, exp: Math.floor(Date.now() / 1000) + ttlSeconds });
  }

  async call<T = any>(method: string, path: string, opts: { headers?: Record<string, string>; body?: unknown; raw?: string } = {}): Promise<Res<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const r = await fetch(this.base + path, { method, headers, body });
    const text = await r.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, body: parsed as T, headers: r.headers };
  }

  admin(): Record<string, string> {
    return { authorization: `Bearer ${this.cfg.auth.adminToken}` };
  }

  buyer(userId: string): Record<string, string> {
    return { authorization: `Bearer ${this.jwt(userId)}` };
  }

  /** Creates a sale that is live now (or starts after `startInMs`). */
  putSale(saleId: string, sale: { stock: number; perUserLimit?: number; shards?: number; startInMs?: number; durationMs?: number; skuId?: string }) {
    const startsAt = Date.now() + (sale.startInMs ?? -1000);
    return this.call("PUT", `/v1/admin/sales/${saleId}`, {
      headers: this.admin(),
      body: {
        skuId: sale.skuId ?? `sku-${saleId}`,
        stock: sale.stock,
        perUserLimit: sale.perUserLimit ?? 1,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + (sale.durationMs ?? 3_600_000)).toISOString(),
        shards: sale.shards,
      },
    });
  }

  async token(saleId: string, userId: string): Promise<string> {
    const r = await this.call("POST", `/v1/sales/${saleId}/tokens`, { headers: this.buyer(userId) });
    if (r.status !== 201) throw new Error(`token for ${userId}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  }

  order(saleId: string, userId: string, token: string, quantity?: number) {
    return this.call("POST", `/v1/sales/${saleId}/orders`, {
      headers: { ...this.buyer(userId), "idempotency-key": token },
      body: quantity === undefined ? {} : { quantity },
    });
  }

  stats(saleId: string) {
    return this.call("GET", `/v1/admin/sales/${saleId}/stats`, { headers: this.admin() });
  }
}

/** Every reservation record of a sale, straight from the Redis ledger of each shard. */
export async function ledgerOf(gw: Gateway, saleId: string, shards: number) {
  const all = await Promise.all(Array.from({ length: shards }, (_, i) => gw.redis.hgetall(gw.keys.shard(saleId, i).res)));
  return all.flatMap((h) => Object.entries(h).map(([id, raw]) => parseRecord(id, raw)!));
}

/** Runs `fn` over items with at most `limit` in flight: real concurrency, bounded. */
export async function pool<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

import type { Redis } from "ioredis";
import { signBuyerJwt } from "../src/admission/auth.js";
import { PurchaseTokens } from "../src/admission/purchase-token.js";
import { jsonObject } from "../src/admission/body.js";
import { parseStrictJson } from "../src/admission/strict-json.js";
import type { Config } from "../src/config/schema.js";
import { createRedis } from "../src/redis/client.js";
import type { LoadJob, LoadResult } from "./clients/http-load.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, benchEnv, rid } from "./lib/config.js";
import { compiledScript, cpuSeconds, LOAD_CORE, pinningAvailable, SERVER_CORE, TsChild } from "./lib/proc.js";
import { dropPrefix } from "./lib/redis.js";
import { ApiClient, expectSoldOut, expectStatus } from "../support/api-client.js";

/**
 * What admission control costs: the same gateway (bench/servers/gateway-server.ts) twice, one with rate
 * limits, circuit breakers and load shedding on, one with all three off (admission.rateLimits.enabled,
 * admission.breakers.enabled, admission.shedding.enabled), measured in interleaved rounds on the server
 * core, on two paths:
 *
 * - reject: the sold-out flood, answered 409 from the local flag (the path the 15% budget is about);
 * - live: order attempts that reach the reservation script in Redis (each token's first use buys, its
 *   later uses are replays: the same script call and round trip).
 *
 * With admission on, every check really runs and never refuses: the peer 127.0.0.1 is a trusted proxy and
 * nothing is exempt, so each request's X-Forwarded-For is read and its client address (250 of them) is
 * limited, at limits too high to trigger; the buyer (1000) and per-sale limiters, the open-circuit checks and
 * the Redis breaker see every live attempt (the flag's answers skip them by design). Strict input validation
 * and metrics are not switchable and run on both sides; the details give the strict body parse's own cost.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = 4;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 64;
const BUYERS = 1000;
const CLIENT_IPS = 250;
const NEVER = 1_000_000_000;

const limit = (durationSeconds: number) => JSON.stringify({ points: NEVER, durationSeconds, blockSeconds: 0 });

const ON = {
  FLASHSALE__ADMISSION__TRUSTEDPROXIES: '["127.0.0.1"]',
  FLASHSALE__ADMISSION__RATELIMITS__EXEMPTIPS: "[]",
  FLASHSALE__ADMISSION__RATELIMITS__IP: limit(1),
  FLASHSALE__ADMISSION__RATELIMITS__BUYER: limit(1),
  FLASHSALE__ADMISSION__RATELIMITS__SALE: limit(1),
  FLASHSALE__ADMISSION__RATELIMITS__TOKENISSUE: JSON.stringify({
    points: NEVER,
    durationSeconds: 60,
    blockSeconds: 0,
    redisTimeoutMs: 200,
  }),
};
const OFF = {
  FLASHSALE__ADMISSION__RATELIMITS__ENABLED: "false",
  FLASHSALE__ADMISSION__BREAKERS__ENABLED: "false",
  FLASHSALE__ADMISSION__SHEDDING__ENABLED: "false",
};

interface Gw {
  label: string;
  env: Record<string, string>;
  child: TsChild;
  port: number;
  /** Its ops listener (admin API). */
  opsPort: number;
  rejectSale: string;
  liveSale: string;
}

const check = (what: string, got: { status: number; body: any }, status: number, code?: string) =>
  expectStatus(`admission-overhead setup: ${what}`, got, status, code);

/**
 * In-process cost of the benchmark's body, µs per call: the strict parse itself, jsonObject on a repeat of
 * the same bytes (remembered: what the flood pays), and JSON.parse for scale.
 */
function validationCost(): { strictUs: number; repeatedBodyUs: number; jsonParseUs: number } {
  const body = Buffer.from('{"quantity":1}');
  const allowed = new Set(["quantity"]);
  const time = (fn: () => unknown) => {
    for (let i = 0; i < 100_000; i++) fn();
    const n = 1_000_000;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - t0) / 1e3 / n;
  };
  return {
    strictUs: time(() => parseStrictJson(body.toString("utf8"), allowed)),
    repeatedBodyUs: time(() => jsonObject(body, "application/json", allowed)),
    jsonParseUs: time(() => JSON.parse(body.toString("utf8"))),
  };
}

export const admissionOverhead: Benchmark = {
  name: "admission-overhead",
  description:
    "sold-out reject path with rate limits, breakers and shedding on ÷ off (req/s), same run; live path alongside",
  target: 0.85,
  async run() {
    const gws: Gw[] = [];
    let load: TsChild | undefined;
    const sides = [
      { label: "admission-on", env: benchEnv({ ...ON, FLASHSALE__SOLDOUT__TTLMS: "600000" }) },
      { label: "admission-off", env: benchEnv({ ...OFF, FLASHSALE__SOLDOUT__TTLMS: "600000" }) },
    ];
    const cfg = benchConfig(sides[0]!.env);
    if (cfg.redis.mode !== "standalone") throw new Error("admission-overhead runs against standalone Redis");
    try {
      const jwts = Array.from({ length: BUYERS }, (_, i) =>
        signBuyerJwt(cfg.auth.userJwtSecret, { sub: `buyer-${i}`, exp: Math.floor(Date.now() / 1000) + 3600 }),
      );
      for (const s of sides) gws.push(await startSide(cfg, s));
      const requests = await requestPools(cfg, gws, jwts);

      load = new TsChild(compiledScript("bench/clients/http-load.ts"), { core: LOAD_CORE });
      const samples = await measure(load, gws, requests);
      return result(samples);
    } finally {
      await load?.stop();
      for (const g of gws) await g.child.stop();
      const redis = createRedis(cfg.redis) as Redis;
      for (const s of sides) await dropPrefix(redis, benchConfig(s.env).redis.keyPrefix);
      redis.disconnect();
    }
  },
};

/** The client address of buyer i: CLIENT_IPS of them, so the per-IP limits see a crowd, not one client. */
const xff = (i: number) => `198.51.100.${i % CLIENT_IPS}`;

type Pools = Map<Gw, { reject: LoadJob["requests"]; live: LoadJob["requests"] }>;

/** One side's gateway with its two sales: one sold out (the flag set by one SOLD_OUT), one with stock for all. */
async function startSide(cfg: Config, s: { label: string; env: Record<string, string> }): Promise<Gw> {
  const child = new TsChild(compiledScript("bench/servers/gateway-server.ts"), { core: SERVER_CORE, env: s.env });
  const { port, opsPort } = await child.next<{ port: number; opsPort: number }>();
  const base = `http://127.0.0.1:${port}`;
  const api = new ApiClient(base, cfg.auth, `http://127.0.0.1:${opsPort}`);
  const admin = api.admin();
  const startsAt = Date.now() - 1000;
  const sale = (saleId: string, stock: number) => ({
    skuId: `sku-${saleId}`,
    stock,
    perUserLimit: 1_000_000,
    shards: 4,
    startsAt: new Date(startsAt).toISOString(),
    endsAt: new Date(startsAt + 3_600_000).toISOString(),
  });
  // Reject path: sold out, the flag set on this gateway by one SOLD_OUT from Redis.
  const rejectSale = `adm-rej-${rid()}`;
  check(
    "create reject sale",
    await api.call("PUT", `/v1/admin/sales/${rejectSale}`, { headers: admin, body: sale(rejectSale, 1) }),
    201,
  );
  await api.storefront("buyer-0").placeOrder(rejectSale, { quantity: 1 });
  await expectSoldOut(
    "admission-overhead setup: order by buyer-1",
    api.storefront("buyer-1").placeOrder(rejectSale, { quantity: 1 }),
  );
  // Live path: stock for every buyer, a token each, issued through the API (so stored in Redis).
  const liveSale = `adm-live-${rid()}`;
  check(
    "create live sale",
    await api.call("PUT", `/v1/admin/sales/${liveSale}`, { headers: admin, body: sale(liveSale, 1_000_000) }),
    201,
  );
  return { label: s.label, env: s.env, child, port, opsPort, rejectSale, liveSale };
}

/** Each side's request pools: every buyer once on the sold-out sale and once, with a token of its own, on the live one. */
async function requestPools(cfg: Config, gws: Gw[], jwts: string[]): Promise<Pools> {
  const minter = new PurchaseTokens(cfg.auth.userJwtSecret);
  const requests = new Map<Gw, { reject: LoadJob["requests"]; live: LoadJob["requests"] }>();
  for (const g of gws) {
    const base = `http://127.0.0.1:${g.port}`;
    const api = new ApiClient(base, cfg.auth, `http://127.0.0.1:${g.opsPort}`);
    const liveTokens: string[] = [];
    for (let i = 0; i < BUYERS; i += 50) {
      const batch = await Promise.all(
        jwts.slice(i, i + 50).map(async (jwt, j) => {
          const tok = await api.call("POST", `/v1/sales/${g.liveSale}/tokens`, {
            headers: { authorization: `Bearer ${jwt}`, "x-forwarded-for": xff(i + j) },
          });
          check("live token", tok, 201);
          return tok.body.token as string;
        }),
      );
      liveTokens.push(...batch);
    }
    const req = (saleId: string, i: number, token: string) => ({
      method: "POST",
      path: `/v1/sales/${saleId}/orders`,
      headers: {
        authorization: `Bearer ${jwts[i]}`,
        "idempotency-key": token,
        "content-type": "application/json",
        "x-forwarded-for": xff(i),
      },
      body: JSON.stringify({ quantity: 1 }),
    });
    requests.set(g, {
      reject: jwts.map((_, i) => req(g.rejectSale, i, minter.mint(g.rejectSale, `buyer-${i}`, Date.now() + 3_600_000))),
      live: jwts.map((_, i) => req(g.liveSale, i, liveTokens[i]!)),
    });
  }
  return requests;
}

/** ROUNDS interleaved runs of each path against each side, every answer checked to be the path's status. */
async function measure(load: TsChild, gws: Gw[], requests: Pools): Promise<Map<string, Sample[]>> {
  const samples = new Map<string, Sample[]>();
  for (const path of ["reject", "live"] as const) {
    const want = path === "reject" ? "409" : "202";
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so neither always runs on a warmer (or busier) machine.
      for (const g of round % 2 ? [...gws].reverse() : gws) {
        load.send({
          url: `http://127.0.0.1:${g.port}`,
          connections: CONNECTIONS,
          warmupSeconds: WARMUP_SECONDS,
          seconds: SECONDS,
          requests: requests.get(g)![path],
        } satisfies LoadJob);
        await load.next<{ phase: string }>();
        const cpu0 = cpuSeconds(g.child.pid);
        const t0 = process.hrtime.bigint();
        await load.next<{ phase: string }>();
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        const serverCpu = cpuSeconds(g.child.pid) - cpu0;
        const r = await load.next<LoadResult>();
        const answers = Object.values(r.statusCounts).reduce((a, b) => a + b, 0);
        const other = answers - (r.statusCounts[want] ?? 0);
        if (other > 0 || r.errors > 0 || r.timeouts > 0) {
          throw new Error(
            `admission-overhead: ${g.label} ${path}: ${other} answers other than ${want} (${JSON.stringify(r.statusCounts)}), ${r.errors} errors, ${r.timeouts} timeouts`,
          );
        }
        const key = `${g.label}/${path}`;
        if (!samples.has(key)) samples.set(key, []);
        samples.get(key)!.push({
          opsPerSec: r.rps,
          ops: r.requests,
          seconds: r.seconds,
          latencyMs: r.latencyMs,
          serverBusy: serverCpu / wall,
          serverCpuUsPerRequest: (serverCpu * 1e6) / r.requests,
        });
      }
    }
  }
  return samples;
}

/** The reject path's on÷off ratio, the live path beside it, and the capacity ratios from server CPU per request. */
function result(samples: Map<string, Sample[]>) {
  const s = (label: string, path: string) => side(`${label} ${path}`, samples.get(`${label}/${path}`)!);
  const cpuPerRequest = (label: string, path: string) =>
    Math.min(...samples.get(`${label}/${path}`)!.map((x) => x.serverCpuUsPerRequest as number));
  const [onReject, offReject, onLive, offLive] = [
    s("admission-on", "reject"),
    s("admission-off", "reject"),
    s("admission-on", "live"),
    s("admission-off", "live"),
  ];
  const busy = Math.min(...[...samples.values()].flat().map((x) => x.serverBusy!));
  return {
    unit: "requests/s",
    candidate: onReject,
    baseline: offReject,
    references: [onLive, offLive],
    extraRatios: {
      "reject capacity (CPU/request off÷on)":
        cpuPerRequest("admission-off", "reject") / cpuPerRequest("admission-on", "reject"),
      "live on÷off": onLive.opsPerSec / offLive.opsPerSec,
      "live capacity (CPU/request off÷on)":
        cpuPerRequest("admission-off", "live") / cpuPerRequest("admission-on", "live"),
    },
    warnings:
      busy < 0.9
        ? [
            `load-bound: a server core was as little as ${(busy * 100).toFixed(0)}% busy, so req/s understates the difference; see the capacity ratios`,
          ]
        : [],
    details: {
      serverCpuUsPerRequest: Object.fromEntries(
        ["reject", "live"].flatMap((p) =>
          ["admission-on", "admission-off"].map((l) => [`${l}/${p}`, cpuPerRequest(l, p)]),
        ),
      ),
      validationUsPerBody: validationCost(),
      switches: { on: ON, off: OFF },
      rounds: ROUNDS,
      secondsPerRun: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      buyers: BUYERS,
      clientAddresses: CLIENT_IPS,
      pinned: pinningAvailable() ? { server: SERVER_CORE, load: LOAD_CORE } : false,
      loadGenerator: "autocannon (one process)",
    },
  };
}

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signBuyerJwt } from "../src/admission/auth.js";
import { PurchaseTokens } from "../src/admission/purchase-token.js";
import type { Config } from "../src/config/schema.js";
import { createRedis } from "../src/redis/client.js";
import type { Redis } from "ioredis";
import type { LoadJob, LoadResult } from "./clients/http-load.js";
import { runWrk, wrkAvailable, type WrkResult } from "./clients/wrk.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, benchEnv, rid } from "./lib/config.js";
import { compiledScript, cpuSeconds, LOAD_CORE, pinningAvailable, SERVER_CORE, TsChild } from "./lib/proc.js";
import { dropPrefix } from "./lib/redis.js";
import { ApiClient, expectSoldOut, expectStatus } from "../support/api-client.js";

/**
 * The sold-out reject path over HTTP: a gateway whose sale is sold out, with its local sold-out flag set,
 * against a bare uWS hello-world (and node:http as a second reference) answering the same 409.
 *
 * Every server runs in its own process pinned to the server core; autocannon runs in one process pinned to
 * the load core and sends all of them the same requests: POST /v1/sales/{id}/orders from a pool of buyers,
 * each with a valid JWT, a purchase token minted for them as Idempotency-Key and {"quantity":1}. Rounds
 * interleave the servers (G U N G U N ...) and each side's best round is its figure.
 *
 * The flag normally lives soldOut.ttlMs = 2 s, after which one request per gateway goes to Redis again and
 * re-sets it. Here the TTL is 10 minutes, so every measured request is answered from the flag; the run
 * checks that by the gateway's own short-circuit counter, and fails on any answer other than 409.
 *
 * Where `wrk` is on PATH, the gateway and the uWS hello-world are then driven by wrk as well (same request
 * pool, same connections, pinned to the load core, ROUNDS interleaved runs each of SECONDS, no warm-up
 * window: the servers are warm by then). wrk needs much less CPU per request than autocannon, so it keeps
 * the server core busier; its req/s ratio and its CPU-per-request ratio are reported beside autocannon's.
 * Without wrk those figures are skipped with a note.
 *
 * BENCH_PROFILE=1 has the gateway write a V8 CPU profile (--cpu-prof) into a temporary folder, named in the
 * result file; BENCH_PROFILE_INTERVAL_US sets its sampling interval (default 250 µs; V8's own is 1000).
 */
/** The load of a reject-path run, shared by the benches measured against it (room-poll). */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const SECONDS = 4;
export const WARMUP_SECONDS = 1;
export const CONNECTIONS = 64;
export const BUYERS = 1000;
export const FLAG_TTL_MS = 600_000;
const PROFILE_INTERVAL_US = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 250);

/** With BENCH_PROFILE set: a temporary folder for the gateway's V8 CPU profile and the node flags writing it. */
export function gatewayProfile(prefix: string): { dir: string | undefined; nodeArgs: string[] } {
  if (!process.env.BENCH_PROFILE) return { dir: undefined, nodeArgs: [] };
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, nodeArgs: ["--cpu-prof", `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${PROFILE_INTERVAL_US}`] };
}

interface Target {
  label: string;
  script: string;
}

const GATEWAY: Target = { label: "gateway", script: compiledScript("bench/servers/gateway-server.ts") };
const UWS: Target = { label: "uws-hello", script: compiledScript("bench/servers/uws-hello.ts") };
const NODE_HTTP: Target = { label: "node-http-hello", script: compiledScript("bench/servers/node-hello.ts") };

const expect = (what: string, got: { status: number; body: any }, status: number, code?: string) =>
  expectStatus(`reject-path setup: ${what}`, got, status, code);

/** A gateway child and its ports, as gateway-server.ts prints them. */
export interface GatewayChild {
  child: TsChild;
  port: number;
  opsPort?: number;
}
type Servers = Map<Target, GatewayChild>;
type WrkSample = WrkResult & { serverCpuUsPerRequest: number; serverBusy: number };
/** The gateway's count of answers from its sold-out flag. */
type ShortCircuits = () => Promise<number>;

export const rejectPath: Benchmark = {
  name: "reject-path",
  description: "sold-out 409 over HTTP, gateway req/s ÷ bare uWS hello-world req/s",
  target: 0.6,
  async run() {
    const env = benchEnv({ FLASHSALE__SOLDOUT__TTLMS: String(FLAG_TTL_MS) });
    const cfg = benchConfig(env);
    if (cfg.redis.mode !== "standalone") throw new Error("reject-path runs against standalone Redis");
    const servers: Servers = new Map();
    let load: TsChild | undefined;
    try {
      const { dir: profileDir, nodeArgs: profile } = gatewayProfile("gateway-cpu-prof-");
      for (const t of [GATEWAY, UWS, NODE_HTTP]) {
        const child = new TsChild(t.script, { core: SERVER_CORE, env, nodeArgs: t === GATEWAY ? profile : [] });
        servers.set(t, { child, ...(await child.next<{ port: number; opsPort?: number }>()) });
      }
      const { requests, shortCircuits } = await soldOutSale(cfg, servers.get(GATEWAY)!);
      load = new TsChild(compiledScript("bench/clients/http-load.ts"), { core: LOAD_CORE });
      const scBefore = await shortCircuits();
      const { samples, gatewayRequests } = await autocannonRounds(load, servers, requests);
      // Every answer autocannon counted (warm-ups included) must have come from the flag; the counter may
      // be a little higher, as requests in flight when a run stops are answered but not counted.
      const answeredLocally = (await shortCircuits()) - scBefore;
      if (answeredLocally < gatewayRequests) {
        throw new Error(
          `reject-path: only ${answeredLocally} of ${gatewayRequests} gateway answers came from the sold-out flag`,
        );
      }
      const wrkSamples = wrkAvailable()
        ? await wrkRounds(servers, requests, shortCircuits)
        : new Map<Target, WrkSample[]>([
            [GATEWAY, []],
            [UWS, []],
          ]);
      return result(samples, wrkSamples, gatewayRequests, answeredLocally, profileDir);
    } finally {
      await load?.stop();
      for (const { child } of servers.values()) await child.stop();
      const redis = createRedis(cfg.redis) as Redis;
      await dropPrefix(redis, cfg.redis.keyPrefix);
      redis.disconnect();
    }
  },
};

/**
 * A sold-out sale with the gateway's flag set, and the request pool every server is sent: one buyer takes
 * the whole stock, the next attempt is SOLD_OUT and sets the flag; a probe checks that it did. The
 * room-poll benchmark uses it as its baseline.
 */
export async function soldOutSale(
  cfg: Config,
  gw: GatewayChild,
): Promise<{ requests: LoadJob["requests"]; shortCircuits: ShortCircuits }> {
  const api = new ApiClient(`http://127.0.0.1:${gw.port}`, cfg.auth, `http://127.0.0.1:${gw.opsPort}`);
  const admin = api.admin();
  const jwt = (sub: string) => signBuyerJwt(cfg.auth.userJwtSecret, { sub, exp: Math.floor(Date.now() / 1000) + 3600 });
  const saleId = `rej-${rid()}`;
  const startsAt = Date.now() - 1000;
  expect(
    "create sale",
    await api.call("PUT", `/v1/admin/sales/${saleId}`, {
      headers: admin,
      body: {
        skuId: `sku-${saleId}`,
        stock: 5,
        perUserLimit: 5,
        shards: 1,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + 3_600_000).toISOString(),
      },
    }),
    201,
  );
  await api.storefront("whale").placeOrder(saleId, { quantity: 5 });
  await expectSoldOut("reject-path setup: order by late", api.storefront("late").placeOrder(saleId, { quantity: 5 }));

  const tokens = new PurchaseTokens(cfg.auth.userJwtSecret);
  const requests: LoadJob["requests"] = Array.from({ length: BUYERS }, (_, i) => {
    const user = `buyer-${i}`;
    return {
      method: "POST",
      path: `/v1/sales/${saleId}/orders`,
      headers: {
        authorization: `Bearer ${jwt(user)}`,
        "idempotency-key": tokens.mint(saleId, user, Date.now() + 3_600_000),
        "content-type": "application/json",
      },
      body: JSON.stringify({ quantity: 1 }),
    };
  });
  const shortCircuits = async () => {
    gw.child.send({ cmd: "stats" });
    return (await gw.child.next<{ shortCircuits: number }>()).shortCircuits;
  };
  // The flag is set: a pool request is answered locally (the counter moves) with SOLD_OUT.
  const before = await shortCircuits();
  const probe = requests[0]!;
  expect(
    "probe",
    await api.call(probe.method, probe.path, { headers: probe.headers, body: { quantity: 1 } }),
    409,
    "SOLD_OUT",
  );
  if ((await shortCircuits()) !== before + 1) throw new Error("reject-path setup: the sold-out flag is not set");
  return { requests, shortCircuits };
}

/** ROUNDS interleaved autocannon runs against every server (G U N G U N ...), each answer checked to be a 409. */
async function autocannonRounds(
  load: TsChild,
  servers: Servers,
  requests: LoadJob["requests"],
): Promise<{ samples: Map<Target, Sample[]>; gatewayRequests: number }> {
  const samples = new Map<Target, Sample[]>([
    [GATEWAY, []],
    [UWS, []],
    [NODE_HTTP, []],
  ]);
  let gatewayRequests = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of [GATEWAY, UWS, NODE_HTTP]) {
      const { child, port } = servers.get(t)!;
      load.send({
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        requests,
      } satisfies LoadJob);
      await load.next<{ phase: string }>();
      const cpu0 = cpuSeconds(child.pid);
      const loadCpu0 = cpuSeconds(load.pid);
      const t0 = process.hrtime.bigint();
      await load.next<{ phase: string }>();
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const serverCpu = cpuSeconds(child.pid) - cpu0;
      const loadBusy = (cpuSeconds(load.pid) - loadCpu0) / wall;
      const r = await load.next<LoadResult>();
      const answers = Object.values(r.statusCounts).reduce((a, b) => a + b, 0);
      const non409 = answers - (r.statusCounts["409"] ?? 0);
      if (non409 > 0 || r.errors > 0 || r.timeouts > 0) {
        throw new Error(
          `reject-path: ${t.label} gave ${non409} answers other than 409 (${JSON.stringify(r.statusCounts)}), ${r.errors} errors, ${r.timeouts} timeouts`,
        );
      }
      if (t === GATEWAY) gatewayRequests += answers;
      samples.get(t)!.push({
        opsPerSec: r.rps,
        ops: r.requests,
        seconds: r.seconds,
        latencyMs: r.latencyMs,
        serverBusy: serverCpu / wall,
        loadBusy,
        serverCpuUsPerRequest: (serverCpu * 1e6) / r.requests,
      });
    }
  }
  return { samples, gatewayRequests };
}

/** wrk against the gateway and the uWS hello-world (where installed), ROUNDS interleaved runs. */
async function wrkRounds(
  servers: Servers,
  requests: LoadJob["requests"],
  shortCircuits: ShortCircuits,
): Promise<Map<Target, WrkSample[]>> {
  const wrkSamples = new Map<Target, WrkSample[]>([
    [GATEWAY, []],
    [UWS, []],
  ]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of [GATEWAY, UWS]) {
      const { child, port } = servers.get(t)!;
      const sc0 = t === GATEWAY ? await shortCircuits() : 0;
      const cpu0 = cpuSeconds(child.pid);
      const t0 = process.hrtime.bigint();
      const r = await runWrk({
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        seconds: SECONDS,
        core: LOAD_CORE,
        requests,
      });
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      const serverCpu = cpuSeconds(child.pid) - cpu0;
      const bad = Object.values(r.socketErrors).reduce((a, b) => a + b, 0);
      // wrk counts statuses only as "≥ 400 or not": every answer must be one, and for the gateway every one
      // must have come from the sold-out flag (whose only answer is the 409).
      if (r.statusErrors !== r.requests || bad > 0) {
        throw new Error(
          `reject-path: wrk against ${t.label}: ${r.requests - r.statusErrors} answers below 400 of ${r.requests}, socket errors ${JSON.stringify(r.socketErrors)}`,
        );
      }
      if (t === GATEWAY && (await shortCircuits()) - sc0 < r.requests)
        throw new Error("reject-path: wrk answers from the gateway did not all come from the sold-out flag");
      wrkSamples
        .get(t)!
        .push({ ...r, serverBusy: serverCpu / wall, serverCpuUsPerRequest: (serverCpu * 1e6) / r.requests });
    }
  }
  return wrkSamples;
}

/** The outcome: each side's best round, the capacity ratios, and the details the result file keeps. */
function result(
  samples: Map<Target, Sample[]>,
  wrkSamples: Map<Target, WrkSample[]>,
  gatewayRequests: number,
  answeredLocally: number,
  profileDir: string | undefined,
) {
  const wrkBest = (t: Target, f: (s: WrkSample) => number, pick: (...v: number[]) => number) =>
    pick(...wrkSamples.get(t)!.map(f));
  const wrkRatios: Record<string, number> = wrkAvailable()
    ? {
        "wrk req/s": wrkBest(GATEWAY, (s) => s.rps, Math.max) / wrkBest(UWS, (s) => s.rps, Math.max),
        "wrk capacity (server CPU/request)":
          wrkBest(UWS, (s) => s.serverCpuUsPerRequest, Math.min) /
          wrkBest(GATEWAY, (s) => s.serverCpuUsPerRequest, Math.min),
      }
    : {};
  // autocannon on one core tops out below what a bare uWS core serves, so req/s can be load-bound; the
  // server CPU each request costs (best run of each) gives the core-for-core capacity ratio as well.
  const cpuPerRequest = (t: Target) => Math.min(...samples.get(t)!.map((x) => x.serverCpuUsPerRequest as number));
  const uwsBusy = Math.max(...samples.get(UWS)!.map((x) => x.serverBusy!));
  return {
    unit: "requests/s",
    candidate: side(GATEWAY.label, samples.get(GATEWAY)!),
    baseline: side(UWS.label, samples.get(UWS)!),
    references: [side(NODE_HTTP.label, samples.get(NODE_HTTP)!)],
    extraRatios: { "capacity (server CPU/request)": cpuPerRequest(UWS) / cpuPerRequest(GATEWAY), ...wrkRatios },
    warnings: [
      ...(uwsBusy < 0.9
        ? [
            `load-bound: the uWS hello core was at most ${(uwsBusy * 100).toFixed(0)}% busy under autocannon, so its req/s ratio understates the gap; see the capacity ratio`,
          ]
        : []),
      ...(wrkAvailable() ? [] : ["wrk is not on PATH: the wrk figures were skipped"]),
    ],
    details: {
      serverCpuUsPerRequest: Object.fromEntries([GATEWAY, UWS, NODE_HTTP].map((t) => [t.label, cpuPerRequest(t)])),
      rounds: ROUNDS,
      secondsPerRun: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      buyers: BUYERS,
      soldOutTtlMs: FLAG_TTL_MS,
      pinned: pinningAvailable() ? { server: SERVER_CORE, load: LOAD_CORE } : false,
      gatewayRequestsAnswered: gatewayRequests,
      gatewayAnsweredFromFlag: answeredLocally,
      loadGenerator: "autocannon (one process)",
      wrk: wrkAvailable()
        ? Object.fromEntries(
            [GATEWAY, UWS].map((t) => [
              t.label,
              wrkSamples.get(t)!.map((s) => ({
                rps: s.rps,
                requests: s.requests,
                seconds: s.seconds,
                latencyMs: s.latencyMs,
                serverBusy: s.serverBusy,
                serverCpuUsPerRequest: s.serverCpuUsPerRequest,
              })),
            ]),
          )
        : "skipped: wrk is not on PATH",
      ...(profileDir ? { gatewayCpuProfileDir: profileDir } : {}),
    },
  };
}

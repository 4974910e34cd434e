import { signBuyerJwt } from "../src/admission/auth.js";
import type { Config } from "../src/config/schema.js";
import { createRedis } from "../src/redis/client.js";
import type { Redis } from "ioredis";
import type { LoadJob, LoadResult } from "./clients/http-load.js";
import { runWrk, wrkAvailable } from "./clients/wrk.js";
import { side, type Benchmark, type Sample } from "./lib/benchmark.js";
import { benchConfig, benchEnv, rid } from "./lib/config.js";
import { compiledScript, cpuSeconds, LOAD_CORE, pinningAvailable, SERVER_CORE, TsChild } from "./lib/proc.js";
import { dropPrefix } from "./lib/redis.js";
import {
  BUYERS,
  CONNECTIONS,
  FLAG_TTL_MS,
  gatewayProfile,
  ROUNDS,
  SECONDS,
  soldOutSale,
  WARMUP_SECONDS,
  type GatewayChild,
} from "./reject-path.js";
import { ApiClient, expectStatus } from "../support/api-client.js";
import { proofFor } from "../support/pow-answer.js";

/**
 * Waiting-room polls against the sold-out reject path, on one gateway, by the server CPU each answer costs.
 *
 * One gateway (Redis alone, pinned to the server core) holds two sales: a sold-out one with its local flag
 * set (the reject path of `reject-path`) and a live one with a waiting room, joined by BUYERS buyers after
 * the start (so each ticket carries its place) and admitting nobody of them: stock 5, overbooking 1, an
 * admission window of an hour, and the polled buyers' places start past 100. Their polls are steady-state
 * WAITING answers: the ticket's HMAC checked, the state read from the gateway's copy of the room's progress,
 * no Redis command. Each side's pool holds distinct buyers (a JWT each; the polls a ticket each).
 *
 * The load generator is wrk where it is installed (C, one thread on the load core: it keeps the server core
 * busier than autocannon, so it is not the bottleneck), else autocannon. Rounds interleave the sides
 * (R P R P ...). The ratio is requests per server-CPU-second, poll ÷ reject (best round each); the req/s
 * ratio is printed beside it. BENCH_PROFILE=1 has the gateway write a V8 CPU profile (path printed). Every answer is checked: 409 for the rejects (and every one from the flag),
 * 200 for the polls, and a sample of polls before and after says WAITING with a place.
 */
/** Joined first and never polled: the places admission could reach stay out of the pool. */
const FRONT = 100;

type Pool = LoadJob["requests"];
type SideName = "reject" | "poll";
interface Run {
  requests: number;
  seconds: number;
  rps: number;
  latencyMs: Sample["latencyMs"];
  /** Answers other than the side's expected status (checked to be 0). */
  unexpected: number;
  /** The gateway's CPU seconds and the wall seconds over the measured window. */
  cpu: number;
  wall: number;
  detail: string;
}

const expect = (what: string, got: { status: number; body: any }, status: number, code?: string) =>
  expectStatus(`room-poll setup: ${what}`, got, status, code);

export const roomPoll: Benchmark = {
  name: "room-poll",
  description: "waiting-room polls ÷ the sold-out reject path, requests per server CPU second, one gateway",
  target: 0.8,
  async run() {
    // A small proof of work: the joins are setup, not what is measured.
    const env = benchEnv({
      FLASHSALE__SOLDOUT__TTLMS: String(FLAG_TTL_MS),
      FLASHSALE__ADMISSION__PROOFOFWORK__FLOOR: "50",
      FLASHSALE__ADMISSION__PROOFOFWORK__CEILING: "100",
    });
    const cfg = benchConfig(env);
    if (cfg.redis.mode !== "standalone") throw new Error("room-poll runs against standalone Redis");
    let gateway: TsChild | undefined;
    let load: TsChild | undefined;
    try {
      const { dir: profileDir, nodeArgs } = gatewayProfile("room-poll-cpu-prof-");
      if (profileDir) process.stdout.write(`room-poll: the gateway's CPU profile goes to ${profileDir}\n`);
      gateway = new TsChild(compiledScript("bench/servers/gateway-server.ts"), { core: SERVER_CORE, env, nodeArgs });
      const gw: GatewayChild = { child: gateway, ...(await gateway.next<{ port: number; opsPort?: number }>()) };
      const reject = await soldOutSale(cfg, gw);
      const polls = await roomSale(cfg, gw);
      const useWrk = wrkAvailable();
      if (!useWrk) load = new TsChild(compiledScript("bench/clients/http-load.ts"), { core: LOAD_CORE });
      const pid = gateway.pid;
      const drive = (pool: Pool, s: SideName) =>
        useWrk ? wrkRun(pid, gw.port, pool, s) : autocannonRun(load!, pid, gw.port, pool, s);
      const samples = new Map<SideName, Sample[]>([
        ["reject", []],
        ["poll", []],
      ]);
      const sc0 = await reject.shortCircuits();
      let rejects = 0;
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, pool] of [
          ["reject", reject.requests],
          ["poll", polls.requests],
        ] as const) {
          const r = await drive(pool, name);
          if (r.unexpected > 0) throw new Error(`room-poll: ${name}: ${r.unexpected} unexpected answers (${r.detail})`);
          if (name === "reject") rejects += r.requests;
          samples.get(name)!.push(sample(r));
        }
      }
      if ((await reject.shortCircuits()) - sc0 < rejects)
        throw new Error("room-poll: some reject-path answers did not come from the sold-out flag");
      await polls.check();
      return outcome(samples, useWrk);
    } finally {
      await load?.stop();
      await gateway?.stop();
      const redis = createRedis(cfg.redis) as Redis;
      await dropPrefix(redis, cfg.redis.keyPrefix);
      redis.disconnect();
    }
  },
};

/** One round of one side; with wrk the CPU is read around the whole run (wrk has no warm-up window). */
function sample(r: Run): Sample {
  const perRequest = r.cpu / Math.max(1, r.requests);
  return {
    // The headline figure: answers per second of server CPU.
    opsPerSec: 1 / perRequest,
    ops: r.requests,
    seconds: r.seconds,
    latencyMs: r.latencyMs,
    serverBusy: r.cpu / r.wall,
    rps: r.rps,
    serverCpuUsPerRequest: perRequest * 1e6,
  };
}

async function wrkRun(pid: number, port: number, pool: Pool, s: SideName): Promise<Run> {
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  const r = await runWrk({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    seconds: SECONDS,
    core: LOAD_CORE,
    requests: pool,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const socket = Object.values(r.socketErrors).reduce((a, b) => a + b, 0);
  // wrk only tells "≥ 400 or not": every reject must be one, no poll.
  const wrong = s === "reject" ? r.requests - r.statusErrors : r.statusErrors;
  return {
    requests: r.requests,
    seconds: r.seconds,
    rps: r.rps,
    latencyMs: { ...r.latencyMs } as Sample["latencyMs"],
    unexpected: wrong + socket,
    cpu,
    wall,
    detail: `wrk: ${r.statusErrors} of ${r.requests} answers ≥ 400, socket errors ${JSON.stringify(r.socketErrors)}`,
  };
}

async function autocannonRun(load: TsChild, pid: number, port: number, pool: Pool, s: SideName): Promise<Run> {
  load.send({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    warmupSeconds: WARMUP_SECONDS,
    seconds: SECONDS,
    requests: pool,
  } satisfies LoadJob);
  await load.next<{ phase: string }>();
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  await load.next<{ phase: string }>();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const r = await load.next<LoadResult>();
  const answers = Object.values(r.statusCounts).reduce((a, b) => a + b, 0);
  const expected = r.statusCounts[s === "reject" ? "409" : "200"] ?? 0;
  return {
    requests: r.requests,
    seconds: r.seconds,
    rps: r.rps,
    latencyMs: r.latencyMs,
    unexpected: answers - expected + r.errors + r.timeouts,
    cpu,
    wall,
    detail: `autocannon: ${JSON.stringify(r.statusCounts)}, ${r.errors} errors, ${r.timeouts} timeouts`,
  };
}

/** A started room sale that admits none of the polled buyers, their poll requests, and a check of the answers. */
async function roomSale(cfg: Config, gw: GatewayChild): Promise<{ requests: Pool; check: () => Promise<void> }> {
  const api = new ApiClient(`http://127.0.0.1:${gw.port}`, cfg.auth, `http://127.0.0.1:${gw.opsPort}`);
  const jwt = (sub: string) => signBuyerJwt(cfg.auth.userJwtSecret, { sub, exp: Math.floor(Date.now() / 1000) + 3600 });
  const saleId = `poll-${rid()}`;
  const startsAt = Date.now() - 1000;
  expect(
    "create room sale",
    await api.call("PUT", `/v1/admin/sales/${saleId}`, {
      headers: api.admin(),
      body: {
        skuId: `sku-${saleId}`,
        stock: 5,
        perUserLimit: 1,
        shards: 1,
        startsAt: new Date(startsAt).toISOString(),
        endsAt: new Date(startsAt + 3_600_000).toISOString(),
        waitingRoom: { admissionTtlSeconds: 3600, admitPerSecond: 1, maxOverbook: 1 },
      },
    }),
    201,
  );
  const requests: Pool = [];
  for (let i = 0; i < FRONT + BUYERS; i++) {
    const user = `waiter-${i}`;
    const headers = { authorization: `Bearer ${jwt(user)}` };
    const challenge = await api.call("GET", `/v1/sales/${saleId}/queue/challenge`, { headers });
    expect(`challenge for ${user}`, challenge, 200);
    const proof = proofFor(challenge.body);
    const r = await api.call("POST", `/v1/sales/${saleId}/queue`, { headers, body: { proof } });
    expect(`join ${user}`, r, 201);
    if (i >= FRONT)
      requests.push({
        method: "GET",
        path: `/v1/sales/${saleId}/queue`,
        headers: { ...headers, "queue-ticket": r.body.ticket },
      });
  }
  const check = async () => {
    for (const req of [requests[0]!, requests.at(-1)!]) {
      const r = await api.call("GET", req.path, { headers: req.headers });
      expect("poll", r, 200);
      if (r.body.state !== "WAITING" || !(r.body.place > FRONT))
        throw new Error(`room-poll: a polled buyer is not WAITING past place ${FRONT}: ${JSON.stringify(r.body)}`);
    }
  };
  await check();
  return { requests, check };
}

function outcome(samples: Map<SideName, Sample[]>, useWrk: boolean) {
  const best = (s: SideName, f: (x: Sample) => number) => Math.max(...samples.get(s)!.map(f));
  const busy = Math.min(
    best("poll", (x) => x.serverBusy!),
    best("reject", (x) => x.serverBusy!),
  );
  return {
    unit: "answers per server CPU second",
    candidate: side("room poll", samples.get("poll")!),
    baseline: side("sold-out reject", samples.get("reject")!),
    extraRatios: { "req/s": best("poll", (x) => x.rps as number) / best("reject", (x) => x.rps as number) },
    warnings: [
      ...(busy < 0.8
        ? [
            `the server core was at most ${(busy * 100).toFixed(0)}% busy on one side: the machine, not the gateway, set the pace`,
          ]
        : []),
      ...(useWrk ? [] : ["wrk is not on PATH: autocannon drove both sides"]),
    ],
    details: {
      loadGenerator: useWrk ? "wrk (one thread, load core)" : "autocannon (one process, load core)",
      serverCpuUsPerRequest: {
        poll: Math.min(...samples.get("poll")!.map((x) => x.serverCpuUsPerRequest as number)),
        reject: Math.min(...samples.get("reject")!.map((x) => x.serverCpuUsPerRequest as number)),
      },
      rounds: ROUNDS,
      secondsPerRun: SECONDS,
      connections: CONNECTIONS,
      buyersPerSide: BUYERS,
      pinned: pinningAvailable() ? { server: SERVER_CORE, load: LOAD_CORE } : false,
    },
  };
}

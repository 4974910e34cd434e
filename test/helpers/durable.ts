import { setTimeout as sleep } from "node:timers/promises";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { ensureGatewayTopics } from "../../stack/rocketmq.js";
import { ROOT } from "../../stack/proc.js";
import type { Producer } from "rocketmq-client-nodejs";
import { deepMerge } from "../../src/config/load.js";
import { GatewayProcess, type ProcessOptions } from "../../src/gateway-process.js";
import { quietLogger, rmq } from "../../src/messaging/rocketmq.js";
import type { Config } from "../../src/config/schema.js";
import type { CrashPoint } from "../../src/util/crash-point.js";
import { OrderRepository } from "../../src/persistence/order-repository.js";
import { dropTestDatabases, testMysqlConfig } from "../persistence/mysql-test-db.js";
import { TcpProxy } from "./tcp-proxy.js";
import { Api, apiFor, rid, testConfig, type RedisMode } from "./env.js";

/** A config with its own MySQL databases, RocketMQ topic and consumer group, and Redis key prefix. */
export async function durableConfig(
  mode: RedisMode = "standalone",
  extra: Record<string, unknown> = {},
): Promise<Config> {
  const tag = rid(4);
  const topics = {
    orderTopic: `fs-test-${tag}`,
    eventTopic: `fs-test-events-${tag}`,
    timeoutTopic: `fs-test-timers-${tag}`,
  };
  await ensureGatewayTopics(topics, 30_000);
  // Deep: `extra.rocketmq.consumer` (say) must not take away this test's own topics and groups.
  const own = {
    mysql: testMysqlConfig(),
    rocketmq: {
      ...topics,
      consumerGroup: `fs-test-writer-${tag}`,
      timeoutGroup: `fs-test-timers-${tag}`,
      consumer: { retryForMs: 120_000 },
    },
    sweeper: { intervalMs: 1000, persistAfterMs: 60_000 },
  };
  return testConfig(mode, deepMerge(own as never, extra as never) as never);
}

/** A TCP proxy in front of the MySQL server of the config (whose shards share one server). */
export async function mysqlProxy(cfg: Config): Promise<TcpProxy> {
  const real = cfg.mysql.shards[0]!;
  return new TcpProxy({ host: real.host, port: real.port }).start();
}

/** The config with every MySQL shard reached through `proxy` (so cutting it cuts them all). */
export function throughProxy(cfg: Config, proxy: TcpProxy): Config {
  return { ...cfg, mysql: { ...cfg.mysql, shards: cfg.mysql.shards.map((s) => ({ ...s, port: proxy.port })) } };
}

export async function startApp(
  cfg: Config,
  opts: Omit<ProcessOptions, "port" | "opsPort"> = {},
): Promise<{ app: GatewayProcess; api: Api; repo: OrderRepository }> {
  const app = await GatewayProcess.start(cfg, { ...opts, port: 0, opsPort: 0 });
  return { app, api: apiFor(app, cfg), repo: app.repo };
}

export async function stopApp(app: GatewayProcess | undefined, cfg: Config | undefined): Promise<void> {
  await app?.close();
  if (cfg) await dropTestDatabases(cfg.mysql);
}

/**
 * A bare transactional producer on the config's topic, standing in for another gateway (or a broken one):
 * `resolve` is its back-check answer (undefined = "ask again").
 */
export async function testProducer(cfg: Config, resolve: number | undefined): Promise<Producer> {
  const producer = new rmq.Producer({
    endpoints: cfg.rocketmq.endpoints,
    namespace: "",
    topics: [cfg.rocketmq.orderTopic],
    logger: quietLogger("test"),
    checker: { check: async () => resolve as never },
  });
  await producer.startup();
  return producer;
}

/** Polls until `check` holds; fails after `timeoutMs` with the last value seen. */
export async function eventually<T>(
  what: string,
  get: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await get();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

/** The process entries: `main.ts` (npm start) and `writer-main.ts` (npm run writer). */
export type Entry = "main.ts" | "writer-main.ts";

/**
 * A process entry as a child with this config, logging at info at least (start-up lines such as
 * "listening on" are read from it), its stderr collected; `env` adds variables; `node` is the Node binary
 * (this test's own by default).
 */
export function spawnEntry(
  entry: Entry,
  cfg: Config,
  env: Record<string, string> = {},
  node = process.execPath,
): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string } {
  const overlay = join(mkdtempSync(join(tmpdir(), "fs-child-")), "config.json");
  const level = cfg.log.level === "debug" || cfg.log.level === "trace" ? cfg.log.level : "info";
  writeFileSync(overlay, JSON.stringify({ ...cfg, log: { ...cfg.log, level } }));
  const child = spawn(node, ["--import", "tsx", join(ROOT, "src", entry)], {
    cwd: ROOT,
    env: { ...process.env, FLASHSALE_CONFIG: overlay, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => child.on("exit", (code, sig) => r(sig ? -1 : code)));
  return { child, exited, stderr: () => err };
}

/**
 * Runs an entry point that is expected to stop on its own (a refused start), on port 0, killed after 25 s:
 * its exit code and its stderr lines, each parsed as JSON (a bare stack trace or a library's own printout
 * fails the parse).
 */
export async function runToExit<L>(
  entry: Entry,
  cfg: Config,
  env: Record<string, string> = {},
): Promise<{ code: number | null; lines: L[] }> {
  const { child, exited, stderr } = spawnEntry(entry, { ...cfg, server: { ...cfg.server, port: 0 } }, env);
  const timer = setTimeout(() => child.kill("SIGKILL"), 25_000);
  const code = await exited;
  clearTimeout(timer);
  const lines = stderr()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as L);
  return { code, lines };
}

/**
 * A gateway in a child process (npm start's entry), to be killed or to kill itself: with `crashAt` it
 * SIGKILLs itself there; `writer` runs the order writer, timers and outbox relay in it too (default off);
 * `env` adds variables (a grpc_proxy that routes its RocketMQ traffic through a test proxy, say).
 */
export async function spawnGateway(
  cfg: Config,
  opts: { crashAt?: CrashPoint; writer?: boolean; env?: Record<string, string> } = {},
): Promise<{ child: ChildProcess; api: Api; exited: Promise<number | null>; stderr: () => string }> {
  const childCfg = {
    ...cfg,
    server: { ...cfg.server, port: 0, workers: 1 },
    rocketmq: { ...cfg.rocketmq, consumer: { ...cfg.rocketmq.consumer, enabled: opts.writer ?? false } },
  };
  const { child, exited, stderr } = spawnEntry("main.ts", childCfg, {
    FLASHSALE_FAULT: opts.crashAt ?? "",
    FLASHSALE_RMQ_LOG: "silent",
    ...opts.env,
  });
  const ports = await new Promise<{ port: number; opsPort: number }>((resolve, reject) => {
    child.stderr!.on("data", () => {
      const m = /listening on [^:]+:(\d+); ops [^:]+:(\d+)/.exec(stderr());
      if (m) resolve({ port: Number(m[1]), opsPort: Number(m[2]) });
    });
    // A crash point may be reached before the HTTP port is even open (the relay starts first).
    child.on("exit", () =>
      opts.crashAt ? resolve({ port: 0, opsPort: 0 }) : reject(new Error(`child gateway exited early: ${stderr()}`)),
    );
  });
  return { child, api: apiFor(ports, cfg), exited, stderr };
}

/**
 * durableConfig on another RocketMQ than the shared one (a private instance a fault test may kill): the
 * topics are created on its name server and the gateway's clients go to its proxy.
 */
export async function durableConfigOn(
  broker: {
    endpoints: string;
    namesrv: string;
    ensureGatewayTopics(
      t: { orderTopic: string; eventTopic: string; timeoutTopic: string },
      timeoutMs?: number,
    ): Promise<void>;
  },
  extra: Record<string, unknown> = {},
): Promise<Config> {
  const tag = rid(4);
  const topics = {
    orderTopic: `fs-test-${tag}`,
    eventTopic: `fs-test-events-${tag}`,
    timeoutTopic: `fs-test-timers-${tag}`,
  };
  await broker.ensureGatewayTopics(topics, 60_000);
  return testConfig("standalone", {
    mysql: testMysqlConfig(),
    rocketmq: {
      ...topics,
      endpoints: broker.endpoints,
      namesrv: broker.namesrv,
      consumerGroup: `fs-test-writer-${tag}`,
      timeoutGroup: `fs-test-timers-${tag}`,
      consumer: { retryForMs: 120_000 },
    },
    sweeper: { intervalMs: 1000, persistAfterMs: 60_000 },
    ...extra,
  } as never);
}

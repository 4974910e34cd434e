import { setTimeout as sleep } from "node:timers/promises";
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/config/load.js";
import { freePort, isAlive, isListening, log, spawnDaemon, STACK_DIR, stopPid, waitFor, which } from "./proc.js";
import type { Service } from "./service.js";

/** Our manifest and config templates. */
const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), "rocketmq");
const POM = join(TEMPLATES, "pom.xml");
/** ROCKETMQ_HOME and user.home of every RocketMQ JVM: conf/, store/, namesrv/ and logs/rocketmqlogs/. */
const HOME = join(STACK_DIR, "rocketmq");
const CLUSTER = "DefaultCluster";
const JAVA_OPENS = ["--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"];

export type TopicType = "TRANSACTION" | "NORMAL" | "DELAY" | "FIFO";

interface Endpoint {
  host: string;
  port: number;
}

function rocketmqVersion(): string {
  const m = /<rocketmq\.version>([^<]+)<\/rocketmq\.version>/.exec(readFileSync(POM, "utf8"));
  if (!m) throw new Error(`${POM} does not define <rocketmq.version>`);
  return m[1]!;
}

function parseHostPort(value: string): Endpoint {
  const i = value.lastIndexOf(":");
  const host = value.slice(0, i);
  return { host: host === "localhost" ? "127.0.0.1" : host, port: Number(value.slice(i + 1)) };
}

const isLocal = (e: Endpoint) => e.host === "127.0.0.1";

function endpoints(): { namesrv: Endpoint; grpc: Endpoint; orderTopic: string; eventTopic: string; timeoutTopic: string } {
  const { rocketmq } = loadConfig();
  return {
    namesrv: parseHostPort(rocketmq.namesrv),
    grpc: parseHostPort(rocketmq.endpoints),
    orderTopic: rocketmq.orderTopic,
    eventTopic: rocketmq.eventTopic,
    timeoutTopic: rocketmq.timeoutTopic,
  };
}

/** The gateway's three topics: orders (transactional), order events (normal), payment timers (delay). */
export async function ensureGatewayTopics(t: { orderTopic: string; eventTopic: string; timeoutTopic: string }, timeoutMs = 60_000): Promise<void> {
  await Promise.all([
    ensureTopic(t.orderTopic, "TRANSACTION", { timeoutMs }),
    ensureTopic(t.eventTopic, "NORMAL", { timeoutMs }),
    ensureTopic(t.timeoutTopic, "DELAY", { timeoutMs }),
  ]);
}

function requireBinary(cmd: string, hint: string): string {
  const bin = which(cmd);
  if (!bin) throw new Error(`${cmd} is not installed: ${hint}`);
  return bin;
}

const javaBinary = () => requireBinary("java", "apt-get install -y openjdk-17-jre-headless (Java 17)");

/**
 * The jars live in a per-user cache, outside the repository, so fresh clones reuse them. A marker holding
 * the pom's hash is written last: an interrupted download is redone, and so is one for an edited pom.
 */
async function ensureJars(): Promise<string> {
  const version = rocketmqVersion();
  const cacheRoot = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const base = join(cacheRoot, "flashsale-gateway", `rocketmq-${version}`);
  const lib = join(base, "lib");
  const marker = join(base, "lib.complete");
  const pomHash = createHash("sha256").update(readFileSync(POM)).digest("hex");
  if (existsSync(lib) && existsSync(marker) && readFileSync(marker, "utf8").trim() === pomHash) return lib;

  const mvn = requireBinary("mvn", "apt-get install -y maven (and Maven Central must be reachable)");
  javaBinary();
  const partial = join(base, `lib.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  log(`rocketmq: downloading RocketMQ ${version} jars with Maven into ${lib} (first run only; can take a few minutes)`);
  const started = Date.now();
  await new Promise<void>((done, fail) => {
    const child = spawn(
      mvn,
      ["-q", "-B", "-f", POM, "dependency:copy-dependencies", `-DoutputDirectory=${partial}`, "-DincludeScope=runtime"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (b: Buffer) => (output += b.toString()));
    child.stderr.on("data", (b: Buffer) => (output += b.toString()));
    const progress = setInterval(() => {
      const n = existsSync(partial) ? readdirSync(partial).length : 0;
      log(`rocketmq: Maven still resolving (${Math.round((Date.now() - started) / 1000)} s, ${n} jars copied so far)`);
    }, 10_000);
    child.on("error", (err) => {
      clearInterval(progress);
      fail(err);
    });
    child.on("exit", (code) => {
      clearInterval(progress);
      if (code === 0) done();
      else fail(new Error(`mvn dependency:copy-dependencies failed (exit ${code}):\n${output.slice(-4000)}`));
    });
  });
  rmSync(lib, { recursive: true, force: true });
  renameSync(partial, lib);
  writeFileSync(marker, `${pomHash}\n`);
  log(`rocketmq: ${readdirSync(lib).length} jars ready after ${Math.round((Date.now() - started) / 1000)} s`);
  return lib;
}

/** Fills ${NAME} placeholders of a template; a placeholder left without a value is an error. */
function render(template: string, values: Record<string, string | number>): string {
  const text = readFileSync(join(TEMPLATES, template), "utf8");
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`stack/rocketmq/${template}: no value for \${${name}}`);
    return String(values[name]);
  });
}

/** JVM options shared by the name server, the proxy and the admin tool. */
function javaArgs(lib: string, logback: string, heap: string[]): string[] {
  return [
    ...heap,
    ...JAVA_OPENS,
    // user.home decides where RocketMQ's logback files write (<home>/logs/rocketmqlogs): keep them in STACK_DIR.
    `-Duser.home=${HOME}`,
    `-Drocketmq.home.dir=${HOME}`,
    `-Drmq.logback.configurationFile=${logback}`,
    "-cp",
    join(lib, "*"),
  ];
}

const javaEnv = (): NodeJS.ProcessEnv => ({ ...process.env, ROCKETMQ_HOME: HOME });

/** The broker needs three ports: listenPort, listenPort - 2 (its "fast" channel) and the HA port. */
async function pickBrokerPort(): Promise<number> {
  for (const port of [10911, 20911, 30911, 40911]) {
    const taken = await Promise.all([port - 2, port, port + 1].map((p) => isListening(p)));
    if (!taken.some(Boolean)) return port;
  }
  throw new Error("no free port set for the RocketMQ broker (tried 10911, 20911, 30911, 40911 and their -2/+1 neighbours)");
}

async function waitForPort(what: string, port: number, pid: number, logName: string, timeoutMs: number): Promise<void> {
  await waitFor(what, async () => !isAlive(pid) || (await isListening(port)), timeoutMs);
  if (!isAlive(pid)) {
    throw new Error(`${what} exited during start-up; see ${join(STACK_DIR, "logs", `${logName}.log`)} and ${join(HOME, "logs", "rocketmqlogs")}`);
  }
}

async function startNamesrv(lib: string, namesrv: Endpoint): Promise<number> {
  const conf = join(HOME, "conf", "namesrv.properties");
  writeFileSync(conf, render("namesrv.properties", { NAMESRV_PORT: namesrv.port, HOME_DIR: HOME }));
  log(`rocketmq: starting the name server on port ${namesrv.port}`);
  const pid = spawnDaemon(
    "rocketmq-namesrv",
    javaBinary(),
    [
      ...javaArgs(lib, "rmq.namesrv.logback.xml", ["-Xms128m", "-Xmx256m", "-XX:+UseSerialGC"]),
      "org.apache.rocketmq.namesrv.NamesrvStartup",
      "-c",
      conf,
    ],
    { cwd: HOME, env: javaEnv() },
  );
  await waitForPort("the RocketMQ name server", namesrv.port, pid, "rocketmq-namesrv", 60_000);
  return pid;
}

async function startProxy(lib: string, namesrv: Endpoint, grpc: Endpoint): Promise<number> {
  const brokerPort = await pickBrokerPort();
  // The proxy's remoting port defaults to 8080, the gateway's own port; nobody connects to it here.
  const remotingPort = (await isListening(8082)) ? await freePort() : 8082;
  const namesrvAddr = `${namesrv.host}:${namesrv.port}`;
  const brokerConf = join(HOME, "conf", "broker.conf");
  const proxyConf = join(HOME, "conf", "rmq-proxy.json");
  writeFileSync(
    brokerConf,
    render("broker.conf", {
      NAMESRV_ADDR: namesrvAddr,
      BROKER_PORT: brokerPort,
      BROKER_HA_PORT: brokerPort + 1,
      STORE_DIR: join(HOME, "store"),
    }),
  );
  const proxy = JSON.parse(readFileSync(join(TEMPLATES, "rmq-proxy.json"), "utf8")) as Record<string, unknown>;
  Object.assign(proxy, { namesrvAddr, grpcServerPort: grpc.port, remotingListenPort: remotingPort });
  writeFileSync(proxyConf, `${JSON.stringify(proxy, null, 2)}\n`);

  log(`rocketmq: starting the proxy (gRPC ${grpc.port}, remoting ${remotingPort}) with an in-process broker on ${brokerPort}`);
  const pid = spawnDaemon(
    "rocketmq-proxy",
    javaBinary(),
    [
      ...javaArgs(lib, "rmq.proxy.logback.xml", ["-Xms256m", "-Xmx512m"]),
      "org.apache.rocketmq.proxy.ProxyStartup",
      "-pm", "local",
      "-pc", proxyConf,
      "-bc", brokerConf,
      "-n", namesrvAddr,
    ],
    { cwd: HOME, env: javaEnv() },
  );
  await waitForPort("the RocketMQ proxy", grpc.port, pid, "rocketmq-proxy", 120_000);
  return pid;
}

/**
 * One `mqadmin updateTopic` run. The tool prints its verdict and then spends ~3 s shutting its client
 * down, so we stop listening (and kill it) once the verdict is printed.
 */
function updateTopicOnce(lib: string, namesrvAddr: string, topic: string, type: TopicType): Promise<{ ok: boolean; output: string }> {
  // A fresh clone that reuses a running broker has no stack folder yet: the JVM's cwd and home must exist.
  mkdirSync(HOME, { recursive: true });
  return new Promise((done) => {
    const child = spawn(
      javaBinary(),
      [
        ...javaArgs(lib, "rmq.tools.logback.xml", ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]),
        "org.apache.rocketmq.tools.command.MQAdminStartup",
        "updateTopic", "-n", namesrvAddr, "-c", CLUSTER, "-t", topic, "-a", `+message.type=${type}`,
      ],
      { cwd: HOME, env: javaEnv(), stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    let settled = false;
    // "create topic to <broker> success." per broker, then "TopicConfig [...]"; exit status is 0 even on error.
    const verdict = () => /create topic to \S+ success/.test(output) && !/\[error\]|Exception/.test(output);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill("SIGKILL");
      done({ ok: verdict(), output: output.trim() });
    };
    const timer = setTimeout(finish, 30_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes("TopicConfig [")) finish();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (err) => {
      output += String(err);
      finish();
    });
    child.on("exit", finish);
  });
}

/**
 * Creates or updates `topic` on every broker of the local cluster with the given message type (gRPC clients
 * do not create topics). Idempotent. Retries until the broker has registered with the name server, which
 * is also how `stack up` learns that a freshly started broker is ready.
 */
export async function ensureTopic(topic: string, type: TopicType = "NORMAL", opts: { timeoutMs?: number } = {}): Promise<void> {
  if (!/^[A-Za-z0-9_%|-]{1,127}$/.test(topic)) throw new Error(`invalid RocketMQ topic name: ${JSON.stringify(topic)}`);
  const lib = await ensureJars();
  const { namesrv } = endpoints();
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const r = await updateTopicOnce(lib, `${namesrv.host}:${namesrv.port}`, topic, type);
    if (r.ok) return;
    if (Date.now() > deadline) throw new Error(`could not create RocketMQ topic ${topic} (${type}): ${r.output}`);
    await sleep(500);
  }
}

export const rocketmq: Service = {
  name: "rocketmq",
  async up() {
    const { namesrv, grpc, orderTopic, eventTopic, timeoutTopic } = endpoints();
    const [namesrvUp, proxyUp] = await Promise.all([isListening(namesrv.port, namesrv.host), isListening(grpc.port, grpc.host)]);
    if ((!namesrvUp && !isLocal(namesrv)) || (!proxyUp && !isLocal(grpc))) {
      throw new Error(`RocketMQ at ${namesrv.host}:${namesrv.port} / ${grpc.host}:${grpc.port} is not reachable, and the stack only starts it on 127.0.0.1`);
    }
    const lib = await ensureJars();
    const pids: number[] = [];
    const started = Date.now();
    try {
      if (namesrvUp && proxyUp) {
        log(`rocketmq: reusing the name server on ${namesrv.port} and the proxy on ${grpc.port}`);
      } else {
        mkdirSync(join(HOME, "conf"), { recursive: true });
        // Sequential on purpose: a broker that starts before the name server listens registers only on
        // its 10 s timer, which costs more than waiting for the name server.
        if (!namesrvUp) pids.push(await startNamesrv(lib, namesrv));
        if (!proxyUp) pids.push(await startProxy(lib, namesrv, grpc));
      }
      await ensureGatewayTopics({ orderTopic, eventTopic, timeoutTopic });
    } catch (err) {
      for (const pid of pids.reverse()) await stopPid(pid);
      throw err;
    }
    log(`rocketmq: ready in ${((Date.now() - started) / 1000).toFixed(1)} s; topics ${orderTopic} (TRANSACTION), ${eventTopic} (NORMAL), ${timeoutTopic} (DELAY) exist`);
    return pids;
  },
};

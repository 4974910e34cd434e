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
/** ROCKETMQ_HOME and user.home of the shared stack's JVMs: conf/, store/, namesrv/ and logs/rocketmqlogs/. */
const HOME = join(STACK_DIR, "rocketmq");
const CLUSTER = "DefaultCluster";
const JAVA_OPENS = ["--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"];

export type TopicType = "TRANSACTION" | "NORMAL" | "DELAY" | "FIFO";

interface Endpoint {
  host: string;
  port: number;
}

/** Where one RocketMQ instance (name server + proxy with its in-process broker) lives and listens. */
interface Layout {
  /** ROCKETMQ_HOME and user.home of its JVMs. */
  home: string;
  /** Prefix of its JVMs' stdout logs, and the folder they go to. */
  logName: string;
  logDir?: string;
  namesrv: Endpoint;
  grpc: Endpoint;
}

/** Values for broker.conf beyond the template's (a key the template has is replaced). */
export type BrokerConf = Record<string, string | number | boolean>;

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

function endpoints(): {
  namesrv: Endpoint;
  grpc: Endpoint;
  orderTopic: string;
  eventTopic: string;
  timeoutTopic: string;
} {
  const { rocketmq } = loadConfig();
  return {
    namesrv: parseHostPort(rocketmq.namesrv),
    grpc: parseHostPort(rocketmq.endpoints),
    orderTopic: rocketmq.orderTopic,
    eventTopic: rocketmq.eventTopic,
    timeoutTopic: rocketmq.timeoutTopic,
  };
}

/**
 * The gateway's three topics: orders (transactional), order events (FIFO: the relay sends each order's
 * events as one message group, in version order), payment timers (delay).
 */
export async function ensureGatewayTopics(
  t: { orderTopic: string; eventTopic: string; timeoutTopic: string },
  timeoutMs = 60_000,
): Promise<void> {
  await Promise.all([
    ensureTopic(t.orderTopic, "TRANSACTION", { timeoutMs }),
    ensureTopic(t.eventTopic, "FIFO", { timeoutMs }),
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

/** The template with `extra` keys replacing the template's lines of the same key, or appended. */
function renderBrokerConf(values: Record<string, string | number>, extra: BrokerConf): string {
  let text = render("broker.conf", values);
  for (const [key, value] of Object.entries(extra)) {
    if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(key)) throw new Error(`invalid broker.conf key ${JSON.stringify(key)}`);
    const line = new RegExp(`^${key.replace(/\./g, "\\.")}=.*$`, "m");
    text = line.test(text) ? text.replace(line, `${key}=${value}`) : `${text.trimEnd()}\n${key}=${value}\n`;
  }
  return text;
}

/** JVM options shared by the name server, the proxy and the admin tool. */
function javaArgs(lib: string, home: string, logback: string, heap: string[]): string[] {
  return [
    ...heap,
    ...JAVA_OPENS,
    // user.home decides where RocketMQ's logback files write (<home>/logs/rocketmqlogs): keep them in STACK_DIR.
    `-Duser.home=${home}`,
    `-Drocketmq.home.dir=${home}`,
    `-Drmq.logback.configurationFile=${logback}`,
    "-cp",
    join(lib, "*"),
  ];
}

const javaEnv = (home: string): NodeJS.ProcessEnv => ({ ...process.env, ROCKETMQ_HOME: home });

/** The broker needs three ports: listenPort, listenPort - 2 (its "fast" channel) and the HA port. */
async function pickBrokerPort(): Promise<number> {
  for (const port of [10911, 20911, 30911, 40911]) {
    const taken = await Promise.all([port - 2, port, port + 1].map((p) => isListening(p)));
    if (!taken.some(Boolean)) return port;
  }
  throw new Error(
    "no free port set for the RocketMQ broker (tried 10911, 20911, 30911, 40911 and their -2/+1 neighbours)",
  );
}

async function waitForPort(
  what: string,
  port: number,
  pid: number,
  layout: Layout,
  logName: string,
  timeoutMs: number,
): Promise<void> {
  await waitFor(what, async () => !isAlive(pid) || (await isListening(port)), timeoutMs);
  if (!isAlive(pid)) {
    const logDir = layout.logDir ?? join(STACK_DIR, "logs");
    throw new Error(
      `${what} exited during start-up; see ${join(logDir, `${logName}.log`)} and ${join(layout.home, "logs", "rocketmqlogs")}`,
    );
  }
}

async function startNamesrv(lib: string, layout: Layout): Promise<number> {
  const { home, namesrv } = layout;
  mkdirSync(join(home, "conf"), { recursive: true });
  const conf = join(home, "conf", "namesrv.properties");
  writeFileSync(conf, render("namesrv.properties", { NAMESRV_PORT: namesrv.port, HOME_DIR: home }));
  log(`rocketmq: starting the name server on port ${namesrv.port}`);
  const logName = `${layout.logName}-namesrv`;
  const pid = spawnDaemon(
    logName,
    javaBinary(),
    [
      ...javaArgs(lib, home, "rmq.namesrv.logback.xml", ["-Xms128m", "-Xmx256m", "-XX:+UseSerialGC"]),
      "org.apache.rocketmq.namesrv.NamesrvStartup",
      "-c",
      conf,
    ],
    { cwd: home, env: javaEnv(home), logDir: layout.logDir },
  );
  await waitForPort("the RocketMQ name server", namesrv.port, pid, layout, logName, 60_000);
  return pid;
}

async function startProxy(
  lib: string,
  layout: Layout,
  ports: { broker: number; remoting: number },
  extra: BrokerConf = {},
): Promise<number> {
  const { home, namesrv, grpc } = layout;
  const namesrvAddr = `${namesrv.host}:${namesrv.port}`;
  mkdirSync(join(home, "conf"), { recursive: true });
  const brokerConf = join(home, "conf", "broker.conf");
  const proxyConf = join(home, "conf", "rmq-proxy.json");
  writeFileSync(
    brokerConf,
    renderBrokerConf(
      {
        NAMESRV_ADDR: namesrvAddr,
        BROKER_PORT: ports.broker,
        BROKER_HA_PORT: ports.broker + 1,
        STORE_DIR: join(home, "store"),
      },
      extra,
    ),
  );
  const proxy = JSON.parse(readFileSync(join(TEMPLATES, "rmq-proxy.json"), "utf8")) as Record<string, unknown>;
  Object.assign(proxy, { namesrvAddr, grpcServerPort: grpc.port, remotingListenPort: ports.remoting });
  writeFileSync(proxyConf, `${JSON.stringify(proxy, null, 2)}\n`);

  log(
    `rocketmq: starting the proxy (gRPC ${grpc.port}, remoting ${ports.remoting}) with an in-process broker on ${ports.broker}`,
  );
  const logName = `${layout.logName}-proxy`;
  const pid = spawnDaemon(
    logName,
    javaBinary(),
    [
      ...javaArgs(lib, home, "rmq.proxy.logback.xml", ["-Xms256m", "-Xmx512m"]),
      "org.apache.rocketmq.proxy.ProxyStartup",
      "-pm",
      "local",
      "-pc",
      proxyConf,
      "-bc",
      brokerConf,
      "-n",
      namesrvAddr,
    ],
    { cwd: home, env: javaEnv(home), logDir: layout.logDir },
  );
  await waitForPort("the RocketMQ proxy", grpc.port, pid, layout, logName, 120_000);
  return pid;
}

/**
 * One `mqadmin updateTopic` run. The tool prints its verdict and then spends ~3 s shutting its client
 * down, so we stop listening (and kill it) once the verdict is printed.
 */
function updateTopicOnce(
  lib: string,
  namesrvAddr: string,
  topic: string,
  type: TopicType,
  home = HOME,
): Promise<{ ok: boolean; output: string }> {
  // A fresh clone that reuses a running broker has no stack folder yet: the JVM's cwd and home must exist.
  mkdirSync(home, { recursive: true });
  return new Promise((done) => {
    const child = spawn(
      javaBinary(),
      [
        ...javaArgs(lib, home, "rmq.tools.logback.xml", ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]),
        "org.apache.rocketmq.tools.command.MQAdminStartup",
        "updateTopic",
        "-n",
        namesrvAddr,
        "-c",
        CLUSTER,
        "-t",
        topic,
        "-a",
        `+message.type=${type}`,
      ],
      { cwd: home, env: javaEnv(home), stdio: ["ignore", "pipe", "pipe"] },
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
export async function ensureTopic(
  topic: string,
  type: TopicType = "NORMAL",
  opts: { timeoutMs?: number; namesrv?: string; home?: string } = {},
): Promise<void> {
  if (!/^[A-Za-z0-9_%|-]{1,127}$/.test(topic)) throw new Error(`invalid RocketMQ topic name: ${JSON.stringify(topic)}`);
  const lib = await ensureJars();
  const { namesrv } = opts.namesrv ? { namesrv: parseHostPort(opts.namesrv) } : endpoints();
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const r = await updateTopicOnce(lib, `${namesrv.host}:${namesrv.port}`, topic, type, opts.home);
    if (r.ok) return;
    if (Date.now() > deadline) throw new Error(`could not create RocketMQ topic ${topic} (${type}): ${r.output}`);
    await sleep(500);
  }
}

/**
 * Creates or updates a consumer group on every broker of the local cluster; `orderly` makes it consume a
 * FIFO topic in order (`consumeMessageOrderly`): one message group's next message is delivered only once
 * the previous one is acknowledged. A group the broker creates by itself, at a consumer's first visit, is
 * not orderly, so this must run before the group's consumers start. Idempotent.
 */
export async function ensureConsumerGroup(
  group: string,
  opts: { orderly: boolean; timeoutMs?: number; namesrv?: string; home?: string },
): Promise<void> {
  if (!/^[A-Za-z0-9_%|-]{1,255}$/.test(group))
    throw new Error(`invalid RocketMQ consumer group name: ${JSON.stringify(group)}`);
  const lib = await ensureJars();
  const namesrv = opts.namesrv ?? (({ host, port }) => `${host}:${port}`)(endpoints().namesrv);
  const home = opts.home ?? HOME;
  mkdirSync(home, { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    const out = await runAdmin(
      lib,
      home,
      ["updateSubGroup", "-n", namesrv, "-c", CLUSTER, "-g", group, "-o", String(opts.orderly)],
      30_000,
      /SubscriptionGroupConfig\{/,
    );
    // "create subscription group to <broker> success." per broker; the exit status is 0 even on error.
    if (/create subscription group to \S+ success/.test(out) && !/Exception/.test(out)) return;
    if (Date.now() > deadline) throw new Error(`could not create RocketMQ consumer group ${group}: ${out}`);
    await sleep(500);
  }
}

export const rocketmq: Service = {
  name: "rocketmq",
  async up() {
    const { namesrv, grpc, orderTopic, eventTopic, timeoutTopic } = endpoints();
    const [namesrvUp, proxyUp] = await Promise.all([
      isListening(namesrv.port, namesrv.host),
      isListening(grpc.port, grpc.host),
    ]);
    if ((!namesrvUp && !isLocal(namesrv)) || (!proxyUp && !isLocal(grpc))) {
      throw new Error(
        `RocketMQ at ${namesrv.host}:${namesrv.port} / ${grpc.host}:${grpc.port} is not reachable, and the stack only starts it on 127.0.0.1`,
      );
    }
    const lib = await ensureJars();
    const pids: number[] = [];
    const started = Date.now();
    try {
      if (namesrvUp && proxyUp) {
        log(`rocketmq: reusing the name server on ${namesrv.port} and the proxy on ${grpc.port}`);
      } else {
        const layout: Layout = { home: HOME, logName: "rocketmq", namesrv, grpc };
        // Sequential on purpose: a broker that starts before the name server listens registers only on
        // its 10 s timer, which costs more than waiting for the name server.
        if (!namesrvUp) pids.push(await startNamesrv(lib, layout));
        if (!proxyUp) {
          // The proxy's remoting port defaults to 8080, the gateway's own port; nobody connects to it here.
          const remoting = (await isListening(8082)) ? await freePort() : 8082;
          pids.push(await startProxy(lib, layout, { broker: await pickBrokerPort(), remoting }));
        }
      }
      await ensureGatewayTopics({ orderTopic, eventTopic, timeoutTopic });
    } catch (err) {
      for (const pid of pids.reverse()) await stopPid(pid);
      throw err;
    }
    log(
      `rocketmq: ready in ${((Date.now() - started) / 1000).toFixed(1)} s; topics ${orderTopic} (TRANSACTION), ${eventTopic} (FIFO), ${timeoutTopic} (DELAY) exist`,
    );
    return pids;
  },
};

/** A private RocketMQ (name server + proxy with its in-process broker) beside the shared one, for fault tests. */
export interface RocketmqInstance {
  readonly name: string;
  /** The gRPC proxy, as `rocketmq.endpoints` wants it. */
  readonly endpoints: string;
  /** The name server, as `rocketmq.namesrv` wants it. */
  readonly namesrv: string;
  /** The broker's remoting address (admin commands such as `updateBrokerConfig -b`). */
  readonly broker: string;
  /** ROCKETMQ_HOME: conf/, store/, logs/. */
  readonly home: string;
  /** The JVMs running now (name server, proxy). */
  pids(): number[];
  ensureTopic(topic: string, type: TopicType, timeoutMs?: number): Promise<void>;
  ensureGatewayTopics(
    t: { orderTopic: string; eventTopic: string; timeoutTopic: string },
    timeoutMs?: number,
  ): Promise<void>;
  /** One `mqadmin` command against this instance (`-n` is added); its output once it exits. */
  admin(args: string[], timeoutMs?: number): Promise<string>;
  /** SIGKILL, a crash that leaves store and ports as they are: to the proxy with its broker, or to both JVMs. */
  kill(what?: "broker" | "all"): void;
  /** Starts what is not running again, on the same ports and store; `brokerConf` is merged over the first. */
  start(brokerConf?: BrokerConf): Promise<void>;
  /** The broker settings given so far (over the template's). */
  brokerConf(): BrokerConf;
  /** Changes broker settings of the running broker (`mqadmin updateBrokerConfig`), kept for a restart too. */
  updateBrokerConfig(settings: BrokerConf): Promise<void>;
  /** Stops it (SIGTERM, then SIGKILL) and removes its home. */
  stop(): Promise<void>;
}

/** A port below the OS's ephemeral range (so no outgoing connection takes it while the instance is down) with its neighbours free. */
async function quietPort(taken: Set<number>, neighbours: number[] = [0]): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const ports = neighbours.map((d) => port + d);
    if (ports.some((p) => taken.has(p))) continue;
    if ((await Promise.all(ports.map((p) => isListening(p)))).some(Boolean)) continue;
    for (const p of ports) taken.add(p);
    return port;
  }
  throw new Error("no free port between 20000 and 32000 for a RocketMQ instance");
}

/** A private instance's folders and ports: name server, gRPC, broker (with its neighbours) and remoting. */
async function instancePorts(home: string): Promise<{ layout: Layout; ports: { broker: number; remoting: number } }> {
  const taken = new Set<number>();
  const layout: Layout = {
    home,
    logName: "rocketmq",
    logDir: join(home, "logs"),
    namesrv: { host: "127.0.0.1", port: await quietPort(taken) },
    grpc: { host: "127.0.0.1", port: await quietPort(taken) },
  };
  // The broker listens on its port, port - 2 (the "fast" channel) and port + 1 (HA).
  const ports = { broker: await quietPort(taken, [-2, -1, 0, 1]), remoting: await quietPort(taken) };
  return { layout, ports };
}

/** The gateway's three topics on a private instance, retried until its broker takes them. */
async function createGatewayTopics(
  lib: string,
  home: string,
  namesrvAddr: string,
  t: { orderTopic: string; eventTopic: string; timeoutTopic: string },
  timeoutMs: number,
): Promise<void> {
  // One admin JVM for the three topics: on a busy 2-core machine each JVM costs seconds.
  const topics = [
    { topic: t.orderTopic, type: "TRANSACTION" as const },
    { topic: t.eventTopic, type: "FIFO" as const },
    { topic: t.timeoutTopic, type: "DELAY" as const },
  ];
  const file = join(home, "conf", `topics-${t.orderTopic}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      topics.map(({ topic, type }) => ({
        topicName: topic,
        readQueueNums: 8,
        writeQueueNums: 8,
        perm: 6,
        attributes: { "+message.type": type },
      })),
    ),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await runAdmin(lib, home, ["updateTopicList", "-n", namesrvAddr, "-c", CLUSTER, "-f", file], 30_000);
    if (/submit batch of topic config to \S+ success/.test(out) && !/Exception/.test(out)) return;
    if (Date.now() > deadline)
      throw new Error(`could not create RocketMQ topics ${topics.map((x) => x.topic).join(", ")}: ${out}`);
    await sleep(500);
  }
}

/** SIGKILL to a detached JVM's process group (nothing when there is none, or it is gone already). */
function killGroup(pid: number | null): void {
  if (pid === null) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    /* already gone */
  }
}

/** One broker setting changed at run time (mqadmin updateBrokerConfig); throws unless the broker took it. */
async function updateBrokerSetting(
  lib: string,
  home: string,
  namesrvAddr: string,
  broker: string,
  key: string,
  value: string | number | boolean,
): Promise<void> {
  const out = await runAdmin(
    lib,
    home,
    ["updateBrokerConfig", "-n", namesrvAddr, "-b", broker, "-k", key, "-v", String(value)],
    60_000,
  );
  if (!/update broker config success/.test(out)) throw new Error(`updateBrokerConfig ${key}=${value} failed: ${out}`);
}

/**
 * Starts a private RocketMQ in `STACK_DIR/rocketmq-instances/<name>` on ports of its own, with `brokerConf`
 * over the template's broker settings. The shared stack is not touched; the caller stops what it started.
 */
export async function startRocketmqInstance(opts: {
  name: string;
  brokerConf?: BrokerConf;
}): Promise<RocketmqInstance> {
  if (!/^[A-Za-z0-9_-]+$/.test(opts.name))
    throw new Error(`invalid RocketMQ instance name ${JSON.stringify(opts.name)}`);
  const lib = await ensureJars();
  const home = join(STACK_DIR, "rocketmq-instances", opts.name);
  rmSync(home, { recursive: true, force: true });
  const { layout, ports } = await instancePorts(home);
  const namesrvAddr = `${layout.namesrv.host}:${layout.namesrv.port}`;
  let conf: BrokerConf = { brokerName: `broker-${opts.name}`, ...opts.brokerConf };
  let namesrvPid: number | null = null;
  let proxyPid: number | null = null;

  const kill = (what: "broker" | "all" = "all") => {
    killGroup(proxyPid);
    proxyPid = null;
    if (what === "all") {
      killGroup(namesrvPid);
      namesrvPid = null;
    }
  };
  // The JVMs are detached: a test process that exits without its afterAll (an uncaught error) must not leave them running.
  const killOnExit = () => kill("all");
  process.once("exit", killOnExit);
  const ensure = (topic: string, type: TopicType, timeoutMs = 60_000) =>
    ensureTopic(topic, type, { timeoutMs, namesrv: namesrvAddr, home });
  const start = async (more: BrokerConf = {}) => {
    conf = { ...conf, ...more };
    const started = Date.now();
    try {
      if (namesrvPid === null) namesrvPid = await startNamesrv(lib, layout);
      // The proxy starts its in-process broker (which registers with the name server as it starts) before
      // it opens the gRPC port (ProxyStartup starts them in that order), so a listening port is a ready instance.
      if (proxyPid === null) proxyPid = await startProxy(lib, layout, ports, conf);
    } catch (err) {
      kill();
      throw err;
    }
    log(
      `rocketmq ${opts.name}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (name server ${layout.namesrv.port}, gRPC ${layout.grpc.port})`,
    );
  };

  const instance: RocketmqInstance = {
    name: opts.name,
    endpoints: `${layout.grpc.host}:${layout.grpc.port}`,
    namesrv: namesrvAddr,
    broker: `127.0.0.1:${ports.broker}`,
    home,
    pids: () => [namesrvPid, proxyPid].filter((p): p is number => p !== null),
    ensureTopic: ensure,
    ensureGatewayTopics: (t, timeoutMs = 60_000) => createGatewayTopics(lib, home, namesrvAddr, t, timeoutMs),
    admin: (args, timeoutMs = 60_000) => runAdmin(lib, home, [...args, "-n", namesrvAddr], timeoutMs),
    kill,
    start,
    brokerConf: () => ({ ...conf }),
    async updateBrokerConfig(settings) {
      for (const [key, value] of Object.entries(settings)) {
        await updateBrokerSetting(lib, home, namesrvAddr, `127.0.0.1:${ports.broker}`, key, value);
        conf = { ...conf, [key]: value };
      }
    },
    async stop() {
      for (const pid of [proxyPid, namesrvPid]) if (pid !== null) await stopPid(pid, 2000);
      proxyPid = namesrvPid = null;
      process.off("exit", killOnExit);
      rmSync(home, { recursive: true, force: true });
    },
  };
  await start();
  return instance;
}

/**
 * One mqadmin command; resolves with its output when it exits (or is killed after `timeoutMs`), or as soon
 * as the output matches `until` (the tool spends seconds shutting its client down after its verdict).
 */
function runAdmin(lib: string, home: string, args: string[], timeoutMs: number, until?: RegExp): Promise<string> {
  return new Promise((done) => {
    const child = spawn(
      javaBinary(),
      [
        ...javaArgs(lib, home, "rmq.tools.logback.xml", ["-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"]),
        "org.apache.rocketmq.tools.command.MQAdminStartup",
        ...args,
      ],
      { cwd: home, env: javaEnv(home), stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const onData = (b: Buffer) => {
      output += b.toString();
      if (until?.test(output)) child.kill("SIGKILL");
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (err) => (output += String(err)));
    child.on("close", () => {
      clearTimeout(timer);
      done(output.trim());
    });
  });
}

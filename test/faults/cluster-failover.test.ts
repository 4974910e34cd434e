import { setTimeout as sleep } from "node:timers/promises";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import { GatewayProcess } from "../../src/gateway-process.js";
import { keySlot } from "../../src/redis/key-slot.js";
import { homeShard } from "../../src/reservation/home-shard.js";
import { freePort, isListening, spawnDaemon, STACK_DIR, waitFor } from "../../stack/proc.js";
import { clusterNodeArgs, startLocalCluster, type LocalCluster } from "../../stack/redis-cluster.js";
import { redisServerBinary } from "../../stack/redis.js";
import { durableConfig, eventually, startApp, stopApp } from "../helpers/durable.js";
import { apiFor, ledgerRecords, pool, rid, type Api } from "../helpers/env.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

/**
 * The Redis Cluster part of the fault matrix, on a six-node cluster of this file's own (killing a primary of
 * the shared one would break the other files): a primary SIGKILLed mid-sale, a primary cut off from the
 * gateway by a TCP proxy, a graceful replica promotion while stock moves between shards. Buyers retry a 503
 * (or a network error) with the same key, as the contract says; afterwards an auditor checks Redis, MySQL
 * and the stats endpoint: no oversell, no lost 202, no duplicate, the per-buyer limit, all stock sold,
 * drift 0 after one sweeper pass.
 */

// ---------------------------------------------------------------------------------------------------------
// The cluster, seen from outside the gateway

interface ClusterNode {
  id: string;
  port: number;
  master: boolean;
  masterId: string | null;
  failed: boolean;
  slots: [number, number][];
}

/** One command on one node over a short-lived connection (never spawnSync: the gateway shares this event loop). */
async function ask(port: number, ...args: (string | number)[]): Promise<unknown> {
  const c = new Redis({
    host: "127.0.0.1",
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: 500,
    commandTimeout: 1000,
  });
  c.on("error", () => {});
  try {
    await c.connect();
    return await c.call(String(args[0]), ...args.slice(1).map(String));
  } finally {
    c.disconnect();
  }
}

function parseNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split("\n")
    .map((line) => {
      const [id, addr, flags, master, , , , , ...slotSpecs] = line.split(" ");
      const slots = slotSpecs
        .filter((s) => !s.startsWith("["))
        .map((s) => {
          const [a, b] = s.split("-").map(Number);
          return [a!, b ?? a!] as [number, number];
        });
      return {
        id: id!,
        port: Number(/:(\d+)@/.exec(addr!)![1]),
        master: flags!.split(",").includes("master"),
        masterId: master === "-" ? null : master!,
        failed: /(^|,)fail(,|$)/.test(flags!),
        slots,
      };
    });
}

/** The cluster's view as the first live node of `ports` sees it. */
async function topology(ports: number[]): Promise<ClusterNode[]> {
  for (const p of ports) {
    try {
      return parseNodes(String(await ask(p, "CLUSTER", "NODES")));
    } catch {
      /* that one is down; ask the next */
    }
  }
  throw new Error("no cluster node answers");
}

function ownerOf(nodes: ClusterNode[], slot: number): ClusterNode | undefined {
  return nodes.find((n) => n.master && !n.failed && n.slots.some(([a, b]) => slot >= a && slot <= b));
}

/** Every node of `ports` says cluster_state:ok and `holds` is true of the topology. */
async function clusterOk(ports: number[], holds: (nodes: ClusterNode[]) => boolean = () => true): Promise<boolean> {
  for (const p of ports) if (!String(await ask(p, "CLUSTER", "INFO")).includes("cluster_state:ok")) return false;
  return holds(await topology(ports));
}

/** The primary whose slots hold the most stock shards of the sale (the hot one), among `candidates`. */
function hotPrimary(nodes: ClusterNode[], app: GatewayProcess, saleId: string, shards: number[]): ClusterNode {
  const count = new Map<string, number>();
  for (const i of shards) {
    const owner = ownerOf(nodes, keySlot(app.keys.shard(saleId, i).stock))!;
    count.set(owner.id, (count.get(owner.id) ?? 0) + 1);
  }
  const [id] = [...count.entries()].sort((a, b) => b[1] - a[1])[0]!;
  return nodes.find((n) => n.id === id)!;
}

/**
 * A seventh redis-server, joined as a second replica of `master`: with `redis.minReplicaAcks` 1 the promoted
 * replica needs a replica of its own before it may acknowledge anything, as a production primary would have.
 */
async function addReplica(cluster: LocalCluster, name: string, master: ClusterNode): Promise<number> {
  const port = await freePort();
  const dir = join(STACK_DIR, name, String(port));
  mkdirSync(dir, { recursive: true });
  cluster.pids.push(spawnDaemon(`${name}-${port}`, redisServerBinary(), clusterNodeArgs(port, dir)));
  await waitFor(`redis node ${port}`, () => isListening(port), 10_000);
  await ask(port, "CLUSTER", "MEET", "127.0.0.1", master.port);
  await waitFor(
    "the new node to learn the primary",
    async () => (await topology([port])).some((n) => n.id === master.id),
    10_000,
    100,
  );
  await ask(port, "CLUSTER", "REPLICATE", master.id);
  await waitFor(
    "the new replica in sync",
    async () => /master_link_status:up/.test(String(await ask(port, "INFO", "replication"))),
    20_000,
    100,
  );
  return port;
}

// ---------------------------------------------------------------------------------------------------------
// Buyers and the auditor

interface Answer {
  user: string;
  token: string;
  status: number;
  code?: string;
  orderId?: string;
  replayed: boolean;
  sentAt: number;
  at: number;
}

interface Buyer {
  user: string;
  tokens: string[];
}

const FINAL_409 = new Set(["SOLD_OUT", "LIMIT_EXCEEDED"]);

/**
 * Every buyer sends its tokens at once (one order each) and retries a 503, a network error or a key still
 * in progress with the SAME key until a final answer (202, SOLD_OUT, LIMIT_EXCEEDED) or `giveUpMs`.
 * Returns each token's final answer; `log` gets every answer.
 */
async function runBuyers(
  api: Api,
  saleId: string,
  buyers: Buyer[],
  log: Answer[],
  opts: { concurrency: number; pauseMs: number; giveUpMs: number },
): Promise<Answer[]> {
  const deadline = Date.now() + opts.giveUpMs;
  const one = async (user: string, token: string): Promise<Answer> => {
    for (;;) {
      const sentAt = Date.now();
      let a: Answer;
      try {
        const r = await api.order(saleId, user, token);
        a = {
          user,
          token,
          status: r.status,
          code: r.body?.error?.code,
          orderId: r.body?.orderId,
          replayed: r.headers.get("idempotent-replayed") === "true",
          sentAt,
          at: Date.now(),
        };
      } catch {
        a = { user, token, status: 0, replayed: false, sentAt, at: Date.now() };
      }
      log.push(a);
      const final = a.status === 202 || (a.status === 409 && FINAL_409.has(a.code!));
      const retry = a.status === 503 || a.status === 0 || (a.status === 409 && a.code === "IDEMPOTENCY_IN_PROGRESS");
      if (final || !retry || Date.now() > deadline) return a;
      await sleep(40 + Math.random() * 40);
    }
  };
  const finals = await pool(buyers, opts.concurrency, async (b) => {
    const out = await Promise.all(b.tokens.map((t) => one(b.user, t)));
    await sleep(opts.pauseMs);
    return out;
  });
  return finals.flat();
}

/** An operator call, repeated while the gateway sheds load (503 on a busy machine; the tests share it). */
async function unshed<T extends { status: number }>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const r = await call();
    if (r.status !== 503 || attempt >= 50) return r;
    await sleep(100);
  }
}

/** Tokens for every buyer, before the sale's load starts; a 503 (the gateway shedding load on a busy machine) is retried. */
async function takeTokens(api: Api, saleId: string, users: { user: string; tokens: number }[]): Promise<Buyer[]> {
  const token = async (user: string): Promise<string> => {
    for (let attempt = 0; ; attempt++) {
      const r = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer(user) });
      if (r.status === 201) return r.body.token as string;
      if (r.status !== 503 || attempt >= 50)
        throw new Error(`token for ${user}: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(100);
    }
  };
  return pool(users, 16, async (u) => ({
    user: u.user,
    tokens: await Promise.all(Array.from({ length: u.tokens }, () => token(u.user))),
  }));
}

/** Accepted orders so far: distinct tokens with a 202. */
function acceptedCount(log: Answer[]): number {
  return new Set(log.filter((a) => a.status === 202).map((a) => a.token)).size;
}

/** Tokens answered 503 whose retry got a replayed 202: the reservation had happened behind the 503 (outcome unknown). */
function reservedBehind503(log: Answer[]): number {
  const had503 = new Set(log.filter((a) => a.status === 503).map((a) => a.token));
  return new Set(log.filter((a) => a.status === 202 && a.replayed && had503.has(a.token)).map((a) => a.token)).size;
}

async function until(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * The auditor, for a sale with more demand than stock: checks every answer against Redis, MySQL and the
 * stats endpoint after one sweeper pass. Returns what it counted.
 */
async function audit(
  app: GatewayProcess,
  api: Api,
  sale: { saleId: string; stock: number; perUserLimit: number; shards: number },
  finals: Answer[],
  log: Answer[],
): Promise<{ accepted: number; rows: number; persisted: boolean }> {
  const { saleId, stock, perUserLimit, shards } = sale;
  // Every token got a final answer (the retries settled every 503), and only the answers the contract allows.
  const unsettled = finals.filter((a) => !(a.status === 202 || (a.status === 409 && FINAL_409.has(a.code!))));
  expect(unsettled.map((a) => [a.token.slice(0, 8), a.status, a.code])).toEqual([]);
  const unexpected = log.filter(
    (a) =>
      ![202, 409, 503, 0].includes(a.status) ||
      (a.status === 409 && !FINAL_409.has(a.code!) && a.code !== "IDEMPOTENCY_IN_PROGRESS"),
  );
  expect(unexpected.map((a) => [a.status, a.code])).toEqual([]);
  expect(log.filter((a) => a.status === 503).every((a) => a.code === "UNAVAILABLE")).toBe(true);

  // No duplicate: every 202 of a token (first answer and replays) names the same order; no order id serves two tokens.
  const byToken = new Map<string, Set<string>>();
  for (const a of log.filter((x) => x.status === 202)) {
    expect(a.orderId).toMatch(/\S/);
    byToken.set(a.token, (byToken.get(a.token) ?? new Set()).add(a.orderId!));
  }
  for (const [token, ids] of byToken) expect([token.slice(0, 8), ids.size]).toEqual([token.slice(0, 8), 1]);
  const accepted = new Map([...byToken].map(([t, ids]) => [[...ids][0]!, t]));
  expect(accepted.size).toBe(byToken.size);
  const acceptedUser = new Map(log.filter((a) => a.status === 202).map((a) => [a.orderId!, a.user]));

  // No lost 202: every accepted order becomes a row (the writer, the back-check or the sweeper brings it).
  await eventually(
    "every accepted order in MySQL and nothing pending",
    () => api.stats(saleId),
    (s) => s.body.mysql?.total >= accepted.size && s.body.pending === 0,
    60_000,
  );
  // Units in transit between shards (a transfer cut by the fault) are finished by the sweeper after its grace.
  await eventually(
    "no units in transit",
    () => api.stats(saleId),
    (s) => s.body.inTransfer === 0,
    30_000,
  );
  const rec = await unshed(() => api.reconcile(saleId));
  expect(rec.status).toBe(200);
  // Orders parked by the writer (in a committed group, never reserved) are all settled: none left for an operator.
  expect(rec.body.parkedOpen).toBe(0);
  const stats = (await unshed(() => api.stats(saleId))).body;

  const rows: { orderId: string; userId: string; quantity: number; status: string }[] = [];
  for await (const r of app.repo.scanSale(saleId)) rows.push(r);
  const rowIds = rows.map((r) => r.orderId);
  // One row per order id, exactly the accepted orders: none lost, none that no buyer was told about.
  expect(new Set(rowIds).size).toBe(rowIds.length);
  expect(new Set(rowIds)).toEqual(new Set(accepted.keys()));
  for (const r of rows) expect(r.userId).toBe(acceptedUser.get(r.orderId));
  // No oversell, and with demand left every unit sold.
  const held = rows.filter((r) => r.status === "CONFIRMED" || r.status === "PAID").reduce((s, r) => s + r.quantity, 0);
  expect(held).toBeLessThanOrEqual(stock);
  expect(held).toBe(stock);
  // Per-buyer limit, and a LIMIT_EXCEEDED only for a buyer who does hold an order.
  const perUser = new Map<string, number>();
  for (const r of rows) perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + r.quantity);
  expect([...perUser.values()].filter((n) => n > perUserLimit)).toEqual([]);
  for (const a of finals.filter((x) => x.code === "LIMIT_EXCEEDED"))
    expect(perUser.get(a.user) ?? 0).toBeGreaterThan(0);

  // Redis agrees: the live reservations are exactly the accepted orders, every shard is empty.
  const ledger = await ledgerRecords(app, saleId, shards);
  const live = ledger.filter((r) => r.state === "reserved" || r.state === "confirmed" || r.state === "paid");
  expect(new Set(live.map((r) => r.orderId))).toEqual(new Set(accepted.keys()));
  for (const r of live) expect(r.token).toBe(accepted.get(r.orderId));
  expect(stats).toMatchObject({
    stock,
    redisRemaining: 0,
    inTransfer: 0,
    reserved: stock,
    pending: 0,
    confirmed: stock,
    drift: 0,
  });
  return { accepted: accepted.size, rows: rows.length, persisted: rows.length === accepted.size };
}

// ---------------------------------------------------------------------------------------------------------

describe("Redis Cluster faults under a live sale", () => {
  const name = `faults-cluster-${process.pid}-${rid(2)}`;
  let cluster: LocalCluster;
  let ports: number[];
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  const live = () => ports.filter((p) => p !== 0);

  beforeAll(async () => {
    // The cluster starts while the topics are created (both take seconds).
    const [started, configured] = await Promise.allSettled([
      startLocalCluster({ name }),
      // Rate limits are not under test here; the buyers' retries must reach the Redis path.
      durableConfig("cluster", { admission: { rateLimits: { enabled: false } } }),
    ]);
    if (started.status === "fulfilled") cluster = started.value; // stopped in afterAll even when the rest failed
    if (started.status === "rejected") throw started.reason;
    if (configured.status === "rejected") throw configured.reason;
    const base = configured.value;
    ports = cluster.nodes.map((n) => n.port);
    cfg = { ...base, redis: { ...base.redis, nodes: cluster.nodes.map((n) => `${n.host}:${n.port}`) } };
    ({ app, api } = await startApp(cfg));
    expect(app.replicaAcks.minAcks).toBe(1);
  });
  afterAll(async () => {
    await stopApp(app, cfg);
    await cluster?.stop();
  });

  it("kill -9 of the primary holding the hot shards mid-sale: 503s while the replica is promoted, then the sale goes on", async () => {
    const saleId = `kil${rid()}`;
    const stock = 300;
    const shards = 8;
    const hot = hotPrimary(
      await topology(live()),
      app,
      saleId,
      Array.from({ length: shards }, (_, i) => i),
    );
    // The hot primary gets a second replica, so the promoted one still has a replica to acknowledge to.
    ports.push(await addReplica(cluster, name, hot));
    expect((await unshed(() => api.putSale(saleId, { stock, perUserLimit: 1, shards }))).status).toBe(201);
    // 500 buyers, one in five with two tokens sent at once (the per-buyer limit under concurrency): 600 > 300.
    const buyers = await takeTokens(
      api,
      saleId,
      Array.from({ length: 500 }, (_, i) => ({ user: `k${i}-${rid(2)}`, tokens: i % 5 === 0 ? 2 : 1 })),
    );

    const log: Answer[] = [];
    const sale = runBuyers(api, saleId, buyers, log, { concurrency: 24, pauseMs: 40, giveUpMs: 60_000 });
    await until("a third of the stock sold", () => acceptedCount(log) >= stock / 3);
    const hotPid = cluster.pids[ports.indexOf(hot.port)]!;
    const killedAt = Date.now();
    process.kill(hotPid, "SIGKILL");
    ports[ports.indexOf(hot.port)] = 0;
    // The promotion: a replica of the dead primary now serves its slots and every live node says ok.
    const hotSlot = hot.slots[0]![0];
    await waitFor(
      "cluster_state:ok after the promotion",
      () =>
        clusterOk(
          live(),
          (nodes) => ownerOf(nodes, hotSlot)?.port !== hot.port && ownerOf(nodes, hotSlot) !== undefined,
        ),
      30_000,
      100,
    );
    const promotedAt = Date.now();
    const finals = await sale;

    // Recovery is judged on the dead primary's own shards (the others kept selling until the cluster noticed).
    const nodesBefore = [hot];
    const hotShards = new Set(
      Array.from({ length: shards }, (_, i) => i).filter(
        (i) => ownerOf(nodesBefore, keySlot(app.keys.shard(saleId, i).stock)) !== undefined,
      ),
    );
    const onHot = (a: Answer) => hotShards.has(homeShard(a.user, shards));
    const byTime = (a: Answer, b: Answer) => a.at - b.at;
    const afterKill = log.filter((a) => a.status === 202 && a.sentAt >= killedAt).sort(byTime);
    const hotAfterKill = afterKill.filter(onHot);
    // The sale went on on the dead primary's shards too, served by its promoted replica.
    expect(hotAfterKill.length).toBeGreaterThan(0);
    const recoveredAt = hotAfterKill[0]!.at;
    const firstAccept = new Map<string, number>();
    for (const a of log) if (a.status === 202 && !firstAccept.has(a.token)) firstAccept.set(a.token, a.at);
    const acceptedBefore = [...firstAccept.values()].filter((t) => t < killedAt).length;
    const result = await audit(app, api, { saleId, stock, perUserLimit: 1, shards }, finals, log);
    expect(acceptedBefore).toBeGreaterThan(0);
    expect(result.accepted - acceptedBefore).toBeGreaterThan(0);
    const unavailable = (a: Answer) => a.status === 503 || a.status === 0;
    console.log(
      `[failover-figures] ${JSON.stringify({
        requests: log.length,
        hotShards: [...hotShards],
        unavailableDuringPromotion: log.filter((a) => unavailable(a) && a.at >= killedAt && a.at <= recoveredAt).length,
        unavailableOnHotShards: log.filter((a) => unavailable(a) && onHot(a)).length,
        unavailableTotal: log.filter(unavailable).length,
        promotionMs: promotedAt - killedAt,
        firstAcceptAfterKillMs: afterKill[0]!.at - killedAt,
        timeToRecoverMs: recoveredAt - killedAt,
        reservedBehind503: reservedBehind503(log),
        acceptedBefore,
        acceptedAfter: result.accepted - acceptedBefore,
        accepted: result.accepted,
        rows: result.rows,
        allPersisted: result.persisted,
      })}`,
    );
  }, 120_000);

  it("a primary cut off from the gateway by a TCP proxy: 503 or success while cut, never an oversell or a duplicate", async () => {
    const saleId = `cut${rid()}`;
    const stock = 200;
    const shards = 8;
    const cut = hotPrimary(
      await topology(live()),
      app,
      saleId,
      Array.from({ length: shards }, (_, i) => i),
    );
    const proxy = await new TcpProxy({ host: "127.0.0.1", port: cut.port }).start();
    // A second gateway that reaches the cut primary only through the proxy (natMap), seeded by the other nodes.
    const viaProxy: Config = {
      ...cfg,
      redis: {
        ...cfg.redis,
        nodes: live()
          .filter((p) => p !== cut.port)
          .map((p) => `127.0.0.1:${p}`),
        natMap: { [`127.0.0.1:${cut.port}`]: { host: "127.0.0.1", port: proxy.port } },
      },
    };
    const gw = await GatewayProcess.start(viaProxy, { port: 0, roles: { writer: false, sweeper: false } });
    try {
      const gwApi = apiFor(gw, viaProxy);
      expect((await unshed(() => gwApi.putSale(saleId, { stock, perUserLimit: 1, shards }))).status).toBe(201);
      const buyers = await takeTokens(
        gwApi,
        saleId,
        Array.from({ length: 400 }, (_, i) => ({ user: `c${i}-${rid(2)}`, tokens: i % 5 === 0 ? 2 : 1 })),
      );
      const log: Answer[] = [];
      const sale = runBuyers(gwApi, saleId, buyers, log, { concurrency: 16, pauseMs: 60, giveUpMs: 60_000 });
      await until("a fifth of the stock sold", () => acceptedCount(log) >= stock / 5);
      // A lossy mode is always followed by a reset: TCP never drops bytes of a live connection, it cuts it.
      const phases: [Parameters<TcpProxy["setMode"]>, number][] = [
        [["blackhole"], 2000],
        [["reset"], 500],
        [["pass"], 700],
        [["drop-replies"], 1500],
        [["reset"], 500],
        [["pass"], 700],
        [["delay", 150], 1500],
        [["pass"], 0],
      ];
      const faultFrom = Date.now();
      for (const [mode, ms] of phases) {
        proxy.setMode(...mode);
        await sleep(ms);
      }
      const healedAt = Date.now();
      const finals = await sale;
      const cutAnswers = log.filter((a) => a.at >= faultFrom && a.at <= healedAt);
      // The partition was felt (answers 503), and no answer while cut was anything but success, a final 409 or 503.
      expect(cutAnswers.filter((a) => a.status === 503).length).toBeGreaterThan(0);
      const result = await audit(app, api, { saleId, stock, perUserLimit: 1, shards }, finals, log);
      console.log(
        `[partition-figures] ${JSON.stringify({
          requests: log.length,
          answersWhileCut: cutAnswers.length,
          acceptedWhileCut: cutAnswers.filter((a) => a.status === 202).length,
          unavailableWhileCut: cutAnswers.filter((a) => a.status === 503).length,
          reservedBehind503: reservedBehind503(log),
          accepted: result.accepted,
          allPersisted: result.persisted,
        })}`,
      );
    } finally {
      await gw.close();
      await proxy.stop();
    }
  }, 120_000);

  it("a replica promoted (CLUSTER FAILOVER) while stock moves between shards: every unit sold once, drift 0", async () => {
    const saleId = `fo${rid()}`;
    const shards = 24;
    const stock = 240;
    const homes = [0, 1, 2];
    // Every buyer lives on one of three shards: they drain at once, and the rest is bought by pulling stock over.
    const users: string[] = [];
    for (let i = 0; users.length < 360; i++) {
      const u = `f${i}-${rid(2)}`;
      if (homes.includes(homeShard(u, shards))) users.push(u);
    }
    const nodes = await topology(live());
    const donor = hotPrimary(
      nodes,
      app,
      saleId,
      Array.from({ length: shards - homes.length }, (_, i) => i + homes.length),
    );
    const replica = nodes.find((n) => n.masterId === donor.id && !n.failed)!;
    expect(replica).toBeDefined();
    expect((await unshed(() => api.putSale(saleId, { stock, perUserLimit: 1, shards }))).status).toBe(201);
    const buyers = await takeTokens(
      api,
      saleId,
      users.map((user) => ({ user, tokens: 1 })),
    );
    const transfersDone = async () => {
      const n = await Promise.all(
        Array.from({ length: shards }, (_, i) => app.redis.scard(app.keys.shard(saleId, i).xdone)),
      );
      return n.reduce((a, b) => a + b, 0);
    };

    const log: Answer[] = [];
    const sale = runBuyers(api, saleId, buyers, log, { concurrency: 24, pauseMs: 30, giveUpMs: 60_000 });
    await until("a quarter of the stock sold", () => acceptedCount(log) >= stock / 4);
    const transfersBefore = await transfersDone();
    const failoverAt = Date.now();
    expect(await ask(replica.port, "CLUSTER", "FAILOVER")).toBe("OK");
    await waitFor(
      "the replica promoted and cluster_state:ok",
      () =>
        clusterOk(
          live(),
          (ns) =>
            ns.find((n) => n.id === replica.id)?.master === true &&
            ns.find((n) => n.id === donor.id)?.masterId === replica.id,
        ),
      30_000,
      100,
    );
    const promotedAt = Date.now();
    const finals = await sale;
    const transfersAfter = (await transfersDone()) - transfersBefore;
    // The scenario really ran: stock kept moving between shards after the promotion began.
    expect(transfersBefore).toBeGreaterThan(0);
    expect(transfersAfter).toBeGreaterThan(0);
    const result = await audit(app, api, { saleId, stock, perUserLimit: 1, shards }, finals, log);
    console.log(
      `[promotion-figures] ${JSON.stringify({
        requests: log.length,
        promotionMs: promotedAt - failoverAt,
        transfersBefore,
        transfersAfter,
        unavailable: log.filter((a) => a.status === 503 || a.status === 0).length,
        reservedBehind503: reservedBehind503(log),
        accepted: result.accepted,
        allPersisted: result.persisted,
      })}`,
    );
  }, 120_000);
});

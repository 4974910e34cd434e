import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, describe, expect, it } from "vitest";
import { startLocalCluster } from "../../stack/redis-cluster.js";
import type { Config } from "../../src/config/schema.js";
import { dropTestDatabases } from "../persistence/mysql-test-db.js";
import { ConnectFront } from "../admission/connect-front.js";
import { durableConfig, mysqlProxy, spawnGateway, throughProxy } from "../helpers/durable.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";
import { pool, rid } from "../helpers/env.js";

/** The stop budget the gateways here get: drainGraceMs + drainTimeoutMs. */
const server = { drainGraceMs: 1000, drainTimeoutMs: 4000 };
const BUDGET_MS = server.drainGraceMs + server.drainTimeoutMs;
/** Start-up of the signal handler and process exit on a loaded 2-core machine. */
const MARGIN_MS = 3000;

/** The JSON log lines of a child's stderr (anything else, such as a Node warning, skipped). */
function logLines(stderr: string): Record<string, unknown>[] {
  return stderr.split("\n").flatMap((l) => {
    try {
      const v = JSON.parse(l) as unknown;
      return v && typeof v === "object" ? [v as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

/**
 * A gateway child with its writer takes orders, then `cut` takes a dependency away; buyers keep coming, and
 * a SIGTERM follows. The process must exit 0 within the budget, its last log line saying what it left.
 */
async function stopAfterCut(
  cfg: Config,
  cut: () => Promise<void> | void,
  env: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const { child, api, exited, stderr } = await spawnGateway(cfg, { writer: true, env });
  try {
    const saleId = `stop${rid()}`;
    expect((await api.putSale(saleId, { stock: 100, perUserLimit: 1, shards: 3 })).status).toBe(201);
    const users = Array.from({ length: 20 }, (_, i) => `s${i}-${rid(2)}`);
    const answers = await pool(users, 8, async (u) => (await api.order(saleId, u, await api.token(saleId, u))).status);
    expect(answers.filter((s) => s === 202).length).toBeGreaterThan(0);

    await cut();
    // Buyers keep coming, and the process meets the cut (its sweep loop and writer touch every dependency).
    const late = pool(
      users.map((u) => `${u}-late`),
      8,
      async (u) => (await api.order(saleId, u, await api.token(saleId, u))).status,
    ).catch(() => []);
    await sleep(1500);
    const signalled = Date.now();
    child.kill("SIGTERM");
    const code = await Promise.race([
      exited,
      sleep(BUDGET_MS + MARGIN_MS + 30_000).then(() => "still running" as const),
    ]);
    const tookMs = Date.now() - signalled;
    await late;
    expect(code, `exit after SIGTERM (${tookMs} ms); log tail:\n${stderr().slice(-3000)}`).toBe(0);
    expect(tookMs, "the stop took longer than drainGraceMs + drainTimeoutMs").toBeLessThan(BUDGET_MS + MARGIN_MS);

    const last = logLines(stderr()).at(-1)!;
    expect(last.msg).toMatch(/^stopped/);
    const left = last.left as {
      ordersWithoutRow: number;
      groupsUndecided: number;
      messagesUnacked: number;
      unfinished: string[];
    };
    expect(left).toMatchObject({
      ordersWithoutRow: expect.any(Number),
      groupsUndecided: expect.any(Number),
      messagesUnacked: expect.any(Number),
      unfinished: expect.any(Array),
    });
    if (left.ordersWithoutRow > 0)
      expect(last.msg).toContain(`${left.ordersWithoutRow} orders answered 202 without a confirmed row`);
    return last;
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe("a stop ends within drainGraceMs + drainTimeoutMs whatever the dependencies' state", () => {
  const configs: Config[] = [];
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c().catch(() => {});
    for (const cfg of configs) await dropTestDatabases(cfg.mysql);
  });

  it("SIGTERM with every node of its Redis Cluster killed (kill -9)", async () => {
    const cluster = await startLocalCluster({ name: `stop-${rid(3)}` });
    cleanup.push(() => cluster.stop());
    const cfg = await durableConfig("cluster", {
      redis: { nodes: cluster.nodes.map((n) => `${n.host}:${n.port}`) },
      server,
    });
    configs.push(cfg);
    await stopAfterCut(cfg, () => {
      for (const pid of cluster.pids) process.kill(pid, "SIGKILL");
    });
  }, 180_000);

  it("SIGTERM with RocketMQ blackholed", async () => {
    const proxy = await new TcpProxy({ host: "127.0.0.1", port: 8081 }).start();
    const front = await new ConnectFront({ host: "127.0.0.1", port: proxy.port }, "127.0.0.1:8081").start();
    cleanup.push(
      () => front.stop(),
      () => proxy.stop(),
    );
    const cfg = await durableConfig("standalone", { server });
    configs.push(cfg);
    // Every gRPC connection of the child goes through the front, and so through the proxy.
    const env = { grpc_proxy: `http://127.0.0.1:${front.port}`, no_grpc_proxy: "proxy-nothing.invalid" };
    const last = await stopAfterCut(cfg, () => proxy.setMode("blackhole"), env);
    expect(last.msg).toMatch(/^stopped, leaving /);
  }, 180_000);

  it("SIGTERM with MySQL blackholed", async () => {
    const base = await durableConfig("standalone", { server });
    configs.push(base);
    const proxy = await mysqlProxy(base);
    cleanup.push(() => proxy.stop());
    const last = await stopAfterCut(throughProxy(base, proxy), () => proxy.setMode("blackhole"));
    // Orders answered 202 after the cut cannot have rows: the line names them.
    expect((last.left as { ordersWithoutRow: number }).ordersWithoutRow).toBeGreaterThan(0);
  }, 180_000);
});

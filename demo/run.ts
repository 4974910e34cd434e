import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import { loadConfig } from "../src/config/load.js";
import { MysqlShards } from "../src/persistence/mysql-shards.js";
import { freePort, ROOT } from "../stack/proc.js";
import { down, up } from "../stack/stack.js";
import { ApiClient, expectStatus } from "../support/api-client.js";
import { pool } from "../support/pool.js";
import { histogram, lineChart, page } from "./report-html.js";

/**
 * `npm run demo`: a flash sale end to end on the real stack. Thousands of buyers, ten times more demand
 * than stock, some pressing the button twice; then it waits for every order to reach MySQL, runs a sweeper
 * pass and checks the invariants against Redis and MySQL like an auditor. Exit code 1 if one fails.
 */
const BUYERS = Number(process.env.DEMO_BUYERS ?? 5000);
const STOCK = Number(process.env.DEMO_STOCK ?? 500);
const LIMIT = 2;
const SHARDS = 8;
const CONCURRENCY = Number(process.env.DEMO_CONCURRENCY ?? 256);
const OUT = join(ROOT, "demo", "out");

interface Attempt {
  user: string;
  quantity: number;
  start: number;
  ms: number;
  status: number;
  code?: string;
  orderId?: string;
  replayed: boolean;
}

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))]! : NaN;
}

/** Keep-alive HTTP/1.1 client: the demo's buyers should cost less than the gateway they measure. */
const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function post(port: number, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; body: string; replayed: boolean }> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port, path, method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (res) => {
      let data = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (data += c));
      res.on("end", () => done({ status: res.statusCode ?? 0, body: data, replayed: res.headers["idempotent-replayed"] === "true" }));
    });
    req.on("error", fail);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const started = await up(false);
  const cfg = loadConfig();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "fs-demo-"));
  writeFileSync(join(dir, "demo.json"), JSON.stringify({ server: { port, host: "127.0.0.1" } }));
  // The gateway as `npm start` runs it: compiled, not through tsx.
  execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", join(ROOT, "tsconfig.build.json")], { stdio: "inherit" });
  const gw = spawn(process.execPath, [join(ROOT, "dist", "src", "main.js")], {
    cwd: ROOT,
    env: { ...process.env, FLASHSALE_CONFIG: join(dir, "demo.json") },
    stdio: ["ignore", "inherit", "pipe"],
  });
  let gwLog = "";
  gw.stderr!.on("data", (d: Buffer) => (gwLog += d.toString()));
  const api = new ApiClient(`http://127.0.0.1:${port}`, cfg.auth);
  const shards = new MysqlShards(cfg.mysql);
  let failed = false;
  try {
    for (let i = 0; ; i++) {
      if (await api.ready()) break;
      if (i > 150 || gw.exitCode !== null) throw new Error(`gateway did not become ready:\n${gwLog}`);
      await sleep(200);
    }
    const saleId = `demo-${Date.now().toString(36)}`;
    const startInMs = 4000;
    const startsAt = Date.now() + startInMs;
    const put = await api.putSale(saleId, { skuId: "limited-sneaker", stock: STOCK, perUserLimit: LIMIT, startInMs, durationMs: 600_000, shards: SHARDS });
    expectStatus("create the sale", put, 201);
    console.log(`sale ${saleId}: ${STOCK} units on ${SHARDS} shards, ${BUYERS} buyers, limit ${LIMIT} per buyer`);

    // Before the start: every buyer signs in and takes a purchase token (issued from startsAt - leadSeconds).
    const buyers = Array.from({ length: BUYERS }, (_, i) => {
      const user = `buyer-${i}`;
      return { user, auth: `Bearer ${api.jwt(user, 3600)}`, token: "", quantity: i % 5 === 0 ? 2 : 1 };
    });
    await pool(buyers, 64, async (b) => {
      b.token = await api.token(saleId, b.user);
    });
    await sleep(Math.max(0, startsAt - Date.now()));

    // The drop: everyone at once; one in ten presses the button twice (a replay of the same key).
    const attempts: Attempt[] = [];
    const t0 = Date.now();
    const fire = async (b: (typeof buyers)[number]) => {
      const start = performance.now();
      const startedAt = Date.now() - t0;
      const r = await post(port, `/v1/sales/${saleId}/orders`, { authorization: b.auth, "idempotency-key": b.token, "content-type": "application/json" }, JSON.stringify({ quantity: b.quantity }));
      const body = JSON.parse(r.body) as { orderId?: string; error?: { code: string } };
      attempts.push({ user: b.user, quantity: b.quantity, start: startedAt, ms: performance.now() - start, status: r.status, code: body.error?.code, orderId: body.orderId, replayed: r.replayed });
    };
    const wave = [...buyers, ...buyers.filter((_, i) => i % 10 === 3)];
    await pool(wave, CONCURRENCY, fire);
    const trafficMs = Date.now() - t0;
    const acceptedAt = new Map<string, number>();
    for (const a of attempts) if (a.status === 202 && !a.replayed) acceptedAt.set(a.orderId!, t0 + a.start + a.ms);
    const accepted = attempts.filter((a) => a.status === 202 && !a.replayed);
    const soldUnits = accepted.reduce((s, a) => s + a.quantity, 0);
    console.log(`traffic: ${attempts.length} attempts in ${trafficMs} ms, ${accepted.length} orders (${soldUnits} units) accepted`);

    // Wait for persistence, then one sweeper pass.
    const stats = async () => (await api.stats(saleId)).body as Record<string, any>;
    let s = await stats();
    for (let i = 0; (s.mysql.total !== accepted.length || s.pending !== 0) && i < 300; i++) {
      await sleep(100);
      s = await stats();
    }
    const reconcile = (await api.reconcile(saleId)).body;
    s = await stats();

    // The auditor: read every row of the sale from every shard and table.
    const rows: { order_id: string; user_id: string; quantity: number; created_at: Date; updated_at: Date }[] = [];
    for (const t of shards.allTables()) {
      const [r] = await t.pool.query<RowDataPacket[]>(`SELECT order_id, user_id, quantity, created_at, updated_at FROM \`${t.table}\` WHERE sale_id = ?`, [saleId]);
      rows.push(...(r as typeof rows));
    }
    const ids = rows.map((r) => r.order_id);
    const perBuyer = new Map<string, number>();
    for (const r of rows) perBuyer.set(r.user_id, (perBuyer.get(r.user_id) ?? 0) + r.quantity);
    // Lag on the server's clock: created_at is the reservation (the 202 leaves right after its commit),
    // updated_at the row's insert. The client's own receive time is skewed by its busy event loop.
    const lags = rows.filter((r) => acceptedAt.has(r.order_id)).map((r) => r.updated_at.getTime() - r.created_at.getTime());
    const lat202 = accepted.map((a) => a.ms).sort((a, b) => a - b);
    const latAll = attempts.map((a) => a.ms).sort((a, b) => a - b);
    const lagSorted = [...lags].sort((a, b) => a - b);
    const replays = attempts.filter((a) => a.replayed);
    const invariants = {
      soldEqualsStock: soldUnits === STOCK,
      noOversell: soldUnits <= STOCK && s.redisRemaining >= 0,
      mysqlRowsEqualAccepted: rows.length === accepted.length && rows.every((r) => acceptedAt.has(r.order_id)),
      noDuplicates: new Set(ids).size === ids.length,
      perBuyerLimit: [...perBuyer.values()].every((q) => q <= LIMIT),
      replaysNeverDeducted: replays.every((r) => attempts.some((a) => !a.replayed && a.orderId === r.orderId)) || replays.every((r) => r.status !== 202),
      driftZero: s.drift === 0,
    };
    const byStatus: Record<string, number> = {};
    for (const a of attempts) byStatus[a.code ?? String(a.status)] = (byStatus[a.code ?? String(a.status)] ?? 0) + 1;
    const report = {
      saleId, buyers: BUYERS, stock: STOCK, shards: SHARDS, perUserLimit: LIMIT, concurrency: CONCURRENCY,
      attempts: attempts.length, trafficMs, attemptsPerSecond: Math.round((attempts.length / trafficMs) * 1000),
      accepted: accepted.length, soldUnits, answers: byStatus,
      latencyMs: { p50: pct(latAll, 0.5), p99: pct(latAll, 0.99), accepted202: { p50: pct(lat202, 0.5), p99: pct(lat202, 0.99) } },
      mysqlRows: rows.length, duplicates: ids.length - new Set(ids).size, oversell: Math.max(0, soldUnits - STOCK),
      lag202ToRowMs: { p50: pct(lagSorted, 0.5), p99: pct(lagSorted, 0.99), max: lagSorted[lagSorted.length - 1] },
      reconcile, stats: s, invariants,
    };
    failed = Object.values(invariants).some((v) => !v);

    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "report.json"), JSON.stringify(report, null, 2));
    const bucket = 100;
    const series = (pred: (a: Attempt) => boolean) => {
      const m = new Map<number, number>();
      for (const a of attempts) if (pred(a)) m.set(Math.floor(a.start / bucket), (m.get(Math.floor(a.start / bucket)) ?? 0) + 1);
      return [...Array(Math.ceil(trafficMs / bucket) + 1).keys()].map((i) => [(i * bucket) / 1000, m.get(i) ?? 0] as [number, number]);
    };
    writeFileSync(join(OUT, "report.html"), page(`Flash sale ${saleId}`, {
      "attempts / s": report.attemptsPerSecond, accepted: report.accepted, "sold units": soldUnits, "MySQL rows": rows.length,
      oversell: report.oversell, duplicates: report.duplicates, drift: s.drift, "latency p50/p99 ms": `${report.latencyMs.p50.toFixed(1)} / ${report.latencyMs.p99.toFixed(1)}`,
      "reservation → MySQL row lag p50/p99 ms": `${report.lag202ToRowMs.p50} / ${report.lag202ToRowMs.p99}`, invariants,
    }, [
      lineChart("Answers over time (per 100 ms)", "seconds since the drop", "answers", [
        { label: "accepted (202)", color: "#2a9d4b", points: series((a) => a.status === 202) },
        { label: "rejected", color: "#d1495b", points: series((a) => a.status !== 202) },
      ]),
      histogram("Latency of every answer (ms)", "ms", attempts.map((a) => a.ms)),
      histogram("Latency of accepted orders (ms)", "ms", accepted.map((a) => a.ms), 30, "#2a9d4b"),
      histogram("Lag from reservation (202) to MySQL row (ms)", "ms", lags, 30, "#e09f3e"),
    ]));

    console.log(`\n=== flash sale report (${saleId}) ===`);
    console.log(`attempts        ${attempts.length} in ${trafficMs} ms (${report.attemptsPerSecond}/s), answers ${JSON.stringify(byStatus)}`);
    console.log(`latency         p50 ${report.latencyMs.p50.toFixed(1)} ms, p99 ${report.latencyMs.p99.toFixed(1)} ms; 202 p50 ${report.latencyMs.accepted202.p50.toFixed(1)} ms, p99 ${report.latencyMs.accepted202.p99.toFixed(1)} ms`);
    console.log(`sold            ${soldUnits}/${STOCK} units in ${accepted.length} orders; MySQL rows ${rows.length}; oversell ${report.oversell}; duplicates ${report.duplicates}; drift ${s.drift}`);
    console.log(`reserve → row   p50 ${report.lag202ToRowMs.p50} ms, p99 ${report.lag202ToRowMs.p99} ms, max ${report.lag202ToRowMs.max} ms`);
    console.log(`invariants      ${Object.entries(invariants).map(([k, v]) => `${k}=${v ? "ok" : "FAILED"}`).join(" ")}`);
    console.log(`written         demo/out/report.json, demo/out/report.html`);
  } finally {
    gw.kill("SIGTERM");
    await sleep(500);
    await shards.close();
    await down(started);
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exit(1);
});

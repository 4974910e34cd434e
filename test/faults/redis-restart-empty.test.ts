import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../../src/config/schema.js";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { SaleOrderRef } from "../../src/persistence/order-repository.js";
import { saleLedger } from "../../src/reservation/ledger.js";
import { durableConfig, eventually, mysqlProxy, startApp, stopApp, throughProxy } from "../helpers/durable.js";
import { pool, rid, type Api } from "../helpers/env.js";
import { EphemeralRedis } from "../helpers/redis-server.js";
import { TcpProxy } from "../helpers/tcp-proxy.js";

/** What one buyer's purchase with one token came to (503s retried with the same key). */
interface Answer {
  user: string;
  status: number;
  code?: string;
  orderId?: string;
}

async function buy(api: Api, saleId: string, user: string, token: string): Promise<Answer> {
  for (let i = 0; ; i++) {
    const r = await api.order(saleId, user, token).catch(() => ({ status: 0, body: null as any }));
    const code = r.body?.error?.code as string | undefined;
    if ((r.status === 503 || r.status === 0 || code === "IDEMPOTENCY_IN_PROGRESS") && i < 20) {
      await sleep(100);
      continue;
    }
    return { user, status: r.status, code, orderId: r.status === 202 ? (r.body.orderId as string) : undefined };
  }
}

/**
 * Guarantee 9, the standalone half: a Redis without replicas or persistence is killed (kill -9) in the
 * middle of a sale and comes back empty on the same port. The gateway must notice (the sale's settings and
 * every shard's stock counter are gone), pause the sale, refuse to warm it again from an operator's PUT,
 * rebuild it from MySQL (and honour the orders accepted just before the loss), and sell the rest: no
 * oversell, every 202 a row, no duplicate, the limit kept, all stock sold, drift 0.
 */
describe("Redis restarted empty mid-sale (standalone, no persistence)", () => {
  let redis: EphemeralRedis;
  let cfg: Config;
  let app: GatewayProcess;
  let api: Api;
  let mysql: TcpProxy;

  beforeAll(async () => {
    redis = await EphemeralRedis.start();
    const base = await durableConfig("standalone", {
      redis: { url: redis.url },
      // The default quiet period: the test sees the sale paused before its rebuild, and the writer parks
      // and notes the orders accepted just before the loss well within it, however loaded the machine.
      sweeper: { intervalMs: 300, persistAfterMs: 2000, recoveryQuietMs: 10_000 },
      admission: { rateLimits: { enabled: false }, shedding: { enabled: false } },
    });
    // MySQL through a proxy: cut while Redis dies, so the orders accepted just before are neither in MySQL
    // nor (after the restart) in Redis: the writer must park them or land them late, and none may be lost.
    mysql = await mysqlProxy(base);
    cfg = throughProxy({ ...base, mysql: { ...base.mysql, queryTimeoutMs: 1000 } }, mysql);
    ({ app, api } = await startApp(cfg));
  });
  afterAll(async () => {
    mysql.setMode("pass");
    await stopApp(app, cfg);
    await redis.kill();
    await mysql.stop();
  });

  it(
    "pauses the sale, refuses a re-warm, rebuilds it from MySQL and sells exactly the stock",
    { timeout: 180_000 },
    async () => {
      const saleId = `empty${rid()}`;
      const stock = 150;
      const limit = 2;
      expect((await api.putSale(saleId, { stock, perUserLimit: limit, shards: 4 })).status).toBe(201);
      const users = Array.from({ length: 260 }, (_, i) => `re${i}`);
      const answers: Answer[] = [];

      // Before: 80 buyers, all accepted.
      const tokens = await pool(users.slice(0, 80), 16, (u) => api.token(saleId, u));
      answers.push(...(await pool(users.slice(0, 80), 16, (u, i) => buy(api, saleId, u, tokens[i]!))));
      expect(answers.filter((a) => a.status === 202)).toHaveLength(80);

      // During: 60 more buyers with tokens taken before; MySQL is cut, and Redis dies and comes back empty
      // while they buy. MySQL comes back a few seconds later.
      const during = users.slice(80, 140);
      const duringTokens = await pool(during, 16, (u) => api.token(saleId, u));
      // A genuine token issued before the loss and never used: only the pause can refuse it while recovering.
      const unusedToken = await api.token(saleId, "re-late");
      await eventually(
        "the first 80 in MySQL",
        () => app.repo.countBySale(saleId),
        (c) => c.quantity.confirmed === 80,
      );
      mysql.setMode("reset");
      let started = 0;
      const crash = (async () => {
        while (started < 30) await sleep(5);
        await redis.crashAndRestartEmpty();
        await sleep(4000);
        mysql.setMode("pass");
      })();
      answers.push(...(await pool(during, 8, (u, i) => (started++, buy(api, saleId, u, duringTokens[i]!)))));
      await crash;

      // The loss is noticed: the sale reads paused and recovering, and an operator's PUT cannot warm it again.
      const paused = await eventually(
        "sale paused as recovering",
        () => api.sale(saleId),
        (r) => r.status === 200 && r.body.status === "PAUSED",
      );
      expect(paused.body.recovering).toBe(true);
      const put = await api.putSale(saleId, { stock, perUserLimit: limit, shards: 4 });
      expect(put.status, JSON.stringify(put.body)).toBe(409);
      expect(put.body.error.code).toBe("SALE_LOCKED");
      // Orders are refused while recovering: a token issued before the loss, and the replay of a key answered
      // 202 before it, both valid for this buyer and sale, get 409 SALE_NOT_LIVE (not 403, not 503).
      for (const [user, token] of [
        ["re-late", unusedToken],
        [users[0]!, tokens[0]!],
      ] as const) {
        const refused = await api.order(saleId, user, token);
        expect(refused.status, JSON.stringify(refused.body)).toBe(409);
        expect(refused.body.error.code).toBe("SALE_NOT_LIVE");
      }

      // Rebuilt after the quiet period, then sold again: everyone (old tokens are gone) takes a new token.
      await eventually(
        "sale live again",
        () => api.sale(saleId),
        (r) => r.status === 200 && r.body.status === "LIVE",
        30_000,
      );
      // Replays of keys answered before the loss are exact: the rebuilt token returns the same order.
      for (const i of [0, 41, 79]) {
        const replay = await api.order(saleId, users[i]!, tokens[i]!);
        expect(replay.status, JSON.stringify(replay.body)).toBe(202);
        expect(replay.body.orderId).toBe(answers[i]!.orderId);
        expect(replay.headers.get("idempotent-replayed")).toBe("true");
      }
      for (let round = 0; round < 3; round++) {
        const again = await pool(users, 16, async (u) => {
          const t = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer(u) });
          if (t.status !== 201) return { user: u, status: t.status, code: t.body?.error?.code as string | undefined };
          return buy(api, saleId, u, t.body.token as string);
        });
        answers.push(...again);
        if (again.every((a) => a.status === 409)) break;
      }

      // The audit, against MySQL and the rebuilt ledger.
      const accepted = answers.filter((a) => a.status === 202);
      const scan = async () => {
        const rows: SaleOrderRef[] = [];
        for await (const r of app.repo.scanSale(saleId)) rows.push(r);
        return rows;
      };
      const rows = await eventually(
        "every 202 a row",
        scan,
        (rs) => {
          const ids = new Set(rs.map((r) => r.orderId));
          return accepted.every((a) => ids.has(a.orderId!));
        },
        60_000,
      );
      const units = rows.reduce((s, r) => s + r.quantity, 0);
      expect(units, "no oversell, and all stock sold").toBe(stock);
      expect(new Set(rows.map((r) => r.orderId)).size, "one row per order").toBe(rows.length);
      expect(new Set(accepted.map((a) => a.orderId)).size, "one 202 per order").toBe(accepted.length);
      const perUser = new Map<string, number>();
      for (const r of rows) perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + r.quantity);
      expect(Math.max(...perUser.values()), "per-buyer limit").toBeLessThanOrEqual(limit);
      // A row nobody was answered 202 for can only be an attempt whose answer the failure cut off.
      const unanswered = new Set(answers.filter((a) => a.status !== 202 && a.status !== 409).map((a) => a.user));
      const answeredIds = new Set(accepted.map((a) => a.orderId));
      for (const r of rows.filter((x) => !answeredIds.has(x.orderId)))
        expect(unanswered, `row ${r.orderId} of ${r.userId}`).toContain(r.userId);
      expect(
        answers
          .filter((a) => a.status === 409)
          .every((a) => ["SOLD_OUT", "LIMIT_EXCEEDED", "SALE_NOT_LIVE"].includes(a.code!)),
      ).toBe(true);

      expect((await api.reconcile(saleId)).status).toBe(200);
      const stats = (await api.stats(saleId)).body;
      expect(stats).toMatchObject({ stock, redisRemaining: 0, drift: 0, pending: 0 });
      const ledger = await saleLedger(app.redis, app.keys, (await app.sales.load(saleId))!);
      const liveUnits = ledger
        .filter((r) => r.state !== "tombstone" && r.state !== "released")
        .reduce((s, r) => s + r.quantity, 0);
      expect(liveUnits, "the rebuilt ledger holds every unit sold").toBe(stock);
      const during202 = answers
        .slice(80, 140)
        .reduce(
          (m: Record<string, number>, a) => (
            (m[a.code ?? String(a.status)] = (m[a.code ?? String(a.status)] ?? 0) + 1),
            m
          ),
          {},
        );
      console.log(
        `[restart-empty] ${JSON.stringify({ before: 80, during: during202, parked: app.writer.stats.parked, rows: rows.length, buyers: perUser.size })}`,
      );
    },
  );
});

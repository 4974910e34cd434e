import { setTimeout as sleep } from "node:timers/promises";
import { expect } from "vitest";
import type { GatewayProcess } from "../../src/gateway-process.js";
import type { SaleOrderRef } from "../../src/persistence/order-repository.js";
import { saleLedger, type LedgerRecord } from "../../src/reservation/ledger.js";
import { eventually } from "../helpers/durable.js";
import { pool, type Api } from "../helpers/env.js";

/** The last answer a buyer got for one purchase token (after retrying 503s with the same key). */
export interface Attempt {
  user: string;
  token: string;
  quantity: number;
  status: number;
  code?: string;
  orderId?: string;
  /** Answered with Idempotent-Replayed: true. */
  replayed?: boolean;
}

/** One purchase attempt as a storefront makes it: a 503 or a key still in progress is retried with the same key. */
export async function attempt(api: Api, saleId: string, user: string, token: string, quantity = 1): Promise<Attempt> {
  for (let i = 0; ; i++) {
    const r = await api.order(saleId, user, token, quantity);
    const code = r.body?.error?.code as string | undefined;
    const again = r.status === 503 || r.status === 429 || code === "IDEMPOTENCY_IN_PROGRESS";
    if (again && i < 100) {
      await sleep(200);
      continue;
    }
    const replayed = r.headers.get("idempotent-replayed") === "true";
    return {
      user,
      token,
      quantity,
      status: r.status,
      code,
      orderId: r.status === 202 ? (r.body.orderId as string) : undefined,
      replayed,
    };
  }
}

/** A purchase token, asked again while the gateway sheds load or rate-limits (a busy test machine). */
export async function tokenFor(api: Api, saleId: string, user: string): Promise<string> {
  for (let i = 0; ; i++) {
    const r = await api.call("POST", `/v1/sales/${saleId}/tokens`, { headers: api.buyer(user) });
    if (r.status === 201) return r.body.token as string;
    if ((r.status !== 503 && r.status !== 429) || i >= 100)
      throw new Error(`token for ${user}: ${r.status} ${JSON.stringify(r.body)}`);
    await sleep(200);
  }
}

/** New buyers each take a token and try once (retrying 503s with the same key). */
export async function flood(api: Api, saleId: string, users: string[], concurrency = 32): Promise<Attempt[]> {
  const tokens = await pool(users, 32, (u) => tokenFor(api, saleId, u));
  return pool(users, concurrency, (u, i) => attempt(api, saleId, u, tokens[i]!));
}

const LIVE = new Set(["reserved", "confirmed", "paid"]);

/**
 * Checks a sale's end state as a ledger auditor would, against the Redis ledger, the MySQL rows and the
 * stats endpoint: waits (bounded) until every 202 is a row, runs sweeper passes until the stats converge, then asserts no
 * oversell, no lost 202, no duplicate, the per-buyer limit, units conserved (each unit on a shard, in a
 * transfer or held by exactly one live reservation), every live reservation a row and every row a
 * reservation of one of our tokens, drift 0, and (`allSold`) the whole stock sold.
 */
export async function audit(opts: {
  api: Api;
  gw: GatewayProcess;
  saleId: string;
  attempts: Attempt[];
  allSold: boolean;
  rowsWithinMs?: number;
}) {
  const { api, gw, saleId, attempts } = opts;
  const sale = (await gw.sales.load(saleId))!;
  const accepted = attempts.filter((a) => a.status === 202);
  for (const a of attempts) expect([202, 409], `${a.user}: ${a.status} ${a.code}`).toContain(a.status);
  for (const a of attempts.filter((x) => x.status === 409)) expect(["SOLD_OUT", "LIMIT_EXCEEDED"]).toContain(a.code);

  const scan = async () => {
    const rows: SaleOrderRef[] = [];
    for await (const r of gw.repo.scanSale(saleId)) rows.push(r);
    return rows;
  };
  await eventually(
    "every 202 a row",
    scan,
    (rows) => {
      const ids = new Set(rows.map((r) => r.orderId));
      return accepted.every((a) => ids.has(a.orderId!));
    },
    opts.rowsWithinMs ?? 60_000,
  );

  // Sweeper passes until the stats converge: a row younger than the sweeper's confirm grace (5 s) is left to
  // its writer, so a writer killed just after its rows is repaired by the first pass after that, not before.
  const { pass, stats } = await eventually(
    "the stats converged after sweeper passes",
    async () => {
      const pass = await api.reconcile(saleId);
      expect(pass.status).toBe(200);
      return { pass, stats: (await api.stats(saleId)).body };
    },
    ({ stats: s }) => s.drift === 0 && s.pending === 0 && s.inTransfer === 0,
    15_000,
  );
  expect(stats).toMatchObject({ stock: sale.stock, drift: 0, pending: 0, inTransfer: 0 });

  const rows = await scan();
  const ledger = await saleLedger(gw.redis, gw.keys, sale);
  const live = ledger.filter((r) => LIVE.has(r.state));
  const byId = new Map<string, LedgerRecord>(ledger.map((r) => [r.orderId, r]));
  const liveUnits = live.reduce((s, r) => s + r.quantity, 0);

  // No duplicate: one row per order id (across every table of every shard), one live order per token.
  expect(new Set(rows.map((r) => r.orderId)).size).toBe(rows.length);
  const liveTokens = live.map((r) => r.token);
  expect(new Set(liveTokens).size).toBe(liveTokens.length);
  const ourTokens = new Set(attempts.map((a) => a.token));
  // None invented: every live reservation is one of the tokens we used.
  for (const r of live) expect(ourTokens.has(r.token), `reservation ${r.orderId} of an unknown token`).toBe(true);

  // Rows and live reservations are the same orders, for the same buyer and quantity.
  expect(new Set(rows.map((r) => r.orderId))).toEqual(new Set(live.map((r) => r.orderId)));
  for (const row of rows) {
    const rec = byId.get(row.orderId)!;
    expect({ userId: row.userId, quantity: row.quantity, status: row.status }).toEqual({
      userId: rec.userId,
      quantity: rec.quantity,
      status: "CONFIRMED",
    });
  }

  // No lost 202, and the same key always named the same order.
  const orderOfToken = new Map<string, string>();
  for (const a of accepted) {
    const rec = byId.get(a.orderId!);
    expect(rec && LIVE.has(rec.state), `202 ${a.orderId} has no live reservation`).toBe(true);
    expect({ token: rec!.token, userId: rec!.userId, quantity: rec!.quantity }).toEqual({
      token: a.token,
      userId: a.user,
      quantity: a.quantity,
    });
    const seen = orderOfToken.get(a.token);
    if (seen) expect(a.orderId).toBe(seen);
    orderOfToken.set(a.token, a.orderId!);
  }

  // Redis lost nothing in these scenarios: no order of a committed message may lack its ledger record
  // (the writer parks such orders as evidence of a lost reservation, settled or not).
  const parked = await Promise.all(
    gw.shards.databases().map(async ({ pool: db }) => {
      const [r] = (await db.query("SELECT order_id FROM parked_orders WHERE sale_id = ?", [saleId])) as unknown as [
        { order_id: string }[],
      ];
      return r.map((x) => x.order_id);
    }),
  );
  expect(parked.flat()).toEqual([]);

  // Per-buyer limit, no oversell, units conserved, counted from the raw keys (not from the stats code).
  const perBuyer = new Map<string, number>();
  for (const r of live) perBuyer.set(r.userId, (perBuyer.get(r.userId) ?? 0) + r.quantity);
  for (const [user, n] of perBuyer) expect(n, `buyer ${user}`).toBeLessThanOrEqual(sale.perUserLimit);
  const shardStocks = await Promise.all(
    Array.from({ length: sale.shards }, async (_, i) =>
      Number((await gw.redis.get(gw.keys.shard(saleId, i).stock)) ?? 0),
    ),
  );
  const inTransfer = (
    await Promise.all(Array.from({ length: sale.shards }, (_, i) => gw.redis.hvals(gw.keys.shard(saleId, i).xout)))
  )
    .flat()
    .reduce((s, rec) => s + Number(rec.split("|")[1] ?? 0), 0);
  expect(shardStocks.every((s) => s >= 0)).toBe(true);
  expect(liveUnits).toBeLessThanOrEqual(sale.stock);
  expect(inTransfer).toBe(0);
  expect(shardStocks.reduce((a, b) => a + b, 0) + liveUnits).toBe(sale.stock);
  expect(stats).toMatchObject({ redisRemaining: sale.stock - liveUnits, reserved: liveUnits, confirmed: liveUnits });
  if (opts.allSold) expect(liveUnits).toBe(sale.stock);
  return { stats, rows, ledger, live, pass: pass.body };
}

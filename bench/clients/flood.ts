import { setTimeout as sleep } from "node:timers/promises";
import { signBuyerJwt } from "../../src/admission/auth.js";
import { PurchaseTokens } from "../../src/admission/purchase-token.js";
import { loadConfig } from "../../src/config/load.js";
import { percentiles } from "../lib/percentiles.js";
import {
  answerKey,
  HttpConnection as Connection,
  requestBytes as request,
  type Answer,
} from "../lib/http-connection.js";
import { reply, stdinMessages } from "../lib/proc.js";
import type { Latency as Percentiles } from "../lib/stats.js";

/**
 * The flash-sale crowd for end-to-end (run by the parent pinned to the load core). Every buyer sends
 * exactly one POST /v1/sales/{id}/orders with their own JWT and purchase token; `concurrency` keep-alive
 * connections take buyers in order until all have had their one attempt (a closed loop, as a crowd of
 * `concurrency` fingers on the button); a 503 or 429 is retried with the same key after Retry-After, as a
 * storefront does, and the buyer's last answer counts. autocannon cannot do this (every connection replays the same
 * request list), hence a small HTTP/1.1 client of its own: requests are pre-built byte buffers, answers
 * are read by Content-Length, only the 202 bodies are parsed.
 *
 * Jobs, one at a time, from stdin:
 * - {"cmd":"prepare"}: signs the buyers' JWTs, gets their purchase tokens (over HTTP from the gateway,
 *   `POST /v1/sales/{id}/tokens`, or minted here with the shared secret for a server that only checks
 *   the MAC), builds the request buffers. Untimed. Answers {"prepared"}.
 * - {"cmd":"flood"}: opens the connections, then the timed flood. Answers {"phase":"soldOut"} at the first
 *   answer other than 202, then a FloodResult.
 */
export interface PrepareJob {
  cmd: "prepare";
  port: number;
  saleId: string;
  /** Buyers are `${userPrefix}${i}`, i < buyers. */
  userPrefix: string;
  buyers: number;
  tokens: "http" | "mint";
  /** Connections used to fetch tokens over HTTP. */
  tokenConnections: number;
  /**
   * Attempts cycle through this many buyers, each repeating their JWT and token (every cache hits; for a
   * sold-out sale only: a buyer buys once). Unset: every attempt a buyer of its own.
   */
  pool?: number;
}

export interface FloodJob {
  cmd: "flood";
  port: number;
  connections: number;
}

export interface Accepted {
  orderId: string;
  userId: string;
  /** Wall-clock time (unix ms, sub-ms precision) the 202 was received. */
  receivedAt: number;
  ms: number;
}

export interface FloodResult {
  attempts: number;
  /** Answers by "status CODE" (CODE from the error body), e.g. "202", "409 SOLD_OUT". */
  answers: Record<string, number>;
  /** 503/429 answers retried with the same key (by status and reason); `answers` holds each buyer's last answer. */
  retries: number;
  retried: Record<string, number>;
  /** Connection failures (an attempt without an answer). */
  errors: number;
  /** From the first request sent to the last 202 received (the selling phase), and to the last answer. */
  sellMs: number;
  totalMs: number;
  /** Answers received after the last 202 and the time they took. */
  afterSellOut: { attempts: number; ms: number };
  latencyMs: { accepted: Percentiles; all: Percentiles };
  accepted: Accepted[];
  /** CPU seconds this process spent during the flood. */
  cpuSeconds: number;
}

// Types only: importing this module for a value would run a flood client in the importer.
export type { Latency as Percentiles } from "../lib/stats.js";

const cfg = loadConfig();
const purchaseTokens = new PurchaseTokens(cfg.auth.userJwtSecret);

interface Buyer {
  userId: string;
  request: Buffer;
}
let prepared: Buyer[] = [];

async function prepare(job: PrepareJob): Promise<{ prepared: number; ms: number }> {
  const t0 = performance.now();
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const pool = job.pool ?? job.buyers;
  const users = Array.from({ length: job.buyers }, (_, i) => `${job.userPrefix}${i % pool}`);
  const signed = users.slice(0, pool).map((sub) => `Bearer ${signBuyerJwt(cfg.auth.userJwtSecret, { sub, exp })}`);
  const jwts = users.map((_, i) => signed[i % pool]!);
  const tokens: string[] = new Array(job.buyers);
  if (job.tokens === "mint") {
    users.forEach(
      (u, i) => (tokens[i] = i < pool ? purchaseTokens.mint(job.saleId, u, Date.now() + 3_600_000) : tokens[i % pool]!),
    );
  } else {
    const conns = await Connection.openMany(job.port, job.tokenConnections);
    let next = 0;
    await Promise.all(
      conns.map(async (c) => {
        while (next < users.length) {
          const i = next++;
          let a = await c.request(
            request("POST", `/v1/sales/${job.saleId}/tokens`, job.port, { Authorization: jwts[i]! }),
          );
          // A storefront honours 503/429 (shedding, limits) by coming back shortly; tokens are not what is measured.
          for (let tries = 0; (a.status === 503 || a.status === 429) && tries < 50; tries++) {
            await sleep(20);
            a = await c.request(
              request("POST", `/v1/sales/${job.saleId}/tokens`, job.port, { Authorization: jwts[i]! }),
            );
          }
          if (a.status !== 201) throw new Error(`token for ${users[i]}: ${a.status} ${a.body.toString()}`);
          tokens[i] = (JSON.parse(a.body.toString()) as { token: string }).token;
        }
      }),
    );
    for (const c of conns) c.close();
  }
  const body = JSON.stringify({ quantity: 1 });
  prepared = users.map((userId, i) => ({
    userId,
    request: request(
      "POST",
      `/v1/sales/${job.saleId}/orders`,
      job.port,
      {
        Authorization: jwts[i]!,
        "Idempotency-Key": tokens[i]!,
        "Content-Type": "application/json",
      },
      body,
    ),
  }));
  return { prepared: prepared.length, ms: performance.now() - t0 };
}

/**
 * One buyer's request. A 503 or 429 is retried with the same key after Retry-After (jittered, at most 1 s),
 * as storefronts do: it consumed nothing, or its reservation stands and the retry replays it.
 */
async function requestRetrying(
  c: Connection,
  request: Buffer,
  counts: { retries: number; retried: Record<string, number> },
): Promise<Answer> {
  let a = await c.request(request);
  for (let tries = 0; (a.status === 503 || a.status === 429) && tries < 30; tries++) {
    counts.retries++;
    const key = answerKey(a);
    counts.retried[key] = (counts.retried[key] ?? 0) + 1;
    await sleep(Math.min(1000, (a.retryAfter ?? 1) * 1000) * (0.5 + Math.random()));
    a = await c.request(request);
  }
  return a;
}

async function flood(job: FloodJob): Promise<FloodResult> {
  const buyers = prepared;
  const conns = await Connection.openMany(job.port, job.connections);
  const all = new Float64Array(buyers.length);
  const acceptedMs: number[] = [];
  const accepted: Accepted[] = [];
  const doneAt = new Float64Array(buyers.length);
  const answers: Record<string, number> = {};
  let errors = 0;
  let next = 0;
  let answered = 0;
  const retrying = { retries: 0, retried: {} as Record<string, number> };
  const usage0 = process.cpuUsage();
  // Wall clock = this offset + performance.now(), fixed once so a clock step cannot bend one run.
  const wallOffset = Date.now() - performance.now();
  const t0 = performance.now();
  let last202 = t0;
  // One {"phase":"soldOut"} line before the result, at the first answer other than 202 (the parent samples
  // CPU there to split the selling phase from the rejects), or at the end if there was none.
  let soldOutSeen = false;
  await Promise.all(
    conns.map(async (c) => {
      while (next < buyers.length) {
        const i = next++;
        const b = buyers[i]!;
        const start = performance.now();
        let a: Answer;
        try {
          a = await requestRetrying(c, b.request, retrying);
        } catch {
          errors++;
          return;
        }
        const end = performance.now();
        const ms = end - start;
        all[answered++] = ms;
        doneAt[i] = end;
        if (a.status === 202) {
          const order = JSON.parse(a.body.toString()) as { orderId: string };
          acceptedMs.push(ms);
          accepted.push({ orderId: order.orderId, userId: b.userId, receivedAt: wallOffset + end, ms });
          if (end > last202) last202 = end;
          answers["202"] = (answers["202"] ?? 0) + 1;
        } else {
          if (!soldOutSeen) {
            soldOutSeen = true;
            reply({ phase: "soldOut", accepted: accepted.length });
          }
          const key = answerKey(a);
          answers[key] = (answers[key] ?? 0) + 1;
        }
      }
    }),
  );
  const tEnd = performance.now();
  if (!soldOutSeen) reply({ phase: "soldOut", accepted: accepted.length });
  const usage = process.cpuUsage(usage0);
  for (const c of conns) c.close();
  let after = 0;
  for (let i = 0; i < buyers.length; i++) if (doneAt[i]! > last202) after++;
  return {
    attempts: answered,
    answers,
    retries: retrying.retries,
    retried: retrying.retried,
    errors,
    sellMs: last202 - t0,
    totalMs: tEnd - t0,
    afterSellOut: { attempts: after, ms: tEnd - last202 },
    latencyMs: { accepted: percentiles(acceptedMs), all: percentiles(all.subarray(0, answered)) },
    accepted,
    cpuSeconds: (usage.user + usage.system) / 1e6,
  };
}

let queue = Promise.resolve();
stdinMessages((job: PrepareJob | FloodJob) => {
  queue = queue.then(async () => {
    try {
      reply(job.cmd === "prepare" ? await prepare(job) : await flood(job));
    } catch (err) {
      reply({ error: err instanceof Error ? err.message : String(err) });
    }
  });
});

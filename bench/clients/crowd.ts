import { writeFileSync } from "node:fs";
import { signBuyerJwt } from "../../src/admission/auth.js";
import { loadConfig } from "../../src/config/load.js";
import { answerKey, codeOf, HttpConnection, requestBytes, type Answer } from "../lib/http-connection.js";
import { atPercentile, percentileCurve } from "../lib/percentiles.js";
import { reply, stdinMessages } from "../lib/proc.js";
import { roomJoin, roomRun, type RoomJoinJob, type RoomRunJob } from "./room-crowd.js";

/**
 * The flash-sale crowd (`npm run demo -- --headline`), a load generator in a process of its own, meant to
 * be pinned to the load core. It must cost clearly less CPU per request than the gateway spends answering
 * it (it reports its own CPU seconds; the parent divides both by the requests), so requests are bytes built
 * from a buyer's JWT and key, answers are read by Content-Length, and only a 202's body is parsed.
 *
 * The buyers: `buyers` of them, `${userPrefix}${i}`; buyer i orders quantity 2 when i % 3 == 0, else 1;
 * every `secondKeyEvery`-th buyer takes a second purchase token and tries with it too. Every buyer takes
 * their tokens before the start (POST /tokens, over HTTP from the gateway).
 *
 * The attempts, in waves: every buyer's first press (a shuffled order), then the second keys with the
 * first repeat of every buyer (the same key again: a replay, or the sold-out answer), then more repeats,
 * `repeats` in all per buyer. A 503 or 429 is what a storefront retries with the same key after
 * Retry-After (capped at `retryCapMs`), without holding a connection meanwhile; every request, retries
 * included, is recorded.
 *
 * Two ways to send them:
 * - closed loop: `connections` keep-alive connections, each sending its next attempt when the last answer
 *   arrives (a crowd of that many fingers on the button);
 * - open loop: attempts released at `rate` per second over up to `connections` connections; an attempt
 *   that finds none free waits, and its latency counts from when it was due (no coordinated omission).
 *
 * Jobs from stdin, one at a time: {"cmd":"prepare"} → {prepared}; {"cmd":"run"} → a summary, with every
 * accepted order and the per-second series written to `out` as JSON for the auditor.
 */
export interface CrowdPrepare {
  cmd: "prepare";
  port: number;
  saleId: string;
  userPrefix: string;
  buyers: number;
  secondKeyEvery: number;
  /** Presses of the first key after the first one, per buyer (buyer i: repeats - (i % 5 == 0 ? 1 : 0)). */
  repeats: number;
  tokenConnections: number;
}

export interface CrowdRun {
  cmd: "run";
  port: number;
  connections: number;
  mode: "closed" | "open";
  /** Attempts per second (open loop). */
  rate?: number;
  retryCapMs: number;
  out: string;
}

export interface Accepted {
  orderId: string;
  userId: string;
  quantity: number;
  /** Unix ms (sub-ms precision) the first 202 for this key was received. */
  at: number;
}

/** Answers per second of the run, by outcome, and the latency of that second's answers. */
export interface SecondBucket {
  t: number;
  accepted: number;
  replayed: number;
  soldOut: number;
  limit: number;
  retryLater: number;
  other: number;
  p50: number;
  p99: number;
}

export interface CrowdResult {
  /** Planned attempts (each buyer press) and HTTP requests sent (retries of 503/429 included). */
  attempts: number;
  requests: number;
  retries: number;
  /** Attempts still answered 503/429 after the last retry. */
  gaveUp: number;
  errors: number;
  answers: Record<string, number>;
  /** First request → last answer, and first request → last new 202 (the sell phase as buyers see it). */
  totalMs: number;
  lastAcceptedMs: number;
  latencyMs: { all: { p50: number; p99: number }; accepted: { p50: number; p99: number } };
  /** 202s for a key that named another order than the key's first 202 (must be 0). */
  replayMismatches: number;
  acceptedOrders: number;
  cpuSeconds: number;
  startedAt: number;
}

const cfg = loadConfig();

interface Plan {
  users: string[];
  jwts: string[];
  quantity: Uint8Array;
  /** Key per (buyer, key index): keys[2 * buyer + k]. */
  keys: string[];
  /** Attempt a: buyer = attemptBuyer[a], key index = attemptKey[a]. */
  attemptBuyer: Int32Array;
  attemptKey: Uint8Array;
}
let plan: Plan | null = null;
let bodies: string[] = [];

/** A fixed shuffle (the crowd is the same every run): xorshift32 Fisher–Yates. */
function shuffle(a: Int32Array, seed: number): void {
  let x = seed >>> 0 || 1;
  for (let i = a.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

async function prepare(
  job: CrowdPrepare,
): Promise<{ prepared: number; tokens: number; tokenMs: number; tokenCpuSeconds: number }> {
  const n = job.buyers;
  const exp = Math.floor(Date.now() / 1000) + 7200;
  const users = Array.from({ length: n }, (_, i) => `${job.userPrefix}${i}`);
  const jwts = users.map((sub) => `Bearer ${signBuyerJwt(cfg.auth.userJwtSecret, { sub, exp })}`);
  const quantity = Uint8Array.from(users, (_, i) => (i % 3 === 0 ? 2 : 1));
  bodies = ["", JSON.stringify({ quantity: 1 }), JSON.stringify({ quantity: 2 })];
  const second = (i: number) => i % job.secondKeyEvery === 1;
  // Token requests: every buyer's first key, then the second keys.
  const wanted: number[] = [];
  for (let i = 0; i < n; i++) wanted.push(2 * i);
  for (let i = 0; i < n; i++) if (second(i)) wanted.push(2 * i + 1);
  const keys: string[] = new Array(2 * n).fill("");
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const conns = await HttpConnection.openMany(job.port, job.tokenConnections);
  let next = 0;
  await Promise.all(
    conns.map(async (c) => {
      while (next < wanted.length) {
        const slot = wanted[next++]!;
        const buyer = slot >> 1;
        const req = requestBytes("POST", `/v1/sales/${job.saleId}/tokens`, job.port, { Authorization: jwts[buyer]! });
        let a = await c.request(req);
        // Shedding or a limit: come back shortly, as a storefront would; tokens are not what is measured.
        for (let tries = 0; (a.status === 503 || a.status === 429) && tries < 100; tries++) {
          await new Promise((r) => setTimeout(r, 50));
          a = await c.request(req);
        }
        if (a.status !== 201) throw new Error(`token for ${users[buyer]}: ${a.status} ${a.body.toString()}`);
        keys[slot] = (JSON.parse(a.body.toString()) as { token: string }).token;
      }
    }),
  );
  for (const c of conns) c.close();
  const tokenMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // Waves: first presses; second keys with the first repeats; then the remaining repeats.
  const waves: number[][] = [[], []];
  for (let i = 0; i < n; i++) {
    waves[0]!.push(2 * i);
    if (second(i)) waves[1]!.push(2 * i + 1);
    const repeats = job.repeats - (i % 5 === 0 ? 1 : 0);
    for (let r = 0; r < repeats; r++) (waves[r + 1] ??= []).push(2 * i);
  }
  const order: number[] = [];
  waves.forEach((w, k) => {
    const a = Int32Array.from(w);
    shuffle(a, 0x9e3779b9 + k);
    for (const slot of a) order.push(slot);
  });
  plan = {
    users,
    jwts,
    quantity,
    keys,
    attemptBuyer: Int32Array.from(order, (slot) => slot >> 1),
    attemptKey: Uint8Array.from(order, (slot) => slot & 1),
  };
  return { prepared: order.length, tokens: wanted.length, tokenMs, tokenCpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** A percentile of sorted latencies, to 0.1 ms. */
const pct = (sorted: Float64Array | number[], q: number) => Math.round(atPercentile(sorted, q) * 10) / 10;

/**
 * The attempts due to be sent: every planned one at once (closed loop) or released at a rate (open loop),
 * each with the time it was due, plus retries whose wait has passed. Connections with nothing to send wait
 * on it until an attempt is released or the run is over.
 */
class Schedule {
  /** Ready attempts: [attempt, due time]; retries join it when their Retry-After has passed. */
  private readonly ready: [number, number][] = [];
  private readyHead = 0;
  private planned = 0;
  private pendingRetries = 0;
  inFlight = 0;
  private wake: (() => void) | null = null;
  private readonly ticker: NodeJS.Timeout | null = null;

  constructor(
    private readonly total: number,
    private readonly open: boolean,
    rate: number,
    t0: number,
  ) {
    if (!open) return;
    // Releases due attempts every millisecond, each with the time it was due.
    this.ticker = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
      for (; this.planned < due; this.planned++) this.ready.push([this.planned, t0 + (this.planned * 1000) / rate]);
      this.signal();
    }, 1);
  }

  signal(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  take(): [number, number] | null {
    if (this.readyHead < this.ready.length) {
      const r = this.ready[this.readyHead++]!;
      if (this.readyHead > 4096 && this.readyHead * 2 > this.ready.length) {
        this.ready.splice(0, this.readyHead);
        this.readyHead = 0;
      }
      return r;
    }
    if (!this.open && this.planned < this.total) return [this.planned++, performance.now()];
    return null;
  }

  finished(): boolean {
    return this.planned >= this.total && this.readyHead >= this.ready.length && this.pendingRetries === 0;
  }

  /** Resolves at the next signal: an attempt released, a retry due, or the last answer in. */
  idle(): Promise<void> {
    return new Promise<void>((r) => {
      const prev = this.wake;
      this.wake = () => {
        prev?.();
        r();
      };
    });
  }

  /** Attempt `a` is ready again after `waitMs`. */
  retry(a: number, waitMs: number): void {
    this.pendingRetries++;
    setTimeout(() => {
      this.pendingRetries--;
      this.ready.push([a, performance.now()]);
      this.signal();
    }, waitMs);
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
  }
}

/** Every answer of the run, counted by outcome and by second, with its latency. */
class Tally {
  readonly answers: Record<string, number> = {};
  private readonly firstOrder = new Map<number, string>();
  readonly accepted: Accepted[] = [];
  private readonly latencies: Float64Array;
  private nLat = 0;
  private readonly acceptedLat: number[] = [];
  private readonly buckets: { counts: Omit<SecondBucket, "t" | "p50" | "p99">; lat: number[] }[] = [];
  requests = 0;
  retries = 0;
  gaveUp = 0;
  errors = 0;
  mismatches = 0;
  lastAccepted = 0;

  constructor(
    private readonly p: Plan,
    total: number,
    private readonly t0: number,
    private readonly wallOffset: number,
  ) {
    this.latencies = new Float64Array(total * 2);
  }

  private bucketOf(end: number) {
    const s = Math.floor((end - this.t0) / 1000);
    while (this.buckets.length <= s)
      this.buckets.push({
        counts: { accepted: 0, replayed: 0, soldOut: 0, limit: 0, retryLater: 0, other: 0 },
        lat: [],
      });
    return this.buckets[s]!;
  }

  /** Records attempt `a`'s answer, received at `end`; "retry" for a 503 or 429. */
  record(a: number, ans: Answer, ms: number, end: number): "retry" | "done" {
    const { p } = this;
    this.latencies[this.nLat++] = ms;
    const bucket = this.bucketOf(end);
    bucket.lat.push(ms);
    const b = p.attemptBuyer[a]!;
    const slot = 2 * b + p.attemptKey[a]!;
    if (ans.status === 202) {
      const orderId = (JSON.parse(ans.body.toString()) as { orderId: string }).orderId;
      this.answers[ans.replayed ? "202 replayed" : "202"] =
        (this.answers[ans.replayed ? "202 replayed" : "202"] ?? 0) + 1;
      const first = this.firstOrder.get(slot);
      if (first === undefined) {
        this.firstOrder.set(slot, orderId);
        this.accepted.push({ orderId, userId: p.users[b]!, quantity: p.quantity[b]!, at: this.wallOffset + end });
        this.acceptedLat.push(ms);
        if (end > this.lastAccepted) this.lastAccepted = end;
      } else if (first !== orderId) this.mismatches++;
      if (ans.replayed) bucket.counts.replayed++;
      else bucket.counts.accepted++;
      return "done";
    }
    const code = codeOf(ans);
    const key = answerKey(ans);
    this.answers[key] = (this.answers[key] ?? 0) + 1;
    if (ans.status === 503 || ans.status === 429) {
      bucket.counts.retryLater++;
      return "retry";
    }
    if (code === "SOLD_OUT") bucket.counts.soldOut++;
    else if (code === "LIMIT_EXCEEDED") bucket.counts.limit++;
    else bucket.counts.other++;
    return "done";
  }

  /** Writes the accepted orders, the series and the latency curves to `out`; returns the summary. */
  finish(job: CrowdRun, total: number, tEnd: number, usage: NodeJS.CpuUsage): CrowdResult {
    const all = this.latencies.subarray(0, this.nLat).sort();
    const acc = Float64Array.from(this.acceptedLat).sort();
    const series: SecondBucket[] = this.buckets.map((b, t) => {
      const l = Float64Array.from(b.lat).sort();
      return { t, ...b.counts, p50: pct(l, 0.5), p99: pct(l, 0.99) };
    });
    // The latency distribution as percentile curves (the headline report draws them), not a million samples.
    writeFileSync(
      job.out,
      JSON.stringify({
        accepted: this.accepted,
        series,
        latencyCurves: { all: percentileCurve(all), accepted: percentileCurve(acc) },
      }),
    );
    const { t0 } = this;
    return {
      attempts: total,
      requests: this.requests,
      retries: this.retries,
      gaveUp: this.gaveUp,
      errors: this.errors,
      answers: this.answers,
      totalMs: tEnd - t0,
      lastAcceptedMs: this.lastAccepted ? this.lastAccepted - t0 : 0,
      latencyMs: {
        all: { p50: pct(all, 0.5), p99: pct(all, 0.99) },
        accepted: { p50: pct(acc, 0.5), p99: pct(acc, 0.99) },
      },
      replayMismatches: this.mismatches,
      acceptedOrders: this.accepted.length,
      cpuSeconds: (usage.user + usage.system) / 1e6,
      startedAt: this.wallOffset + t0,
    };
  }
}

async function run(job: CrowdRun): Promise<CrowdResult> {
  const p = plan;
  if (!p) throw new Error("prepare first");
  const total = p.attemptBuyer.length;
  const conns = await HttpConnection.openMany(job.port, job.connections);
  const tries = new Uint8Array(total);
  const usage0 = process.cpuUsage();
  const wallOffset = Date.now() - performance.now();
  const t0 = performance.now();
  const schedule = new Schedule(total, job.mode === "open", job.rate ?? 0, t0);
  const tally = new Tally(p, total, t0, wallOffset);
  const reqFor = (a: number) => {
    const b = p.attemptBuyer[a]!;
    const key = p.keys[2 * b + p.attemptKey[a]!]!;
    return requestBytes(
      "POST",
      `/v1/sales/${saleIdRun}/orders`,
      job.port,
      {
        Authorization: p.jwts[b]!,
        "Idempotency-Key": key,
        "Content-Type": "application/json",
      },
      bodies[p.quantity[b]!]!,
    );
  };
  await Promise.all(
    conns.map(async (c) => {
      for (;;) {
        const next = schedule.take();
        if (!next) {
          if (schedule.finished() && schedule.inFlight === 0) return schedule.signal();
          if (schedule.finished()) await new Promise<void>((r) => setTimeout(r, 5));
          else await schedule.idle();
          continue;
        }
        const [a, due] = next;
        schedule.inFlight++;
        tally.requests++;
        let ans: Answer;
        try {
          ans = await c.request(reqFor(a));
        } catch {
          schedule.inFlight--;
          tally.errors++;
          return;
        }
        schedule.inFlight--;
        const end = performance.now();
        if (tally.record(a, ans, end - due, end) === "done") continue;
        if (tries[a]! < 30) {
          tries[a]!++;
          tally.retries++;
          // Jittered, as clients should: a crowd retrying in lockstep arrives as one burst.
          schedule.retry(a, Math.min(job.retryCapMs, (ans.retryAfter ?? 1) * 1000) * (0.5 + Math.random()));
        } else tally.gaveUp++;
      }
    }),
  );
  schedule.stop();
  const tEnd = performance.now();
  const usage = process.cpuUsage(usage0);
  for (const c of conns) c.close();
  return tally.finish(job, total, tEnd, usage);
}

let saleIdRun = "";
let queue = Promise.resolve();
stdinMessages((job: CrowdPrepare | CrowdRun | RoomJoinJob | RoomRunJob) => {
  queue = queue.then(async () => {
    try {
      if (job.cmd === "prepare") saleIdRun = job.saleId;
      // The drop through the waiting room (bench/clients/room-crowd.ts).
      if (job.cmd === "room-join") reply(await roomJoin(job, cfg));
      else if (job.cmd === "room-run") reply(await roomRun(job, cfg));
      else reply(job.cmd === "prepare" ? await prepare(job) : await run(job));
    } catch (err) {
      reply({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
});

// Stopped by the demo with SIGTERM: exit normally, so a CPU profile asked for (HEADLINE_PROFILE=1) is written.
process.on("SIGTERM", () => process.exit(0));

import { writeFileSync } from "node:fs";
import { signBuyerJwt } from "../../src/admission/auth.js";
import { PaymentSignature } from "../../src/admission/payment-signature.js";
import type { Config } from "../../src/config/schema.js";
import { answerKey, codeOf, requestBytes, type Answer, type HttpConnection } from "../lib/http-connection.js";
import { atPercentile } from "../lib/percentiles.js";
import {
  bodyOf,
  Buyers,
  connections,
  connectionTo,
  FINAL,
  PHASE,
  solveChallenge,
  ticketPayload,
  Wheel,
  type Challenge,
} from "./room-buyers.js";

/**
 * The crowd of the headline drop through the waiting room (`npm run demo -- --headline --room`), two jobs
 * the crowd process (bench/clients/crowd.ts) runs: `room-join` (every buyer solves the proof of work the room
 * asks for and joins the pre-queue before the start) and `room-run` (from the start: every buyer polls,
 * honouring Retry-After, until a final answer; admitted buyers buy with their purchase token, some press
 * twice with the same key, then pay or cancel; some admitted buyers never buy). Every answer is recorded
 * per buyer for the auditor (demo/room/).
 */
export interface RoomJoinJob {
  cmd: "room-join";
  port: number;
  saleId: string;
  userPrefix: string;
  buyers: number;
  connections: number;
  /** Every `rejoinEvery`-th buyer joins a second time (must get the same ticket, 200). */
  rejoinEvery: number;
}

export interface RoomJoinResult {
  joined: number;
  rejoinMismatches: number;
  ms: number;
  cpuSeconds: number;
  pow: { algorithm: string; maxnumber: number; hashes: number; solveCpuMs: number };
  answers: Record<string, number>;
}

export interface RoomRunJob {
  cmd: "room-run";
  port: number;
  saleId: string;
  startsAt: number;
  connections: number;
  /**
   * Each buyer's last poll before the start falls uniformly in this long before it (a pre-queue page polls
   * up to 30 s apart); its Retry-After sets the buyer's first poll after the start.
   */
  spreadMs: number;
  noShowEvery: number;
  replayEvery: number;
  cancelEvery: number;
  /** From the 202 to the payment callback (a buyer paying). */
  payDelayMs: number;
  /** The payment provider's connections: its callbacks in flight at most, apart from the buyers' (a cancel is the buyer's own). */
  afterConnections: number;
  admissionTtlMs: number;
  /** The run gives up on buyers without a final answer after this long. */
  deadlineMs: number;
  out: string;
}

export interface RoomRunResult {
  /** From the start on (the polls before it are counted apart: beforeStart). */
  requests: number;
  polls: number;
  /** Each buyer's last poll before the start, and how many came back 200 telling a first poll after it. */
  beforeStart: { polls: number; firstPollAfterStartS: { p50: number; p99: number; max: number } };
  answers: Record<string, number>;
  unfinished: number;
  replayMismatches: number;
  receiptMismatches: number;
  pollLatencyMs: { p50: number; p99: number };
  /**
   * How late the crowd sent polls after they were due (Retry-After, the start's spread): a crowd that
   * cannot keep up delays every buyer's poll, admitted ones' too (the drop then measures the crowd).
   */
  pollLateMs: { p50: number; p99: number; max: number };
  cpuSeconds: number;
  errors: number;
  /** Keep-alive connections the server closed, opened again (the request repeated on the new one). */
  reconnects: number;
}

let buyers: Buyers | null = null;

/** Every buyer: the challenge, its proof of work, the join (and for some a second join: the same ticket). */
export async function roomJoin(job: RoomJoinJob, cfg: Config): Promise<RoomJoinResult> {
  const b = new Buyers(job.userPrefix, job.buyers);
  buyers = b;
  const exp = Math.floor(Date.now() / 1000) + 7200;
  for (let i = 0; i < b.n; i++) b.jwts[i] = `Bearer ${signBuyerJwt(cfg.auth.userJwtSecret, { sub: b.users[i]!, exp })}`;
  const answers: Record<string, number> = {};
  const pow = { algorithm: "", maxnumber: 0, hashes: 0, solveCpuMs: 0 };
  let mismatches = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const conns = await connections(job.port, job.connections);
  let next = 0;
  const joinOne = async (c: HttpConnection, i: number) => {
    const auth = b.jwts[i]!;
    const ch = await again(
      c,
      requestBytes("GET", `/v1/sales/${job.saleId}/queue/challenge`, job.port, { Authorization: auth }),
    );
    if (ch.status !== 200) throw new Error(`challenge for ${b.users[i]}: ${ch.status} ${ch.body.toString()}`);
    const challenge = bodyOf<Challenge>(ch);
    const s0 = process.cpuUsage();
    const solved = solveChallenge(challenge);
    const s = process.cpuUsage(s0);
    pow.solveCpuMs += (s.user + s.system) / 1000;
    pow.algorithm = challenge.algorithm;
    pow.maxnumber = Math.max(pow.maxnumber, challenge.maxnumber ?? 0);
    pow.hashes += solved.tried;
    const body = JSON.stringify({ proof: solved.proof });
    const headers = { Authorization: auth, "Content-Type": "application/json" };
    const req = requestBytes("POST", `/v1/sales/${job.saleId}/queue`, job.port, headers, body);
    const a = await again(c, req);
    answers[answerKey(a)] = (answers[answerKey(a)] ?? 0) + 1;
    if (a.status !== 201) throw new Error(`join of ${b.users[i]}: ${a.status} ${a.body.toString()}`);
    b.tickets[i] = bodyOf<{ ticket: string }>(a).ticket;
    b.joinedAt[i] = ticketPayload(b.tickets[i]).j;
    if (i % job.rejoinEvery !== 0) return;
    const r = await again(c, req);
    answers[`rejoin ${answerKey(r)}`] = (answers[`rejoin ${answerKey(r)}`] ?? 0) + 1;
    if (r.status !== 200 || bodyOf<{ ticket: string }>(r).ticket !== b.tickets[i]) mismatches++;
  };
  await Promise.all(
    conns.map(async (c) => {
      while (next < b.n) await joinOne(c, next++);
    }),
  );
  for (const c of conns) c.close();
  const cpu = process.cpuUsage(cpu0);
  return {
    joined: b.n,
    rejoinMismatches: mismatches,
    ms: performance.now() - t0,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    pow,
    answers,
  };
}

/** A request asked again while the answer is 503 or 429 (shedding, a limit), as a client would. */
async function again(c: HttpConnection, req: Buffer): Promise<Answer> {
  let a = await c.request(req);
  for (let tries = 0; (a.status === 503 || a.status === 429) && tries < 200; tries++) {
    await new Promise((r) => setTimeout(r, Math.min(1000, (a.retryAfter ?? 0.05) * 1000) * (0.5 + Math.random())));
    a = await c.request(req);
  }
  return a;
}

/** What `room-run` counts while it runs. */
interface RunTally {
  answers: Record<string, number>;
  requests: number;
  polls: number;
  errors: number;
  replayMismatches: number;
  receiptMismatches: number;
  pollLat: number[];
  pollLate: number[];
  beforeStart: number;
  /** Seconds after the start each buyer's last answer before it told it to come back. */
  firstPollAt: number[];
  accepted: { orderId: string; userId: string; quantity: number; at: number }[];
  cancelled: string[];
  paid: string[];
  shared: { seed: string; seedCommitment: string; preQueueSize: number } | null;
  remaining: number;
  reconnects: number;
}

const count = (t: RunTally, key: string) => (t.answers[key] = (t.answers[key] ?? 0) + 1);

const PHASE_NAMES = ["poll", "order", "order again", "pay", "cancel"];
/** "poll 200", "order 202" and the like, built once: most answers are one of these. */
const PLAIN_KEYS = PHASE_NAMES.map((name) => new Map([200, 201, 202].map((s) => [s, `${name} ${s}`])));

/** An answer's key in the tally: the phase and answerKey, with the first words of a 403's message. */
function keyOf(phase: number, a: Answer): string {
  const plain = a.replayed ? undefined : PLAIN_KEYS[phase]?.get(a.status);
  if (plain !== undefined) return plain;
  const why = a.status === 403 ? `: ${/"message":"([^"]{0,40})/.exec(a.body.toString())?.[1] ?? ""}` : "";
  return `${PHASE_NAMES[phase]} ${answerKey(a)}${why}`;
}

/** The room-run context: the job, the buyers, the wheel and the tally. */
interface Run {
  job: RoomRunJob;
  b: Buyers;
  /** The buyers' requests (polls, orders, cancels), over the buyers' connections. */
  wheel: Wheel;
  /** The payment provider's callbacks, over its own connections (job.afterConnections). */
  payWheel: Wheel;
  t: RunTally;
  sign: PaymentSignature;
  /** A poll's request line and Host header. */
  pollHead: string;
}

/** Buyer i's next request, as bytes (a poll, most of them, from one string: the crowd must cost less than the room). */
function requestOf(r: Run, i: number): Buffer {
  const { job, b } = r;
  switch (b.phase[i]) {
    case PHASE.poll:
      return Buffer.from(
        `${r.pollHead}Authorization: ${b.jwts[i]}\r\nQueue-Ticket: ${b.tickets[i]}\r\nContent-Length: 0\r\n\r\n`,
        "latin1",
      );
    case PHASE.order:
    case PHASE.replay:
      return requestBytes(
        "POST",
        `/v1/sales/${job.saleId}/orders`,
        job.port,
        { Authorization: b.jwts[i]!, "Idempotency-Key": b.token[i]!, "Content-Type": "application/json" },
        JSON.stringify({ quantity: b.quantity(i) }),
      );
    case PHASE.pay: {
      const raw = JSON.stringify({ eventId: `hr-${b.orderId[i]}`, orderId: b.orderId[i], status: "SUCCEEDED" });
      const headers = { "Content-Type": "application/json", "X-Signature": r.sign.sign(raw) };
      return requestBytes("POST", "/v1/payments/callback", job.port, headers, raw);
    }
    default:
      return requestBytes("POST", `/v1/orders/${b.orderId[i]}/cancel`, job.port, { Authorization: b.jwts[i]! });
  }
}

/**
 * Buyer i's next request is due at wall time `at`: a payment on the provider's wheel, anything else on the
 * buyers'; anything but a poll ahead of the due polls (Wheel.now); a poll's due time kept for its lateness.
 */
function due(r: Run, i: number, at: number): void {
  const poll = r.b.phase[i] === PHASE.poll;
  if (poll) r.b.pollDueAt[i] = at;
  (r.b.phase[i] === PHASE.pay ? r.payWheel : r.wheel).at(i, at, !poll);
}

/** Buyer i comes back after the answer's Retry-After (never earlier; up to 10 % later, so not in lockstep). */
function later(r: Run, i: number, a: Answer, fallbackS = 1): void {
  due(r, i, Date.now() + (a.retryAfter ?? fallbackS) * 1000 * (1 + 0.1 * Math.random()));
}

function done(r: Run, i: number, code: (typeof FINAL)[keyof typeof FINAL]): void {
  r.b.finish(i, code);
  if (--r.t.remaining === 0) {
    r.wheel.close();
    r.payWheel.close();
  }
}

/**
 * The answer to a buyer's last poll before the start: WAITING, with the Retry-After that sets its first
 * poll after the start (as a page does: no jitter beyond half a second, the answer already spreads them).
 */
function onPollBeforeStart(r: Run, i: number, a: Answer): void {
  if (a.status === 503 || a.status === 429) return later(r, i, a);
  // Sent before the start, answered after it (a place): an answer like any other.
  const v = a.status === 200 ? bodyOf<{ state: string; place?: number }>(a) : null;
  if (!v || v.place !== undefined) return onPoll(r, i, a);
  if (v.state !== "WAITING") return done(r, i, FINAL.error);
  const at = Date.now() + (a.retryAfter ?? 1) * 1000 + Math.random() * 500;
  r.t.firstPollAt.push((at - r.job.startsAt) / 1000);
  due(r, i, at);
}

/** A poll's answer: the place, the receipt, then wait, buy, or a final answer. */
function onPoll(r: Run, i: number, a: Answer): void {
  const { b, t, job } = r;
  if (a.status === 503 || a.status === 429) return later(r, i, a);
  if (a.status !== 200) return done(r, i, FINAL.error);
  const v = bodyOf(a);
  b.polls[i] = b.polls[i]! + 1;
  if (v.ticket !== b.tickets[i]) b.tickets[i] = v.ticket;
  if (v.place !== undefined) b.place[i] = v.place;
  if (v.receipt && !b.lottery[i]) {
    const { seed, seedCommitment, preQueueSize } = v.receipt;
    t.shared ??= { seed, seedCommitment, preQueueSize };
    const s = t.shared;
    if (s.seed !== seed || s.seedCommitment !== seedCommitment || s.preQueueSize !== preQueueSize)
      t.receiptMismatches++;
    if (v.receipt.place !== v.place) t.receiptMismatches++;
    b.lottery[i] = v.receipt.lottery;
  }
  if (v.state === "WAITING") return later(r, i, a);
  if (v.state === "SOLD_OUT") return done(r, i, FINAL.soldOutWaiting);
  if (v.state === "CLOSED") return done(r, i, FINAL.closed);
  if (v.state !== "ADMITTED") return done(r, i, FINAL.error);
  if (b.tokenRefused[i]) return done(r, i, FINAL.error);
  if (b.admittedAt[i] === 0) {
    b.admittedAt[i] = Date.parse(v.admissionExpiresAt) - job.admissionTtlMs;
    b.admittedSeenAt[i] = Date.now();
    b.token[i] = v.purchaseToken;
  }
  // A no-show walks away when admitted and never buys; it comes back once, after its window, and must be
  // told CLOSED (its answer then is not counted in the drop's time: the auditor reports it apart).
  if (i % job.noShowEvery === 0) {
    if (b.noShowReturn[i]) return done(r, i, FINAL.error);
    b.noShowReturn[i] = 1;
    return due(r, i, Date.parse(v.admissionExpiresAt) + 500);
  }
  b.phase[i] = PHASE.order;
  r.wheel.now(i);
}

/** An order's answer (the first press, or the second with the same key). */
function onOrder(r: Run, i: number, a: Answer): void {
  const { b, t, job } = r;
  if (a.status === 503 || a.status === 429) return later(r, i, a);
  if (a.status === 202) {
    const orderId = bodyOf<{ orderId: string }>(a).orderId;
    if (b.phase[i] === PHASE.replay) {
      if (!a.replayed || orderId !== b.orderId[i]) t.replayMismatches++;
    } else {
      b.orderId[i] = orderId;
      t.accepted.push({ orderId, userId: b.users[i]!, quantity: b.quantity(i), at: Date.now() });
      if (i % job.replayEvery === 1) {
        b.phase[i] = PHASE.replay;
        return r.wheel.now(i);
      }
    }
    b.phase[i] = i % job.cancelEvery === 2 ? PHASE.cancel : PHASE.pay;
    return due(r, i, Date.now() + job.payDelayMs);
  }
  if (codeOf(a) === "SOLD_OUT") return done(r, i, FINAL.soldOutOrder);
  // The token expired before the order (the buyer saw its admission late): back to the room, which must
  // answer CLOSED (ADMISSION_EXPIRED); an ADMITTED answer after that is an error (onPoll).
  if (codeOf(a) === "INVALID_TOKEN" && b.phase[i] === PHASE.order && !b.tokenRefused[i]) {
    b.tokenRefused[i] = 1;
    b.phase[i] = PHASE.poll;
    b.pollDueAt[i] = Date.now();
    return r.wheel.now(i);
  }
  done(r, i, FINAL.error);
}

/** A payment's or cancel's answer: done, or again shortly while the order is not yet in MySQL. */
function onAfter(r: Run, i: number, a: Answer): void {
  if (a.status === 200) {
    (r.b.phase[i] === PHASE.pay ? r.t.paid : r.t.cancelled).push(r.b.orderId[i]!);
    return done(r, i, FINAL.bought);
  }
  if ((a.status === 404 || a.status >= 500 || a.status === 429) && r.b.tries[i]! < 60) {
    // Not in MySQL yet (404), or MySQL busy (503): again with a growing pause, as a provider retries.
    const tries = (r.b.tries[i] = r.b.tries[i]! + 1);
    const backoff = Math.min(5000, 100 * 2 ** Math.min(tries, 6));
    return due(r, i, Date.now() + Math.max(backoff, (a.retryAfter ?? 0) * 1000) * (0.5 + Math.random()));
  }
  done(r, i, FINAL.error);
}

/** One connection's loop: the next due request of `wheel` (the buyers' or the provider's), its answer. */
async function worker(r: Run, wheel: Wheel, first: HttpConnection, live: Set<HttpConnection>): Promise<void> {
  let c: HttpConnection = first;
  for (;;) {
    // Due buyers are taken without a promise each; only an empty wheel is waited on.
    const due = wheel.next();
    const i = due === undefined ? await wheel.take() : due;
    if (i === null) return;
    const phase = r.b.phase[i]!;
    if (phase === PHASE.done) continue;
    const beforeStart = phase === PHASE.poll && Date.now() < r.job.startsAt;
    if (phase === PHASE.poll && !beforeStart) r.t.pollLate.push(Math.max(0, Date.now() - r.b.pollDueAt[i]!));
    const t0 = performance.now();
    let a: Answer;
    try {
      a = await c.request(requestOf(r, i));
    } catch {
      // A keep-alive connection the server closed: a new one, and the same request again (a poll, or a
      // request with its idempotency key or event id: safe to repeat). Failing that, a transport error.
      wheel.now(i);
      c.close();
      live.delete(c);
      r.t.reconnects++;
      const fresh = await connectionTo(r.job.port).catch(() => null);
      if (!fresh) {
        r.t.errors++;
        return;
      }
      live.add((c = fresh));
      continue;
    }
    if (beforeStart) {
      r.t.beforeStart++;
      count(r.t, `poll before the start ${answerKey(a)}`);
      onPollBeforeStart(r, i, a);
      continue;
    }
    r.t.requests++;
    count(r.t, keyOf(phase, a));
    if (phase === PHASE.poll) {
      r.t.polls++;
      r.t.pollLat.push(performance.now() - t0);
      onPoll(r, i, a);
    } else if (phase === PHASE.order || phase === PHASE.replay) onOrder(r, i, a);
    else onAfter(r, i, a);
  }
}

/** From the start: every buyer polls, buys when admitted, until every one has a final answer. */
export async function roomRun(job: RoomRunJob, cfg: Config): Promise<RoomRunResult> {
  const b = buyers;
  if (!b) throw new Error("room-join first");
  const t: RunTally = {
    answers: {},
    requests: 0,
    polls: 0,
    errors: 0,
    replayMismatches: 0,
    receiptMismatches: 0,
    pollLat: [],
    pollLate: [],
    beforeStart: 0,
    firstPollAt: [],
    accepted: [],
    cancelled: [],
    paid: [],
    shared: null,
    remaining: b.n,
    reconnects: 0,
  };
  const sign = new PaymentSignature(cfg.payments.webhookSecret);
  const pollHead = `GET /v1/sales/${job.saleId}/queue HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\n`;
  const r: Run = { job, b, t, wheel: new Wheel(), payWheel: new Wheel(), sign, pollHead };
  const conns = await connections(job.port, job.connections);
  const payConns = await connections(job.port, job.afterConnections);
  const cpu0 = process.cpuUsage();
  // Each buyer's last poll before the start (a page polls up to 30 s apart until then): its answer says when
  // to come back after the start.
  for (let i = 0; i < b.n; i++) due(r, i, job.startsAt - 1000 - Math.random() * job.spreadMs);
  const stop = () => {
    r.wheel.stop();
    r.payWheel.stop();
  };
  const deadline = setTimeout(stop, job.startsAt - Date.now() + job.deadlineMs);
  const live = new Set([...conns, ...payConns]);
  await Promise.all([
    ...conns.map((c) => worker(r, r.wheel, c, live)),
    ...payConns.map((c) => worker(r, r.payWheel, c, live)),
  ]);
  clearTimeout(deadline);
  stop();
  for (const c of live) c.close();
  const cpu = process.cpuUsage(cpu0);
  writeFileSync(
    job.out,
    JSON.stringify({
      users: b.users,
      joinedAt: Array.from(b.joinedAt),
      place: Array.from(b.place),
      lottery: b.lottery,
      final: Array.from(b.final),
      finalAt: Array.from(b.finalAt),
      admittedAt: Array.from(b.admittedAt),
      admittedSeenAt: Array.from(b.admittedSeenAt),
      polls: Array.from(b.polls),
      noShow: Array.from(b.noShowReturn),
      accepted: t.accepted,
      paid: t.paid,
      cancelled: t.cancelled,
      shared: t.shared,
    }),
  );
  return resultOf(t, cpu);
}

/** The run's figures from its tally: percentiles of the polls' latency and lateness, and of the first polls. */
function resultOf(t: RunTally, cpu: NodeJS.CpuUsage): RoomRunResult {
  const lat = Float64Array.from(t.pollLat).sort();
  const late = Float64Array.from(t.pollLate).sort();
  const first = Float64Array.from(t.firstPollAt).sort();
  const spread = (xs: Float64Array) => ({
    p50: round1(atPercentile(xs, 0.5)),
    p99: round1(atPercentile(xs, 0.99)),
    max: round1(xs.at(-1) ?? 0),
  });
  return {
    requests: t.requests,
    polls: t.polls,
    beforeStart: { polls: t.beforeStart, firstPollAfterStartS: spread(first) },
    answers: t.answers,
    unfinished: t.remaining,
    replayMismatches: t.replayMismatches,
    receiptMismatches: t.receiptMismatches,
    pollLatencyMs: { p50: round1(atPercentile(lat, 0.5)), p99: round1(atPercentile(lat, 0.99)) },
    pollLateMs: spread(late),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    errors: t.errors,
    reconnects: t.reconnects,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;

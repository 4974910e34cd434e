import { proofFor } from "../../support/pow-answer.js";
import { HttpConnection, type Answer } from "../lib/http-connection.js";

/**
 * The buyers of the headline drop through the waiting room (bench/clients/crowd.ts runs their jobs, in the
 * crowd's process pinned to the load core): what each one holds and does, as flat arrays indexed by buyer
 * (250,000 of them), and the timer wheel that paces them by the room's Retry-After.
 */

/** A buyer's final answer (0: none yet). */
export const FINAL = { none: 0, bought: 1, soldOutWaiting: 2, soldOutOrder: 3, closed: 4, error: 5 } as const;
export type FinalCode = (typeof FINAL)[keyof typeof FINAL];
export const FINAL_NAMES = ["none", "bought", "SOLD_OUT (waiting)", "SOLD_OUT (order)", "CLOSED", "error"];

/** What a buyer does next. */
export const PHASE = { poll: 0, order: 1, replay: 2, pay: 3, cancel: 4, done: 5 } as const;

export class Buyers {
  readonly users: string[];
  readonly jwts: string[];
  readonly tickets: string[];
  /** When the buyer joined, on the room's clock (the ticket's `j`). */
  readonly joinedAt: Float64Array;
  readonly place: Int32Array;
  /** The receipt's lottery (pre-queue buyers, once the seed is revealed). */
  readonly lottery: string[];
  readonly phase: Uint8Array;
  readonly final: Uint8Array;
  /** Wall ms of the final answer. */
  readonly finalAt: Float64Array;
  /** The room's admission time (admissionExpiresAt − TTL) and the first ADMITTED answer's wall ms; 0: never. */
  readonly admittedAt: Float64Array;
  readonly admittedSeenAt: Float64Array;
  readonly token: string[];
  readonly orderId: string[];
  /** Answers to this buyer's current request that asked to come back (503/429, pay before the row). */
  readonly tries: Uint8Array;
  /** A no-show that walked away when admitted and comes back after its window (1). */
  readonly noShowReturn: Uint8Array;
  /** The buyer's order was refused INVALID_TOKEN once (its window passed): it asked the room again. */
  readonly tokenRefused: Uint8Array;
  /** Polls sent by this buyer. */
  readonly polls: Uint16Array;
  /** Wall ms the buyer's next poll is due (the start's spread, then Retry-After): how late the crowd sends it. */
  readonly pollDueAt: Float64Array;

  constructor(
    readonly prefix: string,
    readonly n: number,
  ) {
    this.users = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    this.jwts = new Array<string>(n).fill("");
    this.tickets = new Array<string>(n).fill("");
    this.joinedAt = new Float64Array(n);
    this.place = new Int32Array(n);
    this.lottery = new Array<string>(n).fill("");
    this.phase = new Uint8Array(n);
    this.final = new Uint8Array(n);
    this.finalAt = new Float64Array(n);
    this.admittedAt = new Float64Array(n);
    this.admittedSeenAt = new Float64Array(n);
    this.token = new Array<string>(n).fill("");
    this.orderId = new Array<string>(n).fill("");
    this.tries = new Uint8Array(n);
    this.polls = new Uint16Array(n);
    this.pollDueAt = new Float64Array(n);
    this.noShowReturn = new Uint8Array(n);
    this.tokenRefused = new Uint8Array(n);
  }

  /** Buyer i orders 2 units when i is divisible by 3, else 1 (as the headline's crowd). */
  quantity(i: number): number {
    return i % 3 === 0 ? 2 : 1;
  }

  finish(i: number, code: FinalCode): void {
    this.phase[i] = PHASE.done;
    this.final[i] = code;
    this.finalAt[i] = Date.now();
  }
}

/**
 * Buyers due at a time: a wheel of 10 ms slots (a setTimeout per buyer would be 250,000 timers). Workers
 * (one per connection) take the next due buyer, or wait for one.
 */
export class Wheel {
  private readonly slots = new Map<number, number[]>();
  private readonly ready: number[] = [];
  private readonly urgent: number[] = [];
  private head = 0;
  private nextSlot: number;
  private waiters: (() => void)[] = [];
  private readonly timer: NodeJS.Timeout;
  pending = 0;
  closed = false;

  constructor(private readonly slotMs = 10) {
    this.nextSlot = Math.floor(Date.now() / slotMs);
    this.timer = setInterval(() => this.advance(), 5);
  }

  /**
   * Buyer `i` is due now, ahead of every due poll: an order, a payment or a cancel is one buyer's browser
   * acting at once, not waiting behind the crowd's other buyers (each buyer is a client of its own).
   */
  now(i: number): void {
    this.urgent.push(i);
    this.pending++;
    while (this.waiters.length > 0) this.waiters.pop()!();
  }

  /** Buyer `i` is due at wall time `at` (ms); `urgent`: then ahead of the due polls (see now()). */
  at(i: number, at: number, urgent = false): void {
    const s = Math.max(this.nextSlot, Math.floor(at / this.slotMs));
    const list = this.slots.get(s);
    // Urgent entries are kept as ~i (negative).
    const entry = urgent ? ~i : i;
    if (list) list.push(entry);
    else this.slots.set(s, [entry]);
    this.pending++;
  }

  private advance(): void {
    const now = Math.floor(Date.now() / this.slotMs);
    for (; this.nextSlot <= now; this.nextSlot++) {
      const list = this.slots.get(this.nextSlot);
      if (!list) continue;
      this.slots.delete(this.nextSlot);
      for (const i of list) (i < 0 ? this.urgent : this.ready).push(i < 0 ? ~i : i);
    }
    while (this.waiters.length > 0 && (this.head < this.ready.length || this.urgent.length > 0)) this.waiters.pop()!();
  }

  /** The next due buyer, or null once closed and nothing is left. */
  async take(): Promise<number | null> {
    for (;;) {
      const i = this.next();
      if (i !== undefined) return i;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** The next due buyer now, null once closed and nothing is left, undefined while none is due (take() waits). */
  next(): number | null | undefined {
    if (this.urgent.length > 0) {
      this.pending--;
      return this.urgent.shift()!;
    }
    if (this.head < this.ready.length) {
      const i = this.ready[this.head++]!;
      if (this.head > 65_536) {
        this.ready.splice(0, this.head);
        this.head = 0;
      }
      this.pending--;
      return i;
    }
    return this.closed && this.pending === 0 ? null : undefined;
  }

  /** No buyer will be added: workers return once the wheel is empty. */
  close(): void {
    this.closed = true;
    if (this.pending === 0) {
      clearInterval(this.timer);
      for (const w of this.waiters.splice(0)) w();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const w of this.waiters.splice(0)) w();
  }
}

/** A ticket's payload (docs/waiting-room.md#tickets), read without verifying (the buyer's own ticket). */
export function ticketPayload(ticket: string): { j: number; pq: boolean; p?: number } {
  return JSON.parse(Buffer.from(ticket.split(".")[0]!, "base64url").toString()) as {
    j: number;
    pq: boolean;
    p?: number;
  };
}

/** An ALTCHA challenge as GET .../queue/challenge answers it. */
export interface Challenge {
  algorithm: string;
  challenge: string;
  maxnumber: number;
  salt: string;
  signature: string;
}

/**
 * Answers the room's ALTCHA challenge as a buyer's page does (support/pow-answer.ts: find n ≤ maxnumber
 * with sha256hex(salt + n) = challenge); returns the payload a join carries and the hashes it took.
 */
export function solveChallenge(c: Challenge): { proof: string; tried: number } {
  const proof = proofFor(c as Parameters<typeof proofFor>[0]);
  const { number } = JSON.parse(Buffer.from(proof, "base64").toString()) as { number: number };
  return { proof, tried: number + 1 };
}

/** An answer's JSON body. */
export function bodyOf<T = any>(a: Answer): T {
  return JSON.parse(a.body.toString()) as T;
}

/** Opens `n` connections (see HttpConnection.openMany). */
export const connections = (port: number, n: number) => HttpConnection.openMany(port, n);
export const connectionTo = (port: number) => HttpConnection.open(port);

import { readFileSync } from "node:fs";
import type { Result } from "ioredis";
import { join } from "node:path";
import type { JoinLimits } from "../admission/rate-limits.js";
import type { Keys, RoomKeys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import { repoRoot } from "../util/repo-root.js";

/**
 * The room's progress as the admission controller writes it and every gateway keeps a copy of it
 * (docs/waiting-room.md). Places 1..admitted are admitted; each admission batch records when its first
 * place was admitted, for the deterministic expiry of the purchase token (admitted at + admissionTtl).
 */
export interface RoomProgress {
  /** When the controller wrote it (unix ms): a copy keeps the newest. */
  at: number;
  /** The pre-queue is frozen (the sale has started). */
  started: boolean;
  /** Buyers in the room (pre-queue plus later joins). */
  joined: number;
  /** The pre-queue's size (P): its places are 1..P. */
  preQueue: number;
  /** Places 1..admitted are admitted. */
  admitted: number;
  /** Places 1..expired were admitted and their admission window has ended. */
  expired: number;
  /** [first place, admitted at (unix ms)] of each batch after `expired`, ascending. */
  batches: [number, number][];
  unitsLeft: number;
  /** Units held by reservations (stock − units left): bought, paid or not. */
  sold: number;
  /** Orders ever reserved (released ones too). */
  ordered: number;
  /** Places held for units that may come back (admission-step.ts reserveFor), read once the stock is out. */
  margin: number | null;
  /** Places admitted when the stock first ran out; null before. */
  outAt: number | null;
  /** Places from this one on are told SOLD_OUT (never admitted afterwards); null while stock remains. */
  cutoff: number | null;
  /** Sold out for good: no unit can come back. */
  soldOut: boolean;
  paused: boolean;
  /** Admissions per second over the last few seconds. */
  rate: number;
  /**
   * Units taken per second over the last few seconds (reservations less returns, at least 0). Absent from a
   * progress written before it existed: read as unknown.
   */
  sellRate?: number;
  /** The learned overbooking factor in use. */
  factor: number;
}

/** The room's progress before the controller first wrote one. */
export function emptyProgress(at = 0): RoomProgress {
  return {
    at,
    started: false,
    joined: 0,
    preQueue: 0,
    admitted: 0,
    expired: 0,
    batches: [],
    unitsLeft: 0,
    sold: 0,
    ordered: 0,
    margin: null,
    outAt: null,
    cutoff: null,
    soldOut: false,
    paused: false,
    rate: 0,
    sellRate: 0,
    factor: 1,
  };
}

type JoinReply = [number, string] | [number, number, "ip" | "buyer"];
type PlaceReply = [number, number];

declare module "ioredis" {
  interface RedisCommander<Context> {
    wrJoin(...keysAndArgv: (string | number)[]): Result<JoinReply, Context>;
    wrPlace(pq: string, meta: string, member: string, startsAt: number): Result<PlaceReply, Context>;
  }
}

function defineRoomScripts(client: RedisClient): void {
  const dir = join(repoRoot(), "lua", "waiting-room");
  const defined = client as unknown as Record<string, unknown>;
  if (!defined.wrJoin)
    client.defineCommand("wrJoin", { numberOfKeys: 5, lua: readFileSync(join(dir, "join-5.lua"), "utf8") });
  if (!defined.wrPlace)
    client.defineCommand("wrPlace", { numberOfKeys: 2, lua: readFileSync(join(dir, "place-2.lua"), "utf8") });
}

/** A limit that never refuses (points 0: the script skips it). */
const NO_WINDOW = { points: 0, windowMs: 0, blockMs: 0 };

export interface JoinArgs {
  startsAt: number;
  /** The buyer's pre-queue lottery (lotteryOf). */
  lottery: string;
  /** When the room's keys expire (unix ms); the limits' windows never outlive them. */
  expiresAt: number;
  /** The gateway found the proof of work good (checked without I/O); a member needs none. */
  proofOk: boolean;
  limits: JoinLimits | undefined;
}

/** A join's outcome: in the room (joined now or before), or refused by a limit or for want of a proof. */
export type JoinOutcome =
  | { kind: "in"; created: boolean; member: MemberRecord }
  | { kind: "invalid_proof" }
  | { kind: "limited"; limiter: "ip" | "buyer"; msBeforeNext: number };

/** A member's record: a pre-queue place (unknown until the start) or a place, and when it joined. */
export interface MemberRecord {
  preQueue: boolean;
  place?: number;
  joinedAt: number;
}

export function parseMember(rec: string): MemberRecord {
  const [a, b] = rec.split("|");
  return a === "q"
    ? { preQueue: true, joinedAt: Number(b) }
    : { preQueue: false, place: Number(a), joinedAt: Number(b) };
}

/** The room's Redis state: one script per join, one per pre-queue place lookup, the progress hash and channel. */
export class RoomStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineRoomScripts(redis);
  }

  k(saleId: string): RoomKeys {
    return this.keys.room(saleId);
  }

  /**
   * One atomic join, the join's only Redis call: the attempt counted against the limits (null: none), then
   * the buyer's record, found (no proof needed) or made now (only with a good proof).
   */
  async join(saleId: string, buyer: string, j: JoinArgs): Promise<JoinOutcome> {
    const k = this.k(saleId);
    const b = j.limits?.buyer ?? NO_WINDOW;
    const a = j.limits?.address;
    const ip = a?.window ?? NO_WINDOW;
    const reply = await this.redis.wrJoin(
      k.members,
      k.pq,
      k.meta,
      k.buyerJoins(buyer),
      a ? k.addressJoins(a.key) : k.buyerJoins(buyer),
      buyer,
      j.startsAt,
      j.lottery,
      j.expiresAt,
      j.proofOk ? 1 : 0,
      ...[b.points, b.windowMs, b.blockMs, ip.points, ip.windowMs, ip.blockMs],
    );
    if (reply[0] === -2) return { kind: "limited", limiter: reply[2]!, msBeforeNext: reply[1] as number };
    if (reply[0] === -1) return { kind: "invalid_proof" };
    return { kind: "in", created: reply[0] === 1, member: parseMember(reply[1] as string) };
  }

  /** A pre-queue place after the start: { place, preQueue } ; null before the start or when not a member. */
  async place(saleId: string, lottery: string, buyer: string, startsAt: number) {
    const k = this.k(saleId);
    const [place, size] = await this.redis.wrPlace(k.pq, k.meta, `${lottery}|${buyer}`, startsAt);
    return place > 0 ? { place, preQueue: size } : null;
  }

  /** Counters: pre-queue joins, later joins, the frozen pre-queue size (null before the start). */
  async counts(saleId: string): Promise<{ pq: number; fcfs: number; frozen: number | null }> {
    const [pq, fcfs, frozen] = await this.redis.hmget(this.k(saleId).meta, "pq", "fcfs", "P");
    return { pq: Number(pq ?? 0), fcfs: Number(fcfs ?? 0), frozen: frozen === null ? null : Number(frozen) };
  }

  /** Every pre-queue lottery value, in place order (the draw). */
  async lotteries(saleId: string): Promise<string[]> {
    const members = await this.redis.zrange(this.k(saleId).pq, 0, -1);
    return members.map((m) => m.slice(0, m.indexOf("|")));
  }

  async readProgress(saleId: string): Promise<RoomProgress | null> {
    const raw = await this.redis.hget(this.k(saleId).progress, "p");
    return raw ? (JSON.parse(raw) as RoomProgress) : null;
  }

  /** Stores the progress (what a gateway that starts later reads once) and tells every gateway. */
  async writeProgress(saleId: string, p: RoomProgress, expiresAt: number): Promise<void> {
    const k = this.k(saleId);
    const json = JSON.stringify(p);
    // Sent together (one round trip; one connection keeps their order).
    await Promise.all([
      this.redis.hset(k.progress, "p", json),
      this.redis.pexpireat(k.progress, expiresAt),
      this.redis.spublish(k.channel, `${saleId}|${json}`),
    ]);
  }
}

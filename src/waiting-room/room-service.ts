import { LRUCache } from "lru-cache";
import { SingleFlight } from "../util/single-flight.js";
import { seedCommitment, sha256hex, type Sale, type WaitingRoomSettings } from "../reservation/sale.js";
import { admittedAt, firstPollSeconds, lotteryQuantile, secondsToSellOut } from "./admission-step.js";
import type { ProgressCache } from "./progress-cache.js";
import { waitingIn } from "./room-stats.js";
import type { JoinLimits } from "../admission/rate-limits.js";
import type { JoinOutcome, RoomProgress, RoomStore } from "./room-store.js";
import type { AdmissionTokens } from "./seams.js";
import type { QueueTickets, TicketPayload } from "./tickets.js";

export type QueueState = "WAITING" | "ADMITTED" | "SOLD_OUT" | "CLOSED";

/** GET …/queue/draw's answer: every pre-queue lottery, in place order. */
export interface Draw {
  seed: string;
  seedCommitment: string;
  lotteries: string[];
}

/** Draws kept per process: a frozen pre-queue never changes, and a large one is megabytes (250,000 × 64 hex). */
const DRAWS_KEPT = 2;

/** A frozen draw and its index by lottery. */
interface IndexedDraw {
  draw: Draw;
  index: DrawIndex;
}

/** A pre-queue buyer's proof of their place (docs/waiting-room.md#receipts). */
export interface Receipt {
  seed: string;
  seedCommitment: string;
  lottery: string;
  place: number;
  preQueueSize: number;
}

/** A join's outcome: in the room with its ticket (`created` false when it was in already), or refused. */
export type Joined = Exclude<JoinOutcome, { kind: "in" }> | { kind: "in"; created: boolean; ticket: string };

/** A poll's answer (the join's too). */
export interface QueueView {
  state: QueueState;
  ticket: string;
  place?: number;
  ahead?: number;
  unitsLeft: number;
  estimateSeconds?: number;
  paused?: boolean;
  /** Why CLOSED: the sale ended, or the admission window passed without a purchase. */
  reason?: "SALE_ENDED" | "ADMISSION_EXPIRED";
  receipt?: Receipt;
  purchaseToken?: string;
  admissionExpiresAt?: string;
  /** Seconds until the next poll is worth it (the Retry-After header). */
  retryAfter: number;
}

/** A ticket stays verifiable this long after the sale's end (CLOSED answers), then expires. */
const TICKET_AFTER_END_MS = 3_600_000;
const MAX_RETRY_AFTER = 30;
export const DEFAULT_POLLS_PER_SECOND = 20_000;

/** A buyer's place in the room, the pre-queue's size, and the buyer's lottery when it was computed. */
interface PlaceAt {
  place: number;
  preQueue: number;
  lottery?: string;
}

/** A pre-queue buyer's place in a copy of the draw, by its lottery; null when the lottery is not in it. */
function placeIn(kept: IndexedDraw, lottery: string): PlaceAt | null {
  const i = kept.index.rank(lottery);
  return i < 0 ? null : { place: i + 1, preQueue: kept.draw.lotteries.length, lottery };
}

/** A place the ticket carries, with the pre-queue's size from the progress. */
function placed(place: number, progress: RoomProgress | null): PlaceAt {
  return { place, preQueue: progress?.preQueue ?? 0 };
}

/** lottery = sha256hex(seed + "|" + saleId + "|" + buyerId): the pre-queue's order, ascending. */
export function lotteryOf(seed: string, saleId: string, buyerId: string): string {
  return sha256hex(`${seed}|${saleId}|${buyerId}`);
}

/** The joins and polls of sale rooms; refusals are the route's (this returns states and tickets). */
export class RoomService {
  /** Frozen draws by sale id: read from Redis once per process, not on every call of a public endpoint. */
  private readonly draws = new LRUCache<string, IndexedDraw>({ max: DRAWS_KEPT });
  /** One read of a draw per process however many polls ask at once; a failed or early read is not kept. */
  private readonly drawing = new SingleFlight<IndexedDraw | null>();

  constructor(
    private readonly store: RoomStore,
    private readonly progress: ProgressCache,
    private readonly tickets: QueueTickets,
    private readonly tokens: AdmissionTokens,
    /** The polls per second a room's pacing aims for across its waiting buyers (admission.roomPollsPerSecond). */
    private readonly pollsPerSecond = DEFAULT_POLLS_PER_SECOND,
  ) {}

  /**
   * One atomic join, the only Redis call: counted against the join limits first (every attempt, re-joins
   * included), then a member gets its ticket again (no proof needed) and anyone else joins with a good proof.
   */
  async join(sale: Sale, buyer: string, proofOk: boolean, limits: JoinLimits | undefined): Promise<Joined> {
    const room = sale.waitingRoom!;
    const r = await this.store.join(sale.saleId, buyer, {
      startsAt: sale.startsAt,
      lottery: lotteryOf(room.seed, sale.saleId, buyer),
      expiresAt: sale.endsAt + TICKET_AFTER_END_MS,
      proofOk,
      limits,
    });
    if (r.kind !== "in") return r;
    const m = r.member;
    return { kind: "in", created: r.created, ticket: this.ticketOf(sale, buyer, m.joinedAt, m.preQueue, m.place) };
  }

  /**
   * This process's copy of the progress says the room is sold out for good (no I/O). Without a copy yet it
   * answers false and starts loading one in the background (once per room and process), so that a process
   * that only ever saw refused joins also answers later ones without Redis after the sell-out.
   */
  soldOut(saleId: string, now = Date.now()): boolean {
    const p = this.progress.peek(saleId, now);
    if (p === undefined) void this.progress.get(saleId).catch(() => {});
    return p?.soldOut === true;
  }

  /** This process holds the room's progress copy: a poll of a placed ticket is answered without I/O. */
  hasCopy(saleId: string, now = Date.now()): boolean {
    return this.progress.peek(saleId, now) !== undefined;
  }

  private ticketOf(sale: Sale, buyer: string, joinedAt: number, pq: boolean, place?: number): string {
    return this.tickets.sign({
      s: sale.saleId,
      b: buyer,
      j: joinedAt,
      pq,
      ...(place !== undefined ? { p: place } : {}),
      x: sale.endsAt + TICKET_AFTER_END_MS,
    });
  }

  /**
   * The buyer's state from this process's copy of the progress: no Redis command, except a process's first
   * poll of a room and its first poll of a pre-queue ticket after the start (reading the draw, once per
   * process; a lottery missing from it asks the place script). Answered synchronously in the steady state (a
   * placed ticket, or a pre-queue one and a copy of the draw; a local copy of the progress).
   */
  poll(sale: Sale, t: TicketPayload, ticket: string, now = Date.now()): QueueView | Promise<QueueView> {
    const progress = this.progress.peek(sale.saleId, now);
    if (progress === undefined || now >= sale.endsAt) return this.pollSlow(sale, t, ticket, now);
    if (t.p !== undefined) return this.answer(sale, t, ticket, progress, placed(t.p, progress), now);
    // A pre-queue ticket's first poll after the start, with this process's copy of the draw: synchronous too.
    const kept = now >= sale.startsAt ? this.draws.get(sale.saleId) : undefined;
    const found = kept && placeIn(kept, lotteryOf(sale.waitingRoom!.seed, sale.saleId, t.b));
    return found ? this.firstAnswer(sale, t, ticket, progress, found, now) : this.pollSlow(sale, t, ticket, now);
  }

  private async pollSlow(sale: Sale, t: TicketPayload, ticket: string, now: number): Promise<QueueView> {
    const room = sale.waitingRoom!;
    const progress = this.progress.peek(sale.saleId, now) ?? (await this.progress.get(sale.saleId));
    const unitsLeft = progress?.unitsLeft ?? sale.stock;
    if (now >= sale.endsAt) return { state: "CLOSED", reason: "SALE_ENDED", ticket, unitsLeft, retryAfter: 60 };
    if (t.p !== undefined) return this.answer(sale, t, ticket, progress, placed(t.p, progress), now);
    const untilStart = Math.ceil((sale.startsAt - now) / 1000);
    if (untilStart > 0)
      return {
        state: "WAITING",
        ticket,
        unitsLeft,
        estimateSeconds: untilStart,
        retryAfter: this.beforeStart(sale, t, progress, untilStart),
      };
    const found = await this.placeOf(sale, room.seed, t.b);
    if (!found) return { state: "WAITING", ticket, unitsLeft, retryAfter: 1 };
    return this.firstAnswer(sale, t, ticket, progress, found, now);
  }

  /**
   * The answer to a pre-queue ticket's first poll with a place. A buyer who polls again gets a ticket with its
   * place (no Redis, no draw next time); a final answer (SOLD_OUT, CLOSED) ends the polls: it keeps the ticket
   * it came with, one HMAC less for each of the crowd told at once.
   */
  private firstAnswer(
    sale: Sale,
    t: TicketPayload,
    ticket: string,
    progress: RoomProgress | null,
    found: PlaceAt,
    now: number,
  ): QueueView {
    const view = this.answer(sale, t, ticket, progress, found, now);
    if (view.state === "WAITING" || view.state === "ADMITTED")
      view.ticket = this.ticketOf(sale, t.b, t.j, true, found.place);
    return view;
  }

  /**
   * The answer for a known place: its state, the receipt of a pre-queue place, the token of an admitted one.
   * `at.lottery`: the buyer's lottery when the caller has just computed it (one SHA-256 less).
   */
  private answer(
    sale: Sale,
    t: TicketPayload,
    ticket: string,
    progress: RoomProgress | null,
    at: PlaceAt,
    now: number,
  ): QueueView {
    const room = sale.waitingRoom!;
    const { place } = at;
    const view = this.stateAt(sale, room, progress, place, ticket, now);
    if (t.pq && now >= sale.startsAt) view.receipt = this.receipt(sale, room, t.b, at);
    if (view.state !== "ADMITTED") return view;
    view.purchaseToken = this.tokens.issue(sale, t.b, place, Date.parse(view.admissionExpiresAt!));
    return view;
  }

  private receipt(sale: Sale, room: WaitingRoomSettings, buyer: string, at: PlaceAt): Receipt {
    return {
      seed: room.seed,
      seedCommitment: seedCommitment(room.seed),
      lottery: at.lottery ?? lotteryOf(room.seed, sale.saleId, buyer),
      place: at.place,
      preQueueSize: at.preQueue,
    };
  }

  private stateAt(
    sale: Sale,
    room: WaitingRoomSettings,
    p: RoomProgress | null,
    place: number,
    ticket: string,
    now: number,
  ): QueueView {
    const unitsLeft = p?.unitsLeft ?? sale.stock;
    if (!p || !p.started) return { state: "WAITING", ticket, place, unitsLeft, retryAfter: 1 };
    if (place <= p.admitted) {
      const at = admittedAt(p, place);
      const expiresAt = at === null ? 0 : at + room.admissionTtlSeconds * 1000;
      if (now >= expiresAt)
        return { state: "CLOSED", reason: "ADMISSION_EXPIRED", ticket, place, unitsLeft, retryAfter: 60 };
      const admissionExpiresAt = new Date(expiresAt).toISOString();
      return { state: "ADMITTED", ticket, place, unitsLeft, admissionExpiresAt, retryAfter: 5 };
    }
    if (p.cutoff !== null && place >= p.cutoff) return { state: "SOLD_OUT", ticket, place, unitsLeft, retryAfter: 60 };
    const ahead = place - p.admitted - 1;
    const estimate = p.rate > 0 ? Math.ceil(ahead / p.rate) : undefined;
    return {
      state: "WAITING",
      ticket,
      place,
      ahead,
      unitsLeft,
      ...(estimate !== undefined ? { estimateSeconds: estimate } : {}),
      ...(p.paused ? { paused: true } : {}),
      retryAfter: this.pace(sale, p, ahead),
    };
  }

  /**
   * A waiting buyer's Retry-After (docs/waiting-room.md#pacing): the waiting buyers together poll about
   * pollsPerSecond times a second, so the sell-out (or a paused room's resume) reaches them within
   * waiting ÷ pollsPerSecond seconds (1 to 30); a buyer whose turn may come sooner comes back at the soonest it
   * can: ahead ÷ admitPerSecond, every second near the front. The pace never reads the observed admission rate:
   * the room admits only as fast as admitted buyers buy (backpressure), so a buyer told to wait out a slow rate
   * would see its admission late, and admission would slow further. A buyer beyond the stock's reach (more
   * places ahead than the units left can admit, unitsLeft × factor: each admitted buyer who buys takes a unit
   * at least) can only hear SOLD_OUT, or be reached by no-shows and returned units, so it comes back when the
   * stock could be out at the soonest (secondsToSellOut: half the time the drop's pace points to), not every
   * budget's seconds in between; once that is nearer than the budget, at the budget's pace. After the
   * sell-out only the reserve's buyers wait (the rest are told SOLD_OUT): every second.
   */
  private pace(sale: Sale, p: RoomProgress, ahead: number): number {
    const room = sale.waitingRoom!;
    const budget = Math.ceil(waitingIn(p) / this.pollsPerSecond);
    const soonest = Math.floor(ahead / room.admitPerSecond);
    if (ahead < p.unitsLeft * p.factor) return clampRetry(Math.min(budget, soonest));
    const sellOut = Math.floor(secondsToSellOut(p, room.admitPerSecond, sale.perUserLimit));
    return clampRetry(Math.min(soonest, Math.max(budget, sellOut)));
  }

  /**
   * Retry-After before the start: at the start, or 30 s on while it is further away. The last answer before
   * the start (within 30 s of it) tells a pre-queue buyer when its first poll after the start is worth it,
   * by its lottery (firstPollSeconds): the front at the start, the rest as their turns and the stock allow.
   */
  private beforeStart(sale: Sale, t: TicketPayload, p: RoomProgress | null, untilStart: number): number {
    if (untilStart > MAX_RETRY_AFTER || !t.pq) return clampRetry(untilStart);
    const room = sale.waitingRoom!;
    const first = firstPollSeconds(lotteryQuantile(lotteryOf(room.seed, sale.saleId, t.b)), p?.preQueue ?? 0, {
      units: p && p.unitsLeft > 0 ? p.unitsLeft : sale.stock,
      admitPerSecond: room.admitPerSecond,
      perUserLimit: sale.perUserLimit,
      pollsPerSecond: this.pollsPerSecond,
    });
    return untilStart + Math.min(first, 2 * MAX_RETRY_AFTER);
  }

  /**
   * A pre-queue buyer's place after the start: from this process's copy of the frozen draw (read once, at the
   * first such poll), else from Redis (one call: the place script also freezes the pre-queue at the start).
   * At the start every pre-queue buyer polls at once; one read of the draw per process answers them all.
   */
  private async placeOf(sale: Sale, seed: string, buyer: string): Promise<PlaceAt | null> {
    const lottery = lotteryOf(seed, sale.saleId, buyer);
    const kept = await this.indexed(sale).catch(() => null);
    const found = kept && placeIn(kept, lottery);
    if (found) return found;
    const placed = await this.store.place(sale.saleId, lottery, buyer, sale.startsAt);
    return placed && { ...placed, lottery };
  }

  /** The draw (every pre-queue lottery, in place order): after the start, frozen then, so read once. */
  draw(sale: Sale): Promise<Draw | null> {
    return this.indexed(sale).then((found) => found && found.draw);
  }

  /** The draw with its index, read once per process (after the start: frozen then). */
  private indexed(sale: Sale): Promise<IndexedDraw | null> {
    const kept = this.draws.get(sale.saleId);
    return kept ? Promise.resolve(kept) : this.drawing.run(sale.saleId, () => this.readDraw(sale));
  }

  private async readDraw(sale: Sale): Promise<IndexedDraw | null> {
    const room = sale.waitingRoom!;
    // Freezes the pre-queue if nobody did yet (null: Redis's clock says not started).
    if ((await this.store.counts(sale.saleId)).frozen === null && !(await this.freeze(sale))) return null;
    const draw = {
      seed: room.seed,
      seedCommitment: seedCommitment(room.seed),
      lotteries: await this.store.lotteries(sale.saleId),
    };
    const indexed = { draw, index: new DrawIndex(draw.lotteries) };
    this.draws.set(sale.saleId, indexed);
    return indexed;
  }

  private async freeze(sale: Sale): Promise<boolean> {
    await this.store.place(sale.saleId, "", "", sale.startsAt);
    return (await this.store.counts(sale.saleId)).frozen !== null;
  }
}

/**
 * The index of `lottery` in the ascending `lotteries` (equal-length hex: text order is number order), searched
 * within [from, to); -1 if absent.
 */
export function rankOf(lotteries: readonly string[], lottery: string, from = 0, to = lotteries.length): number {
  let lo = from;
  let hi = to - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const x = lotteries[mid]!;
    if (x === lottery) return mid;
    if (x < lottery) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** Hex digits of a lottery a DrawIndex keys on: 52 bits, exact in a double. */
const PREFIX_DIGITS = 13;

/**
 * A frozen draw's places by lottery. A binary search over 250,000 strings touches 18 of them scattered over
 * tens of megabytes: a cache miss each, a few microseconds a poll when every pre-queue buyer polls at once.
 * This one searches their first 52 bits in one typed array (2 MB), then compares whole strings only among
 * lotteries sharing the prefix (one, but for a one-in-2^52 chance).
 */
export class DrawIndex {
  private readonly prefixes: Float64Array | null;

  constructor(readonly lotteries: readonly string[]) {
    const prefixes = new Float64Array(lotteries.length);
    for (let i = 0; i < lotteries.length; i++) prefixes[i] = prefixOf(lotteries[i]!);
    // A lottery that is not hex (none the room writes) leaves the whole-string search.
    this.prefixes = prefixes.every((x) => !Number.isNaN(x)) ? prefixes : null;
  }

  /** The index of `lottery` in the draw; -1 if absent. */
  rank(lottery: string): number {
    const px = this.prefixes;
    if (!px) return rankOf(this.lotteries, lottery);
    const p = prefixOf(lottery);
    if (Number.isNaN(p)) return -1;
    const first = firstAbove(px, p, false);
    const end = firstAbove(px, p, true);
    if (end - first === 1) return this.lotteries[first] === lottery ? first : -1;
    return end > first ? rankOf(this.lotteries, lottery, first, end) : -1;
  }
}

/** A lottery's first 13 hex digits as a number; NaN when they are not lowercase hex. No slice, no regex: 250,000 at a draw's read. */
function prefixOf(lottery: string): number {
  if (lottery.length < PREFIX_DIGITS) return NaN;
  let n = 0;
  for (let i = 0; i < PREFIX_DIGITS; i++) {
    const c = lottery.charCodeAt(i);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return NaN;
    n = n * 16 + d;
  }
  return n;
}

/** The first index of the ascending `xs` holding a value > x (`strictly` false: ≥ x); xs.length if none. */
function firstAbove(xs: Float64Array, x: number, strictly: boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x || (strictly && xs[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function clampRetry(s: number): number {
  return Math.max(1, Math.min(MAX_RETRY_AFTER, s));
}

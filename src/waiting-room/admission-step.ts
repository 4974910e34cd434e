import type { RoomProgress } from "./room-store.js";

/** What one tick of the controller knows besides the previous progress. */
export interface TickInput {
  now: number;
  /** The pre-queue is frozen (the sale has started, on Redis's clock). */
  started: boolean;
  joined: number;
  preQueue: number;
  stock: number;
  /** Units in the shards and in transfer between them. */
  unitsLeft: number;
  /** Orders ever reserved in the sale (ledger records, released ones too): buyers who bought. */
  ordered: number;
  paused: boolean;
  /**
   * Places held for units that may come back (reserveFor: the unpaid units at the drop's return rate), read
   * only while no unit is left (null: not read).
   */
  margin: number | null;
  admissionTtlMs: number;
  admitPerSecond: number;
  maxOverbook: number;
}

/** The controller's own carry between ticks (not published). */
export interface TickCarry {
  /** Admissions the rate still allows (a token bucket of at most one second's worth). */
  allowance: number;
  lastAt: number;
  /**
   * [at, admitted, sold] over the last few seconds: the admission and sell rates, and the places admitted
   * GRACE_MS ago.
   */
  history: [number, number, number][];
}

/** Places 1..expired whose window ended before `ended` is counted (at least this many) to learn from. */
const MIN_ENDED_TO_LEARN = 10;
/** Batches admitted within this long of the last one share its admission time. */
const BATCH_MS = 1000;
const RATE_WINDOW_MS = 5000;
/** Places admitted this long ago and not bought are taken for no-shows by the ceiling (their windows go on). */
const GRACE_MS = 5000;
/** Admissions neither ordered nor ended at once: this many seconds of admitPerSecond (backpressure). */
const IN_FLIGHT_SECONDS = 10;
/** How long the controller keeps [at, admitted, sold] (the rates' window and the grace, with room to spare). */
const HISTORY_MS = 10_000;

/** While few units settled, the return rate assumed is this prior, weighted as this many units. */
const PRIOR_RETURN_RATE = 0.25;
const PRIOR_UNITS = 100;
/** Margin of error of the reserve: standard deviations (Poisson) above the expected returns, plus places. */
const RESERVE_SIGMAS = 3;
const RESERVE_SLACK = 2;

/**
 * The places held at the sell-out for units that may still come back: the unpaid units times the rate at
 * which the drop's settled units came back (cancelled, timed out, payment failed ÷ those and the paid ones;
 * a prior of 1 in 4 while few settled), plus 3 standard deviations and 2 places; at most the unpaid units
 * themselves, 0 once none is unpaid. Every place past the reserve is told SOLD_OUT at the sell-out instead of
 * waiting for payments that may take the sale's whole payment timeout (docs/waiting-room.md#sell-out): a unit
 * that comes back when the reserve is used up stays unsold rather than admit a buyer already told SOLD_OUT.
 */
export function reserveFor(unpaid: number, paid: number, returned: number): number {
  if (unpaid <= 0) return 0;
  const rate = (returned + PRIOR_RETURN_RATE * PRIOR_UNITS) / (paid + returned + PRIOR_UNITS);
  const expected = unpaid * rate;
  return Math.min(unpaid, Math.ceil(expected + RESERVE_SIGMAS * Math.sqrt(expected) + RESERVE_SLACK));
}

/** Ends the admission windows that have passed: their places count as done (bought or no-show). */
function expire(p: RoomProgress, now: number, ttlMs: number): void {
  while (p.batches.length > 0 && p.batches[0]![1] + ttlMs <= now) {
    p.batches.shift();
    p.expired = p.batches.length > 0 ? p.batches[0]![0] - 1 : p.admitted;
  }
}

/**
 * The no-show factor, learned from the drop: 1 / (orders ÷ places whose window ended), clamped to
 * [1, maxOverbook]. Orders of buyers still inside their window count too, so the conversion read is at
 * least the true one and the factor at most: the room errs on admitting fewer.
 */
export function learnedFactor(prev: number, expired: number, ordered: number, maxOverbook: number): number {
  if (expired < MIN_ENDED_TO_LEARN) return Math.min(prev, maxOverbook);
  const conversion = Math.min(1, ordered / expired);
  return conversion <= 0 ? maxOverbook : Math.min(maxOverbook, Math.max(1, 1 / conversion));
}

/**
 * One tick of a room's admission (docs/waiting-room.md): ends the windows that passed, learns the factor,
 * moves the sell-out cutoff, and admits the next places within the rate, the stock ceiling and the cutoff.
 * Pure; the controller reads the inputs and publishes the result.
 */
export function admissionStep(prev: RoomProgress, carry: TickCarry, t: TickInput): RoomProgress {
  const p: RoomProgress = { ...prev, outAt: prev.outAt ?? null, batches: prev.batches.map((b) => [b[0], b[1]]) };
  p.at = Math.max(t.now, prev.at + 1);
  p.started = t.started;
  p.joined = t.joined;
  p.preQueue = t.preQueue;
  p.paused = t.paused;
  p.unitsLeft = t.unitsLeft;
  p.sold = Math.max(0, t.stock - t.unitsLeft);
  const dt = carry.lastAt > 0 ? Math.max(0, t.now - carry.lastAt) : 0;
  carry.lastAt = t.now;
  // While paused nobody can buy: the open windows do not run down (each batch's time moves on with the
  // clock, so the tokens an admitted buyer is answered after the pause expire that much later).
  if (t.paused) for (const b of p.batches) b[1] += dt;
  expire(p, t.now, t.admissionTtlMs);
  p.ordered = t.ordered;
  p.factor = learnedFactor(prev.factor, p.expired, t.ordered, t.maxOverbook);
  // The first sell-out: the places admitted then (every later admission is for a unit that came back).
  if (t.unitsLeft === 0) p.outAt ??= p.admitted;
  if (t.unitsLeft > 0) {
    p.margin = null;
    p.soldOut = false;
  } else if (t.margin !== null) {
    // Places past what already is admitted plus what may still come back can never be admitted: tell them now.
    p.margin = t.margin;
    p.cutoff = Math.min(prev.cutoff ?? Infinity, p.admitted + t.margin + 1);
    p.soldOut = t.margin === 0;
  }
  while (carry.history.length > 0 && t.now - carry.history[0]![0] > HISTORY_MS) carry.history.shift();
  carry.allowance = Math.min(t.admitPerSecond, carry.allowance + (t.admitPerSecond * dt) / 1000);
  if (t.started && !t.paused && !p.soldOut) {
    // Places spent plus the buyers the units left need. Spent: windows ended, orders (released ones too:
    // their units are back in unitsLeft), and places admitted more than GRACE_MS ago: an admitted buyer buys
    // within seconds (the page buys at once), so one who has not by then is taken for a no-show and the next
    // place is admitted, not only when the window ends (if it buys after all, a later buyer's order may
    // answer SOLD_OUT). After the first sell-out the ledger's record count is no measure (refused attempts
    // are tombstoned in it): the places admitted then, and the grace rule.
    const admittedBefore = admittedAtOrBefore(carry.history, t.now - GRACE_MS, p.expired);
    const spent = p.outAt === null ? Math.max(p.expired, t.ordered, admittedBefore) : Math.max(p.outAt, admittedBefore);
    // Backpressure: at most IN_FLIGHT_SECONDS of admissions neither ordered nor ended at once. Buyers slowed by an
    // overloaded buy path (or a crowd that polls late) then slow admission to the pace they buy at, instead of
    // the room admitting everyone into windows that run out unused while the stock stays unsold.
    const inFlightCap = Math.max(p.expired, t.ordered) + t.admitPerSecond * IN_FLIGHT_SECONDS;
    const ceiling = Math.min(spent + Math.ceil(t.unitsLeft * p.factor), inFlightCap);
    const limit = Math.min(t.joined, ceiling, p.cutoff === null ? Infinity : p.cutoff - 1);
    const n = Math.max(0, Math.min(Math.floor(carry.allowance), limit - p.admitted));
    if (n > 0) {
      const last = p.batches.at(-1);
      if (!last || t.now - last[1] >= BATCH_MS) p.batches.push([p.admitted + 1, t.now]);
      p.admitted += n;
      carry.allowance -= n;
    }
  }
  carry.history.push([t.now, p.admitted, p.sold]);
  const [t0, a0, s0] = carry.history.find(([at]) => t.now - at <= RATE_WINDOW_MS)!;
  p.rate = t.now > t0 ? Math.round(((p.admitted - a0) * 1000) / (t.now - t0)) : 0;
  // Units taken per second (returns count against it): buyers beyond the stock's reach poll by it
  // (secondsToSellOut, room-service.ts pace).
  p.sellRate = t.now > t0 ? Math.max(0, Math.round(((p.sold - s0) * 1000) / (t.now - t0))) : 0;
  return p;
}

/** Seconds before `units` can be gone to buyers admitted at admitPerSecond, each taking perUserLimit. */
function admittedSellOutSeconds(units: number, admitPerSecond: number, perUserLimit: number): number {
  return Math.max(0, units) / (admitPerSecond * perUserLimit);
}

/**
 * Seconds before which the units left cannot be gone, as the drop goes: never sooner than admission allows
 * (each buyer admitted and not yet bought, and each admitted from now on at admitPerSecond, takes at most
 * perUserLimit units), nor than half the time the units taken per second lately point to (a drop that
 * speeds up to twice its pace is still not out by then). 0 once none is left.
 */
export function secondsToSellOut(p: RoomProgress, admitPerSecond: number, perUserLimit: number): number {
  if (p.unitsLeft <= 0) return 0;
  const inFlight = Math.max(0, p.admitted - Math.max(p.expired, p.ordered));
  const soonest = admittedSellOutSeconds(p.unitsLeft - inFlight * perUserLimit, admitPerSecond, perUserLimit);
  const sellRate = p.sellRate ?? 0;
  return Math.max(soonest, sellRate > 0 ? p.unitsLeft / sellRate / 2 : 0);
}

/** The pacing settings a pre-queue buyer's first poll after the start follows (firstPollSeconds). */
export interface FirstPollPace {
  /** Units the sale has to sell (the units left before the start). */
  units: number;
  admitPerSecond: number;
  perUserLimit: number;
  /** admission.roomPollsPerSecond: the polls a second the room's pacing aims for. */
  pollsPerSecond: number;
}

/** A lottery (hex, the draw's sort key) as a fraction of its range, [0, 1): its expected quantile in the draw. */
export function lotteryQuantile(lottery: string): number {
  return parseInt(lottery.slice(0, 12), 16) / 2 ** 48;
}

/**
 * Seconds after the start at which a pre-queue buyer's first poll is worth it (docs/waiting-room.md#the-first-poll),
 * from its lottery's quantile and the pre-queue's size now. Its place will be the lottery's rank in the
 * pre-queue frozen at the start, at least its rank among those in it now: about quantile × size, taken 3
 * standard deviations low. The place is admitted no sooner than the rate allows (the first tick admits one
 * second's worth); the stock cannot be gone sooner than every unit taken at perUserLimit a buyer at that
 * rate, so the places behind those first polls are spread from then at pollsPerSecond, nearest first,
 * instead of every buyer polling at the start to learn a place its turn cannot reach for a minute.
 */
export function firstPollSeconds(quantile: number, preQueue: number, pace: FirstPollPace): number {
  if (preQueue <= 0) return 0;
  const q = Math.min(1, Math.max(0, quantile));
  const ahead = Math.max(0, Math.floor(q * preQueue - 3 * Math.sqrt(preQueue * q * (1 - q))) - 1);
  const rate = Math.max(1, pace.admitPerSecond);
  const soonestTurn = Math.max(0, ahead - rate) / rate;
  const soonestSellOut = admittedSellOutSeconds(pace.units, rate, Math.max(1, pace.perUserLimit));
  const spread = soonestSellOut + Math.max(0, ahead - soonestSellOut * rate) / Math.max(1, pace.pollsPerSecond);
  return Math.floor(Math.min(soonestTurn, spread));
}

/** Places admitted at `at` or before, from the history (oldest first); `fallback` when it does not reach back. */
function admittedAtOrBefore(history: [number, number, number][], at: number, fallback: number): number {
  let admitted = fallback;
  for (const [when, a] of history) {
    if (when > at) break;
    admitted = a;
  }
  return admitted;
}

/** When place `place` (≤ admitted, > expired) was admitted, from the progress's batches; null if unknown. */
export function admittedAt(p: RoomProgress, place: number): number | null {
  if (place > p.admitted || place <= p.expired) return null;
  let at: number | null = null;
  for (const [first, when] of p.batches) {
    if (first > place) break;
    at = when;
  }
  return at;
}

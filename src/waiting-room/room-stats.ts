import type { RoomProgress } from "./room-store.js";

/** The room's numbers for operators (stats and metrics), from its progress. */
export interface RoomNumbers {
  /** Buyers in the room. */
  joined: number;
  /** Buyers who joined before the start (the shuffled pre-queue). */
  preQueue: number;
  /** Buyers not yet admitted who may still be (below the sell-out cutoff). */
  waiting: number;
  /** Places admitted so far. */
  admitted: number;
  /** Orders reserved in the sale (released ones too): admitted buyers who bought. */
  bought: number;
  /** Admissions whose window ended without an order (at least this many). */
  noShows: number;
  /** Admissions per second over the last seconds. */
  admissionRate: number;
  /** The learned no-show factor in use. */
  factor: number;
  unitsLeft: number;
  /** Places from this one on are told SOLD_OUT (null while stock remains). */
  soldOutFrom: number | null;
  soldOut: boolean;
  paused: boolean;
}

/** Buyers not yet admitted who may still be: past the admitted places and before the sell-out cutoff. */
export function waitingIn(p: RoomProgress): number {
  const reachable = p.cutoff === null ? p.joined : Math.min(p.joined, p.cutoff - 1);
  return Math.max(0, reachable - p.admitted);
}

export function roomNumbers(p: RoomProgress): RoomNumbers {
  return {
    joined: p.joined,
    preQueue: p.preQueue,
    waiting: waitingIn(p),
    admitted: p.admitted,
    bought: p.ordered,
    noShows: Math.max(0, p.expired - p.ordered),
    admissionRate: p.rate,
    factor: Math.round(p.factor * 100) / 100,
    unitsLeft: p.unitsLeft,
    soldOutFrom: p.cutoff,
    soldOut: p.soldOut,
    paused: p.paused,
  };
}

/** The metric series of a room's buyers, by state (bounded: a handful per room being driven here). */
export const ROOM_GAUGE_STATES = ["waiting", "admitted", "bought", "no_shows", "pre_queue"] as const;

export function gaugeValues(n: RoomNumbers): Record<(typeof ROOM_GAUGE_STATES)[number], number> {
  return { waiting: n.waiting, admitted: n.admitted, bought: n.bought, no_shows: n.noShows, pre_queue: n.preQueue };
}

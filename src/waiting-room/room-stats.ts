import { sha256hex, type Sale } from "../reservation/sale.js";
import { emptyProgress, type RoomProgress, type RoomStore } from "./room-store.js";

/**
 * Where a room stands, for operators (docs/operations.md#waiting-rooms):
 * NOT_OPEN before joining opens; PRE_QUEUE from then to the start; ADMITTING; PAUSED (the sale is paused:
 * nobody is admitted); WAITING_FOR_RETURNS (no unit left, unpaid ones may come back); SOLD_OUT (nothing can
 * come back: everyone waiting is told so); ENDED after the sale's end.
 */
export type RoomState =
  "NOT_OPEN" | "PRE_QUEUE" | "ADMITTING" | "PAUSED" | "WAITING_FOR_RETURNS" | "SOLD_OUT" | "ENDED";

/** The room's numbers, from the admission controller's progress. */
export interface RoomFigures {
  /** Buyers in the room (pre-queue and later joins). */
  joined: number;
  /** Buyers who joined before the start (frozen at the start). */
  preQueueSize: number;
  /** Buyers neither admitted nor told SOLD_OUT. */
  waiting: number;
  /** Places admitted so far (1..admitted). */
  admitted: number;
  /** Admitted places whose window is still open. */
  inWindow: number;
  /** Orders placed by admitted buyers (released ones too). */
  bought: number;
  /** Admitted places whose window ended without an order: a lower bound while windows are open. */
  noShows: number;
  /** Admissions per second over the last few seconds. */
  admissionRate: number;
  /** The learned overbooking factor in use. */
  overbookFactor: number;
  unitsLeft: number;
  /** Places from this one on are told SOLD_OUT; null while stock remains. */
  soldOutFromPlace: number | null;
}

export function roomFigures(p: RoomProgress): RoomFigures {
  const ordered = p.ordered ?? 0;
  const reachable = p.cutoff === null ? p.joined : Math.min(p.joined, p.cutoff - 1);
  return {
    joined: p.joined,
    preQueueSize: p.preQueue,
    waiting: Math.max(0, reachable - p.admitted),
    admitted: p.admitted,
    inWindow: p.admitted - p.expired,
    bought: ordered,
    // Orders of buyers still in their window count against the ended ones: at least this many no-shows.
    noShows: Math.max(0, p.expired - ordered),
    admissionRate: p.rate,
    overbookFactor: p.factor,
    unitsLeft: p.unitsLeft,
    soldOutFromPlace: p.cutoff,
  };
}

export function roomState(sale: Sale, p: RoomProgress, now: number): RoomState {
  const room = sale.waitingRoom!;
  if (now >= sale.endsAt) return "ENDED";
  if (now < sale.startsAt - room.opensSecondsBefore * 1000) return "NOT_OPEN";
  if (now < sale.startsAt) return "PRE_QUEUE";
  if (p.soldOut) return "SOLD_OUT";
  if (sale.paused) return "PAUSED";
  return p.unitsLeft === 0 ? "WAITING_FOR_RETURNS" : "ADMITTING";
}

/** The `room` object of GET /v1/admin/sales/{saleId}/stats. */
export type RoomStats = {
  state: RoomState;
  opensAt: string;
  seedCommitment: string;
  progressAt: string | null;
} & RoomFigures;

/**
 * The room's stats from Redis: the progress hash (what every gateway reads) and, before the controller has
 * published one, the join counters. Two reads: an operator's call, not a poll.
 */
export async function readRoomStats(store: RoomStore, sale: Sale, now = Date.now()): Promise<RoomStats> {
  const room = sale.waitingRoom!;
  const [published, counts] = await Promise.all([store.readProgress(sale.saleId), store.counts(sale.saleId)]);
  const p = published ?? emptyProgress();
  // The counters are newer than the last tick's progress (or there is none yet, before the room opens).
  p.joined = Math.max(p.joined, (counts.frozen ?? counts.pq) + counts.fcfs);
  p.preQueue = Math.max(p.preQueue, counts.frozen ?? counts.pq);
  if (!published) p.unitsLeft = sale.stock;
  return {
    state: roomState(sale, p, now),
    opensAt: new Date(sale.startsAt - room.opensSecondsBefore * 1000).toISOString(),
    seedCommitment: sha256hex(room.seed),
    progressAt: published ? new Date(published.at).toISOString() : null,
    ...roomFigures(p),
  };
}

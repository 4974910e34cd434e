import { roomOpensAt, seedCommitment, type Sale } from "../reservation/sale.js";
import { roomNumbers, type RoomNumbers } from "./room-stats.js";
import { emptyProgress, type RoomProgress, type RoomStore } from "./room-store.js";

/**
 * Where a room stands, for operators (docs/operations.md#waiting-rooms):
 * NOT_OPEN before joining opens; PRE_QUEUE from then to the start; ADMITTING; PAUSED (the sale is paused:
 * nobody is admitted); WAITING_FOR_RETURNS (no unit left, unpaid ones may come back); SOLD_OUT (nothing can
 * come back: everyone waiting is told so); ENDED after the sale's end.
 */
export type RoomState =
  "NOT_OPEN" | "PRE_QUEUE" | "ADMITTING" | "PAUSED" | "WAITING_FOR_RETURNS" | "SOLD_OUT" | "ENDED";

export function roomState(sale: Sale, p: RoomProgress, now: number): RoomState {
  if (now >= sale.endsAt) return "ENDED";
  if (now < roomOpensAt(sale)) return "NOT_OPEN";
  if (now < sale.startsAt) return "PRE_QUEUE";
  if (p.soldOut) return "SOLD_OUT";
  if (sale.paused) return "PAUSED";
  return p.unitsLeft === 0 && p.started ? "WAITING_FOR_RETURNS" : "ADMITTING";
}

/** The `waitingRoom` object of GET /v1/admin/sales/{saleId}/stats: the room's numbers and where it stands. */
export type RoomOverview = RoomNumbers & {
  state: RoomState;
  opensAt: string;
  seedCommitment: string;
  /** When the admission loop last published (null: not yet, e.g. before the room opens). */
  progressAt: string | null;
};

/**
 * The room's stats from Redis: the progress hash (what every gateway reads) and the join counters, which
 * are newer than the last tick's progress and the only figures before the loop has run. Two reads: an
 * operator's call, not a poll.
 */
export async function readRoomStats(store: RoomStore, sale: Sale, now = Date.now()): Promise<RoomOverview> {
  const room = sale.waitingRoom!;
  const [published, counts] = await Promise.all([store.readProgress(sale.saleId), store.counts(sale.saleId)]);
  const p = published ?? { ...emptyProgress(), unitsLeft: sale.stock };
  p.joined = Math.max(p.joined, (counts.frozen ?? counts.pq) + counts.fcfs);
  p.preQueue = Math.max(p.preQueue, counts.frozen ?? counts.pq);
  return {
    ...roomNumbers({ ...p, paused: p.paused || sale.paused }),
    state: roomState(sale, p, now),
    opensAt: new Date(roomOpensAt(sale)).toISOString(),
    seedCommitment: seedCommitment(room.seed),
    progressAt: published ? new Date(published.at).toISOString() : null,
  };
}

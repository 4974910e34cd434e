import type { Metrics } from "../observability/metrics.js";
import type { RoomController } from "../waiting-room/room-controller.js";
import { roomFigures, type RoomFigures } from "../waiting-room/room-stats.js";
import type { RoomProgress } from "../waiting-room/room-store.js";

/** Each room gauge: its name, help and the number it reads from a room's progress. */
const ROOM_GAUGES: [string, string, (f: RoomFigures, p: RoomProgress) => number][] = [
  ["flashsale_room_joined", "Buyers in the waiting room (pre-queue and later joins), per live room", (f) => f.joined],
  ["flashsale_room_pre_queue_size", "Buyers who joined before the start, per live room", (f) => f.preQueueSize],
  ["flashsale_room_waiting", "Buyers waiting: neither admitted nor told SOLD_OUT, per live room", (f) => f.waiting],
  ["flashsale_room_admitted", "Places admitted so far, per live room", (f) => f.admitted],
  ["flashsale_room_in_window", "Admitted places whose admission window is open, per live room", (f) => f.inWindow],
  ["flashsale_room_bought", "Orders placed by admitted buyers (released ones too), per live room", (f) => f.bought],
  [
    "flashsale_room_no_shows",
    "Admitted places whose window ended without an order (a lower bound while windows are open), per live room",
    (f) => f.noShows,
  ],
  [
    "flashsale_room_admission_rate",
    "Admissions per second over the last few seconds, per live room",
    (f) => f.admissionRate,
  ],
  [
    "flashsale_room_overbook_factor",
    "The learned no-show factor the room admits by, per live room",
    (f) => f.overbookFactor,
  ],
  [
    "flashsale_room_units_left",
    "Units left as the room's controller last read them, per live room",
    (f) => f.unitsLeft,
  ],
  [
    "flashsale_room_paused",
    "1 while the room's sale is paused (nobody is admitted), per live room",
    (_f, p) => (p.paused ? 1 : 0),
  ],
  ["flashsale_room_sold_out", "1 once the room is sold out for good, per live room", (_f, p) => (p.soldOut ? 1 : 0)],
];

/**
 * The waiting rooms' numbers on /metrics, labelled by sale (live rooms only: a room leaves the controller a
 * minute after its sale's end, and its series with it). Only the process driving a room (the lease holder)
 * reports it, so across `server.workers` the largest value is the room's; across gateways, `max by (sale)`.
 */
export function registerRoomMetrics(metrics: Metrics, controller: RoomController): void {
  for (const [name, help, pick] of ROOM_GAUGES)
    metrics.gauge(
      name,
      help,
      ["sale"],
      (set) => {
        for (const [sale, p] of controller.drivenRooms()) set({ sale }, pick(roomFigures(p), p));
      },
      "max",
    );
}

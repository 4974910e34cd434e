/** A reservation record as the Lua scripts write it: "state|qty|ms|token|user". */
export interface ReservationRecord {
  orderId: string;
  state: ReservationState;
  quantity: number;
  reservedAt: number;
  token: string;
  userId: string;
}

/** R reserved (not yet in MySQL) · F confirmed in MySQL · P paid · C released/cancelled · T tombstone (rolled back). */
export type ReservationState = "R" | "F" | "P" | "C" | "T";

export function parseRecord(orderId: string, raw: string): ReservationRecord | null {
  const m = /^([RFPCT])\|(\d+)\|(\d+)\|([^|]*)\|(.*)$/.exec(raw);
  if (!m) return null;
  return { orderId, state: m[1] as ReservationState, quantity: Number(m[2]), reservedAt: Number(m[3]), token: m[4]!, userId: m[5]! };
}

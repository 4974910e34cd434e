/**
 * The waiting room's receipts (docs/waiting-room.md, "Fair pre-queue and receipts"): a pre-queue buyer's
 * place follows from the seed the sale committed to before the start, and anyone can check it.
 *
 *   sha256hex(seed) = seedCommitment
 *   lottery = sha256hex(seed + "|" + saleId + "|" + buyerId)      (UTF-8)
 *   place = 1 + the index of lottery in the draw's ascending list (GET /v1/sales/{saleId}/queue/draw)
 */

/** The receipt in a pre-queue buyer's poll answer once the seed is revealed. */
export interface Receipt {
  seed: string;
  seedCommitment: string;
  lottery: string;
  place: number;
  preQueueSize: number;
}

/** GET /v1/sales/{saleId}/queue/draw: every pre-queue lottery value, ascending. */
export interface Draw {
  seed: string;
  seedCommitment: string;
  lotteries: string[];
}

export type ReceiptCheck = { ok: true } | { ok: false; reason: string };

/** SHA-256 of a UTF-8 string, lower-case hex (Web Crypto: browsers and Node ≥ 20). */
export async function sha256hex(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Checks a buyer's receipt: the seed matches the commitment published before the start, the lottery is the
 * buyer's, and (given the draw) the place is the lottery's rank in it. Pure: no network call.
 */
export async function verifyReceipt(input: {
  saleId: string;
  buyerId: string;
  receipt: Receipt;
  /** The published draw; without it the place is only checked to lie within the pre-queue. */
  draw?: Draw;
  /** The commitment the buyer saw before the start (the sale view's waitingRoom.seedCommitment). */
  commitment?: string;
}): Promise<ReceiptCheck> {
  const { saleId, buyerId, receipt: r, draw } = input;
  if (input.commitment !== undefined && input.commitment !== r.seedCommitment)
    return { ok: false, reason: "the receipt's commitment is not the one published before the start" };
  if ((await sha256hex(r.seed)) !== r.seedCommitment)
    return { ok: false, reason: "sha256(seed) is not the commitment" };
  if ((await sha256hex(`${r.seed}|${saleId}|${buyerId}`)) !== r.lottery)
    return { ok: false, reason: "the lottery is not this buyer's for this seed and sale" };
  if (!Number.isInteger(r.place) || r.place < 1 || r.place > r.preQueueSize)
    return { ok: false, reason: "the place is outside the pre-queue" };
  if (!draw) return { ok: true };
  if (draw.seed !== r.seed || draw.seedCommitment !== r.seedCommitment)
    return { ok: false, reason: "the draw is for another seed" };
  if (draw.lotteries.length !== r.preQueueSize) return { ok: false, reason: "the draw's size is not the pre-queue's" };
  for (let i = 1; i < draw.lotteries.length; i++)
    if (draw.lotteries[i - 1]! > draw.lotteries[i]!) return { ok: false, reason: "the draw is not in ascending order" };
  const index = draw.lotteries.indexOf(r.lottery);
  if (index < 0) return { ok: false, reason: "the lottery is not in the draw" };
  if (index + 1 !== r.place) return { ok: false, reason: `the lottery ranks ${index + 1} in the draw, not ${r.place}` };
  return { ok: true };
}

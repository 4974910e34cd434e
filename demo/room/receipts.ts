import { verifyReceipt, type Draw, type Receipt } from "@flashsale/client";

/**
 * Every pre-queue buyer's receipt checked as anyone can, with the client package's verifyReceipt
 * (packages/client/src/receipt.ts): the commitment published before the start, sha256(seed) = commitment,
 * the lottery recomputed from seed, sale and buyer, the place within the pre-queue. Its draw check (the
 * lottery's index in the published draw + 1 = the place) scans the draw, so for 250,000 receipts it runs on
 * a sample, and the place of every receipt is checked against the draw by binary search here.
 */
export async function receiptsHold(o: {
  saleId: string;
  buyers: readonly { buyerId: string; receipt: Receipt }[];
  draw: Draw;
  commitment: string;
  sample: number;
}): Promise<{ checked: number; failed: number; reasons: string[] }> {
  const { saleId, draw, commitment } = o;
  let failed = 0;
  const reasons = new Set<string>();
  const fail = (why: string) => {
    failed++;
    reasons.add(why);
  };
  for (const [k, { buyerId, receipt }] of o.buyers.entries()) {
    const withDraw = k % Math.max(1, Math.floor(o.buyers.length / o.sample)) === 0;
    const c = await verifyReceipt({ saleId, buyerId, receipt, commitment, ...(withDraw ? { draw } : {}) });
    if (!c.ok) fail(c.reason);
    else if (rankInDraw(draw.lotteries, receipt.lottery) !== receipt.place) fail("the place is not the draw's rank");
  }
  return { checked: o.buyers.length, failed, reasons: [...reasons].slice(0, 5) };
}

/** 1 + the index of `lottery` in the sorted draw, or 0 when absent. */
function rankInDraw(lotteries: readonly string[], lottery: string): number {
  let lo = 0;
  let hi = lotteries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = lotteries[mid]!;
    if (v === lottery) return mid + 1;
    if (v < lottery) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

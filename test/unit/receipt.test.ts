import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyReceipt, type Draw, type Receipt } from "@flashsale/client";

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

/** A draw as the gateway makes it: lotteries of every pre-queue buyer, ascending; places are ranks. */
function generated(saleId: string, buyers: string[]) {
  const seed = randomBytes(32).toString("hex");
  const lotteries = buyers.map((b) => sha(`${seed}|${saleId}|${b}`)).sort();
  const draw: Draw = { seed, seedCommitment: sha(seed), lotteries };
  const receipt = (buyerId: string): Receipt => {
    const lottery = sha(`${seed}|${saleId}|${buyerId}`);
    return {
      seed,
      seedCommitment: sha(seed),
      lottery,
      place: lotteries.indexOf(lottery) + 1,
      preQueueSize: buyers.length,
    };
  };
  return { draw, receipt };
}

describe("verifyReceipt (packages/client)", () => {
  const saleId = "summer-drop-1";
  const buyers = Array.from({ length: 50 }, (_, i) => `buyer-${i}`);
  const { draw, receipt } = generated(saleId, buyers);

  it("accepts every buyer's receipt against the draw, and without it", async () => {
    for (const b of buyers) {
      expect(
        await verifyReceipt({ saleId, buyerId: b, receipt: receipt(b), draw, commitment: draw.seedCommitment }),
      ).toEqual({ ok: true });
      expect(await verifyReceipt({ saleId, buyerId: b, receipt: receipt(b) })).toEqual({ ok: true });
    }
  });

  it("refuses a receipt that does not check out", async () => {
    const r = receipt("buyer-7");
    const bad = async (over: Partial<Receipt>, d: Draw | undefined = draw, buyerId = "buyer-7", commitment?: string) =>
      (await verifyReceipt({ saleId, buyerId, receipt: { ...r, ...over }, draw: d, commitment })).ok;
    expect(await bad({ seed: randomBytes(32).toString("hex") })).toBe(false);
    expect(await bad({}, draw, "buyer-8")).toBe(false);
    expect(await bad({ place: r.place === 1 ? 2 : 1 })).toBe(false);
    expect(await bad({ place: 51 }, undefined)).toBe(false);
    expect(await bad({}, draw, "buyer-7", sha("another seed"))).toBe(false);
    expect(await bad({}, { ...draw, lotteries: [...draw.lotteries].reverse() })).toBe(false);
    expect(await bad({}, { ...draw, lotteries: draw.lotteries.filter((l) => l !== r.lottery) })).toBe(false);
    expect(await bad({}, { ...draw, seed: randomBytes(32).toString("hex") })).toBe(false);
    expect(await verifyReceipt({ saleId: "another-sale", buyerId: "buyer-7", receipt: r, draw })).toMatchObject({
      ok: false,
    });
  });
});

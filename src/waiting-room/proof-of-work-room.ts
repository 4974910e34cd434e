import type { Challenge, ProofOfWork, ProofRefusal } from "./proof-of-work.js";

/** How crowded a sale's room is: buyers waiting in it, and units left to sell. */
export interface Scarcity {
  demand: number;
  stock: number;
}

/**
 * The proof of work as the room's join route takes it: `challenge(sale, buyer)` for
 * `GET …/queue/challenge` and `proof.verify(proof, saleId, buyer)` for `POST …/queue` (true: join).
 * `scarcity` reads the room's local progress copy (no I/O in steady state); `clock` is injected for tests.
 * The last refusal's reason is passed to `onRefused` (metrics, logs); the buyer only sees INVALID_PROOF.
 */
export function roomProofOfWork<S extends { saleId: string }>(
  pow: ProofOfWork,
  scarcity: (sale: S) => Scarcity | Promise<Scarcity>,
  opts: { clock?: () => number; onRefused?: (reason: ProofRefusal) => void } = {},
): {
  challenge: (sale: S, buyerId: string) => Promise<Challenge>;
  proof: { verify: (proof: unknown, saleId: string, buyerId: string) => boolean };
} {
  const clock = opts.clock ?? Date.now;
  return {
    challenge: async (sale, buyerId) => {
      const { demand, stock } = await scarcity(sale);
      return pow.challengeFor({ saleId: sale.saleId, buyerId, demand, stock, now: clock() });
    },
    proof: {
      verify: (proof, saleId, buyerId) => {
        if (typeof proof !== "string") {
          opts.onRefused?.("malformed");
          return false;
        }
        const v = pow.verifyProof(proof, { saleId, buyerId, now: clock() });
        if (!v.ok) opts.onRefused?.(v.reason);
        return v.ok;
      },
    },
  };
}

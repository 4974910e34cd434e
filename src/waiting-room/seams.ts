import { LRUCache } from "lru-cache";
import type { PurchaseTokens } from "../admission/purchase-token.js";
import type { ReservationService } from "../reservation/reservation-service.js";
import type { Sale } from "../reservation/sale.js";

/**
 * How an admitted buyer gets a purchase token (the seam for H1's signed tokens, docs/waiting-room.md):
 * deterministic for (sale, buyer, place), expiring when the admission window does.
 */
export interface AdmissionTokens {
  issue(sale: Sale, buyer: string, place: number, expiresAt: number): Promise<string>;
}

/**
 * Until signed tokens are merged: the token is issued the existing way, one Redis write on the buyer's home
 * shard at the first ADMITTED answer this process gives the buyer, then cached here (another gateway may
 * issue the buyer a second token; either buys once, the per-buyer limit holds).
 */
export class RedisIssuedAdmissionTokens implements AdmissionTokens {
  private readonly issued = new LRUCache<string, string>({ max: 200_000 });

  constructor(
    private readonly tokens: PurchaseTokens,
    private readonly reservations: ReservationService,
  ) {}

  async issue(sale: Sale, buyer: string, place: number, expiresAt: number): Promise<string> {
    const key = `${sale.saleId}|${buyer}|${place}`;
    const hit = this.issued.get(key);
    if (hit) return hit;
    const token = this.tokens.mint(sale.saleId, buyer);
    await this.reservations.issueToken(sale, buyer, token, expiresAt);
    this.issued.set(key, token);
    return token;
  }
}

/** The proof of work a join must carry (the seam for H2's verifier): true when the proof is good. */
export interface ProofCheck {
  verify(proof: unknown, saleId: string, buyerId: string): boolean | Promise<boolean>;
}

/** Until the proof of work is merged: any non-empty string passes (a missing proof is still refused). */
export const ANY_PROOF: ProofCheck = {
  verify: (proof) => typeof proof === "string" && proof.length > 0,
};

import type { PurchaseTokens } from "../admission/purchase-token.js";
import { HashInput, sha256Into } from "../admission/hmac-sha256.js";
import type { Sale } from "../reservation/sale.js";

/**
 * How an admitted buyer gets a purchase token (the seam for H1's signed tokens, docs/waiting-room.md):
 * deterministic for (sale, buyer, place), expiring when the admission window does.
 */
export interface AdmissionTokens {
  issue(sale: Sale, buyer: string, place: number, expiresAt: number): string;
}

/** The admission's seed and its SHA-256, reused: issue() is synchronous. */
const input = new HashInput();
const seed = Buffer.alloc(32);

/**
 * Signed purchase tokens (no I/O): the nonce is derived from (sale, buyer, place), so every gateway mints
 * the same token for the same admission, expiring when its window does.
 */
export class SignedAdmissionTokens implements AdmissionTokens {
  constructor(private readonly tokens: PurchaseTokens) {}

  issue(sale: Sale, buyer: string, place: number, expiresAt: number): string {
    sha256Into(input.reset().text(`room|${sale.saleId}|${buyer}|${place}`), seed, 0);
    return this.tokens.mint(sale.saleId, buyer, expiresAt, seed);
  }
}

/** The proof of work a join must carry (the seam for H2's verifier): true when the proof is good. */
export interface ProofCheck {
  verify(proof: unknown, saleId: string, buyerId: string): boolean | Promise<boolean>;
}

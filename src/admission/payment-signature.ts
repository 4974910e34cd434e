import { createHmac, timingSafeEqual } from "node:crypto";
import { ApiError, SIGNATURE_CHALLENGE } from "../errors.js";

/**
 * `X-Signature` as the payment provider sends it: `t=<unix seconds>,sha256=<hex>` (the HMAC covers
 * "<t>.<raw body>", as Stripe's webhooks do), or the contract's plain `sha256=<hex>` (the raw body only).
 */
export const SIGNATURE_RE = /^(?:t=(\d{1,12}),)?sha256=([0-9a-f]{64})$/;

/**
 * Verifies the payment provider's `X-Signature` (HMAC-SHA256 with payments.webhookSecret), in constant
 * time, before the body is parsed or anything recorded. A timestamped signature older or newer than the
 * tolerance is refused, so a captured callback cannot be replayed later; the plain form carries no time
 * and is kept for providers that sign the contract's way. Anything else is 401 UNAUTHENTICATED.
 */
export class PaymentSignature {
  private readonly key: Buffer;

  constructor(
    secret: string,
    /** How far a signature's `t` may be from this process's clock, seconds. */
    private readonly toleranceSeconds = 300,
  ) {
    this.key = Buffer.from(secret, "utf8");
  }

  /**
   * The header for `body` as the provider signs it (for clients and tests): timestamped at `nowMs`, or the
   * contract's plain form when `nowMs` is null.
   */
  sign(body: Buffer | string, nowMs: number | null = Date.now()): string {
    if (nowMs === null) return `sha256=${this.mac(null, body).toString("hex")}`;
    const t = Math.floor(nowMs / 1000);
    return `t=${t},sha256=${this.mac(t, body).toString("hex")}`;
  }

  check(header: string, body: Buffer | null, nowMs = Date.now()): void {
    if (!header) throw new ApiError("UNAUTHENTICATED", "missing X-Signature", SIGNATURE_CHALLENGE);
    const m = SIGNATURE_RE.exec(header);
    const t = m?.[1] === undefined ? null : Number(m[1]);
    const expected = this.mac(t, body ?? Buffer.alloc(0));
    const given = m ? Buffer.from(m[2]!, "hex") : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new ApiError("UNAUTHENTICATED", "bad X-Signature", SIGNATURE_CHALLENGE);
    // Checked after the MAC: only a genuine signature learns that its time is off.
    if (t !== null && Math.abs(nowMs / 1000 - t) > this.toleranceSeconds) {
      throw new ApiError(
        "UNAUTHENTICATED",
        `stale X-Signature: its timestamp is more than ${this.toleranceSeconds} s from now`,
        SIGNATURE_CHALLENGE,
      );
    }
  }

  private mac(t: number | null, body: Buffer | string): Buffer {
    const h = createHmac("sha256", this.key);
    if (t !== null) h.update(`${t}.`);
    return h.update(body).digest();
  }
}

/**
 * The byte layout of a signed purchase token (minted and checked in admission/purchase-token.ts), base64url:
 * version | kid length | kid (1-8 bytes) | expiry (unix ms, 48 bits) | nonce | MAC. Kept here, below the
 * admission layer, because a sale's rebuild reads a token's expiry without its key.
 */
export const TOKEN_VERSION = 1;
export const TOKEN_EXPIRY_BYTES = 6;
export const TOKEN_NONCE_BYTES = 12;
export const TOKEN_MAC_BYTES = 16;
/** 37 to 44 bytes: 50 to 59 base64url characters. */
export const TOKEN_MIN_BYTES = 2 + 1 + TOKEN_EXPIRY_BYTES + TOKEN_NONCE_BYTES + TOKEN_MAC_BYTES;
export const TOKEN_MAX_BYTES = TOKEN_MIN_BYTES + 7;

/** The kid's length when `raw` has this layout's size for it, else null. */
export function tokenKidLength(raw: Buffer): number | null {
  if (raw.length < TOKEN_MIN_BYTES || raw.length > TOKEN_MAX_BYTES || raw[0] !== TOKEN_VERSION) return null;
  const kidLen = raw[1]!;
  return raw.length === 2 + kidLen + TOKEN_EXPIRY_BYTES + TOKEN_NONCE_BYTES + TOKEN_MAC_BYTES ? kidLen : null;
}

/** The expiry a token states (unix ms), read without its key; null when it is not a token of this layout. */
export function statedExpiry(token: string): number | null {
  const raw = Buffer.from(token, "base64url");
  const kidLen = tokenKidLength(raw);
  return kidLen === null ? null : raw.readUIntBE(2 + kidLen, TOKEN_EXPIRY_BYTES);
}

/**
 * Until when a bought token's use record must stay (unix ms): its expiry plus the replay window, so it can
 * never buy again; a token stating no expiry (another format) keeps it for the window from `now`.
 */
export function useRecordUntil(token: string, now: number, replayMs: number): number {
  return Math.max(statedExpiry(token) ?? 0, now) + replayMs;
}

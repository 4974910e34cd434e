/**
 * FNV-1a 32-bit over the UTF-8 bytes of a string. Pure and stable across processes and versions: the
 * home shard of a buyer, and with it where their purchases and tokens live, must never move mid-sale.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(s, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The buyer's home stock shard: their counters, tokens and reservations all live beside it. */
export function homeShard(userId: string, shards: number): number {
  return fnv1a32(userId) % shards;
}

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with, by table. */
const TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff]!;
  return crc;
}

/**
 * The slot of a hash tag's content (what keySlot hashes). ASCII (every id here) is hashed from the string's
 * code units, with no Buffer per call: breakers look up a slot on every request.
 */
export function tagSlot(tag: string): number {
  let crc = 0;
  for (let i = 0; i < tag.length; i++) {
    const c = tag.charCodeAt(i);
    if (c > 0x7f) return crc16(Buffer.from(tag, "utf8")) % 16384;
    crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ c) & 0xff]!;
  }
  return crc % 16384;
}

/**
 * The cluster slot of a key, as Redis computes it: CRC16 of the key, or of its hash tag (the part between
 * the first "{" and the next "}", when not empty), modulo 16384.
 */
export function keySlot(key: string): number {
  let hashed = key;
  const open = key.indexOf("{");
  if (open >= 0) {
    const close = key.indexOf("}", open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  return tagSlot(hashed);
}

import { BlockList, isIP } from "node:net";

/** Most X-Forwarded-For hops examined; a longer chain is cut there (each hop costs a parse). */
const MAX_HOPS = 16;

const MAPPED_V4_RE = /^(?:0{1,4}:){5}ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i;

/** IPv4-mapped IPv6 forms ("::ffff:1.2.3.4", uWS's expanded hex form) become plain IPv4; others as given. */
export function normalizeIp(ip: string): string {
  if (ip.length > 7 && (ip.charCodeAt(0) === 0x3a || ip.charCodeAt(0) === 0x30)) {
    if (/^::ffff:\d/i.test(ip)) return ip.slice(7);
    const m = MAPPED_V4_RE.exec(ip);
    if (m) {
      const hi = parseInt(m[1]!, 16);
      const lo = parseInt(m[2]!, 16);
      return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    }
  }
  return ip;
}

/** Dotted IPv4 text by address (a 32-bit number), for the peers a process sees again and again. */
const v4Text = new Map<number, string>();
const V4_TEXT_KEPT = 4096;

/**
 * A peer address in uWS's binary form (4 bytes, or 16 for IPv6) as dotted IPv4 text when it is IPv4 or
 * IPv4-mapped IPv6, the common case; null otherwise (the caller asks for uWS's text form). The text form
 * costs uWS a formatting and this process a decode on every request; this one a look-up in a small map.
 */
export function ipv4TextOf(binary: ArrayBuffer): string | null {
  const b = new Uint8Array(binary);
  let at = 0;
  if (b.length === 16) {
    // IPv4-mapped: ten zero bytes, then 0xffff.
    for (let i = 0; i < 10; i++) if (b[i] !== 0) return null;
    if (b[10] !== 0xff || b[11] !== 0xff) return null;
    at = 12;
  } else if (b.length !== 4) return null;
  const n = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  let text = v4Text.get(n);
  if (text === undefined) {
    if (v4Text.size >= V4_TEXT_KEPT) v4Text.clear();
    v4Text.set(n, (text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`));
  }
  return text;
}

/** Dotted IPv4 to an unsigned 32-bit number, or -1. */
function v4(ip: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      part = part * 10 + (c - 0x30);
      digits++;
      if (part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/**
 * Addresses and CIDR blocks. IPv4, the common case, is matched with integer masks (net.BlockList costs
 * about 2 µs a check, too much per request); IPv6 goes to a BlockList.
 */
export class AddressSet {
  private readonly v4Blocks: { net: number; mask: number }[] = [];
  private readonly v6 = new BlockList();
  private v6Count = 0;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const [addr = "", bitsText] = e.split("/");
      const family = isIP(addr);
      if (family === 4) {
        const bits = bitsText === undefined ? 32 : Number(bitsText);
        const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
        this.v4Blocks.push({ net: (v4(addr) & mask) >>> 0, mask });
      } else if (family === 6) {
        if (bitsText === undefined) this.v6.addAddress(addr, "ipv6");
        else this.v6.addSubnet(addr, Number(bitsText), "ipv6");
        this.v6Count++;
      } else {
        throw new Error(`not an IP address or CIDR block: ${e}`);
      }
    }
  }

  get empty(): boolean {
    return this.v4Blocks.length === 0 && this.v6Count === 0;
  }

  /** `ip` already normalized (normalizeIp). */
  has(ip: string): boolean {
    const n = v4(ip);
    if (n >= 0) {
      for (const b of this.v4Blocks) if ((n & b.mask) >>> 0 === b.net) return true;
      return false;
    }
    return this.v6Count > 0 && isIP(ip) === 6 && this.v6.check(ip, "ipv6");
  }
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy, in which case X-Forwarded-For is
 * read from the right (the hop our proxy appended) and the first address not itself a trusted proxy wins.
 * Entries left of that are whatever the client chose to send and are never believed.
 */
export class ClientIpResolver {
  private readonly trusted: AddressSet;

  constructor(trustedProxies: readonly string[]) {
    this.trusted = new AddressSet(trustedProxies);
  }

  resolve(remoteIp: string, forwardedFor: string): string {
    const peer = normalizeIp(remoteIp);
    if (forwardedFor.length === 0 || this.trusted.empty || !this.trusted.has(peer)) return peer;
    let client = peer;
    let end = forwardedFor.length;
    for (let hop = 0; hop < MAX_HOPS && end > 0; hop++) {
      const comma = forwardedFor.lastIndexOf(",", end - 1);
      const ip = normalizeIp(forwardedFor.slice(comma + 1, end).trim());
      end = comma;
      // A hop that is not an address (a misconfigured proxy, or garbage): stop at the last one we trust.
      if (isIP(ip) === 0) return client;
      if (!this.trusted.has(ip)) return ip;
      client = ip;
    }
    return client;
  }
}

/**
 * The rate-limit key of an address: IPv4 as is, IPv6 by its /64 (one subscriber usually holds a whole /64,
 * so limiting single IPv6 addresses would limit nothing).
 */
export function rateLimitKey(ip: string): string {
  if (!ip.includes(":") || ip.includes(".")) return ip;
  const [head = "", tail] = ip.toLowerCase().split("::");
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}

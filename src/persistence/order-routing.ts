import * as crypto from "node:crypto";

/** Where one user's orders live: index into `mysql.shards` and the table suffix inside that database. */
export interface OrderRoute {
  db: number;
  table: number;
}

/**
 * The shard database and table of every order of `userId`.
 *
 * Definition (all integers unsigned, N = dbShards * tablesPerShard):
 *
 *   hash  = the first 4 bytes of SHA-1(UTF-8 bytes of userId), read as a big-endian uint32
 *           (= the first 8 hex digits of the SHA-1 hex digest)
 *   slot  = hash mod N
 *   db    = floor(slot / tablesPerShard)      -> mysql.shards[db].database
 *   table = slot mod tablesPerShard           -> orders_<table>
 *
 * By hand:  printf %s "$USER_ID" | sha1sum | cut -c1-8   then take that hex number mod N.
 * In SQL (N = 8, tablesPerShard = 4), on a utf8mb4 value:
 *   SELECT CAST(CONV(LEFT(SHA1(user_id), 8), 16, 10) AS UNSIGNED) % 8 DIV 4 AS db,
 *          CAST(CONV(LEFT(SHA1(user_id), 8), 16, 10) AS UNSIGNED) % 8 % 4   AS tbl;
 *
 * SHA-1 is used for its uniform spread and because every SQL engine and shell can compute it, not for
 * security. Changing `mysql.shards` or `mysql.tablesPerShard` moves users to other slots, so existing
 * rows must be re-homed before such a change goes live.
 */
export function routeOrder(userId: string, dbShards: number, tablesPerShard: number): OrderRoute {
  if (!Number.isSafeInteger(dbShards) || dbShards < 1)
    throw new RangeError(`dbShards must be a positive integer, got ${dbShards}`);
  if (!Number.isSafeInteger(tablesPerShard) || tablesPerShard < 1) {
    throw new RangeError(`tablesPerShard must be a positive integer, got ${tablesPerShard}`);
  }
  const hash = sha1Uint32(userId);
  const slot = hash % (dbShards * tablesPerShard);
  return { db: Math.floor(slot / tablesPerShard), table: slot % tablesPerShard };
}

/** The name of order table number `table` inside a shard database. */
export function tableName(table: number): string {
  if (!Number.isSafeInteger(table) || table < 0)
    throw new RangeError(`table must be a non-negative integer, got ${table}`);
  return `orders_${table}`;
}

/**
 * The shard database that holds the claim of a payment event id (payment_claims): the first 4 bytes of
 * SHA-1(eventId) as a big-endian uint32, mod dbShards. One home per id is what makes an event id unique
 * across every shard, whichever order it names.
 */
export function eventHome(eventId: string, dbShards: number): number {
  if (!Number.isSafeInteger(dbShards) || dbShards < 1)
    throw new RangeError(`dbShards must be a positive integer, got ${dbShards}`);
  return sha1Uint32(eventId) % dbShards;
}

// crypto.hash (Node 20.12+): one call, no Hash object; about 5x quicker than createHash for an id, and it
// runs a few times per payment and per order written. Optional: older Node 20 releases lack it.
const oneShot = (crypto as { hash?: typeof crypto.hash }).hash;

/** The first 4 bytes of SHA-1 of a string's UTF-8 bytes, as a big-endian uint32. */
function sha1Uint32(s: string): number {
  // Eight hex digits are those 4 bytes, big-endian; quicker to read than a Buffer here.
  if (oneShot) return parseInt(oneShot("sha1", s, "hex").slice(0, 8), 16);
  return crypto.createHash("sha1").update(s, "utf8").digest().readUInt32BE(0);
}

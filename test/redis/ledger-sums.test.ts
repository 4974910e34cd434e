import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis, type RedisClient } from "../../src/redis/client.js";
import { Keys } from "../../src/redis/keys.js";
import { ledgerSums, saleLedger } from "../../src/reservation/ledger.js";
import { MODES, rid, testConfig } from "../helpers/env.js";

/**
 * The ledger's units by state as the waiting room's sell-out reserve reads them (lua/ledger-sums-1.lua):
 * summed in Redis, a step of HSCAN per call, the shards side by side. The reference is every record read and
 * parsed in TypeScript (saleLedger), as the room read them before.
 */
describe.each(MODES)("ledger sums on Redis %s", (mode) => {
  const cfg = testConfig(mode);
  let redis: RedisClient;
  let keys: Keys;

  beforeAll(() => {
    redis = createRedis(cfg.redis);
    keys = new Keys(cfg.redis.keyPrefix);
  });
  afterAll(() => redis.disconnect());

  /** `n` records per shard in every state, quantities 1 to 3; returns the sale. */
  async function ledger(shards: number, n: number) {
    const sale = { saleId: `ls${rid()}`, shards };
    const states = ["R", "F", "P", "C", "T"];
    for (let s = 0; s < shards; s++) {
      const fields: string[] = [];
      for (let i = 0; i < n; i++) {
        const state = states[(i * 7 + s) % states.length]!;
        fields.push(`${sale.saleId}-${s}-${i}`, `${state}|${1 + ((i + s) % 3)}|${Date.now()}|tok${i}|user-${s}-${i}`);
      }
      await redis.hset(keys.shard(sale.saleId, s).res, ...fields);
    }
    return sale;
  }

  async function reference(sale: { saleId: string; shards: number }) {
    const units = { reserved: 0, confirmed: 0, paid: 0, released: 0, tombstone: 0 };
    for (const r of await saleLedger(redis, keys, sale)) units[r.state] += r.quantity;
    const { tombstone, ...sums } = units;
    expect(tombstone).toBeGreaterThan(0);
    return sums;
  }

  it("sums every state's units as reading every record does, across shards and many HSCAN steps", async () => {
    // 600 records a shard (a hashtable, not a listpack: HSCAN walks it in steps) read 25 at a time.
    const sale = await ledger(4, 600);
    const want = await reference(sale);
    expect(want.reserved).toBeGreaterThan(0);
    expect(await ledgerSums(redis, keys, sale, 25)).toEqual(want);
    expect(await ledgerSums(redis, keys, sale)).toEqual(want);
  });

  it("a small ledger (one step) and a shard with no ledger at all", async () => {
    const sale = await ledger(2, 12);
    const want = await reference(sale);
    expect(await ledgerSums(redis, keys, { ...sale, shards: 3 })).toEqual(want);
    expect(await ledgerSums(redis, keys, { saleId: `none${rid()}`, shards: 2 })).toEqual({
      reserved: 0,
      confirmed: 0,
      paid: 0,
      released: 0,
    });
  });
});

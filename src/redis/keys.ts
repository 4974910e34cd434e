import { tagSlot } from "./key-slot.js";

/** The cluster slot of every key of one stock shard (its hash tag), without building a key. */
export function shardSlot(saleId: string, shard: number): number {
  return tagSlot(`${saleId}:${shard}`);
}

/** The cluster slot of a sale's own keys (settings, lost orders, sweep lease). */
export function saleSlot(saleId: string): number {
  return tagSlot(saleId);
}

/**
 * Redis key layout. Every key of one stock shard carries the hash tag {<saleId>:<shard>}, so one Lua call
 * sees all of a shard's state in one slot, and the shards of a hot sale spread over a cluster's nodes.
 * Sale ids are limited to [A-Za-z0-9_-] (see admission/ids.ts), so they cannot break the tag.
 */
export class Keys {
  constructor(private readonly prefix: string) {}

  saleMeta(saleId: string): string {
    return `${this.prefix}sale:{${saleId}}`;
  }

  /**
   * Orders of committed messages whose ledger records Redis lost, noted by the writer (order id → the order
   * as its message carried it): what the sale's rebuild honours even while MySQL is still away. Its own key,
   * never a field of the settings: a settings hash without its epoch reads as another warm-up's state.
   */
  lostOrders(saleId: string): string {
    return `${this.prefix}lost-orders:{${saleId}}`;
  }

  /** The sweeper's lease on a sale: one process sweeps it at a time. */
  sweepLease(saleId: string): string {
    return `${this.prefix}sweep-lease:{${saleId}}`;
  }

  /**
   * A sale's waiting room (docs/waiting-room.md), every key under the sale's own hash tag so one Lua call
   * sees the whole room in one cluster slot: `members` (buyer → "q|<joined ms>" pre-queue, or
   * "<place>|<joined ms>"), `pq` (sorted set of "<lottery>|<buyer>", all score 0: the pre-queue in place
   * order), `meta` (counters: pq, fcfs, P = the pre-queue's size once frozen at the start), `progress`
   * (the admission controller's state, one JSON field), `lease` (one controller per sale), `channel`
   * (sharded pub/sub: the progress, to every gateway), and the join limits' windows, per buyer (`rl:b:<buyer>`)
   * and per client address (`rl:ip:<address>`), counted by the join script itself.
   */
  room(saleId: string): RoomKeys {
    const base = `${this.prefix}room:{${saleId}}:`;
    return {
      members: `${base}members`,
      pq: `${base}pq`,
      meta: `${base}meta`,
      progress: `${base}progress`,
      lease: `${base}lease`,
      channel: `${base}channel`,
      buyerJoins: (buyer: string) => `${base}rl:b:${buyer}`,
      addressJoins: (address: string) => `${base}rl:ip:${address}`,
    };
  }

  /** Sales whose every order is final: the sweep loop leaves them be. */
  get settledSales(): string {
    return `${this.prefix}settled`;
  }

  /** Set of all sale ids (the sweeper's work list). */
  get salesIndex(): string {
    return `${this.prefix}sales`;
  }

  /**
   * Per sale, the most shards it ever warmed and when their keys expire ("<shards>|<unix ms>"): what the
   * sweep loop needs to expire the keys of a sale whose settings have already expired. A field per indexed
   * sale, dropped with its index entry.
   */
  get saleShards(): string {
    return `${this.prefix}sale-shards`;
  }

  shard(saleId: string, shard: number): ShardKeys {
    const base = `${this.prefix}{${saleId}:${shard}}:`;
    return {
      saleId,
      shard,
      stock: `${base}stock`,
      buyers: `${base}buyers`,
      res: `${base}res`,
      open: `${base}open`,
      xout: `${base}xout`,
      xin: `${base}xin`,
      xdone: `${base}xdone`,
      hold: `${base}hold`,
      rebuilt: `${base}rebuilt`,
      accepted: `${base}accepted`,
      returned: `${base}returned`,
      token: (token: string) => `${base}tok:${token}`,
    };
  }

  /**
   * Sharded pub/sub channel (SPUBLISH) told "sale X changed" (drops cached sale settings). Every channel of a
   * sale carries one of its hash tags, so a message reaches only that slot's primary and replicas, never
   * every node of a cluster as a PUBLISH does.
   */
  saleChanged(saleId: string): string {
    return `${this.prefix}sale-changed:{${saleId}}`;
  }
}

export interface RoomKeys {
  members: string;
  pq: string;
  meta: string;
  progress: string;
  lease: string;
  channel: string;
  /** Join attempts of one buyer in the current window. */
  buyerJoins: (buyer: string) => string;
  /** Join attempts from one client address (its limiter key: IPv6 by /64) in the current window. */
  addressJoins: (address: string) => string;
}

export interface ShardKeys {
  saleId: string;
  shard: number;
  stock: string;
  buyers: string;
  res: string;
  open: string;
  xout: string;
  xin: string;
  xdone: string;
  /** Set while a rebuild reads this live shard: releases and transfers answer Held (retry later). */
  hold: string;
  /** When this shard was last rebuilt from MySQL (unix ms): the back-check cannot trust a missing record older than it. */
  rebuilt: string;
  /** Sharded pub/sub channel told "<saleId>|<token> was accepted" here (replays must pass the sold-out flag). */
  accepted: string;
  /** Sharded pub/sub channel told "<saleId>" when units came back to this shard (clears sold-out flags). */
  returned: string;
  token(token: string): string;
}

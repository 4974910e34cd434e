import { LRUCache } from "lru-cache";
import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import type { Sale } from "./sale.js";

/** What a gateway does with the messages of the sales it knows. */
export interface SaleMessages {
  /** A token bought in this sale (its replays must pass the sold-out flag). */
  accepted(saleId: string, token: string): void;
  /** Units came back to one of the sale's shards. */
  stockReturned(saleId: string): void;
  /** The sale's settings changed (pause, resume, a re-put). */
  saleChanged(saleId: string): void;
}

type Kind = "accepted" | "returned" | "changed";

/**
 * A gateway's sharded pub/sub subscriptions (SSUBSCRIBE): for each sale it has loaded, the sale's own channel
 * and each stock shard's two, so a message reaches only the slot's primary and replicas instead of every
 * node of a cluster. Sharded channels have no patterns: a gateway subscribes sale by sale, as it loads one
 * (before the settings are cached, so nothing a buyer sees here predates the subscription). The cluster
 * client follows slot moves and failovers (one subscriber per primary, resubscribed on a new slot table).
 * Bounded: beyond `max` sales the least recently loaded is unsubscribed.
 */
export class SaleChannels {
  private readonly kinds = new Map<string, Kind>();
  /** Sale id → shards subscribed. */
  private readonly watched: LRUCache<string, number>;

  constructor(
    private readonly sub: RedisClient,
    private readonly keys: Keys,
    private readonly on: SaleMessages,
    max = 10_000,
  ) {
    // Only an evicted sale is unsubscribed: a re-put with more shards overwrites its entry and keeps listening.
    this.watched = new LRUCache({
      max,
      noDisposeOnSet: true,
      dispose: (shards, saleId) => void this.unwatch(saleId, shards).catch(() => {}),
    });
    sub.on("smessage", (channel: string, message: string) => this.dispatch(channel, message));
  }

  /** Subscribes to the sale's channels unless already done (a re-put with more shards adds theirs). */
  async watch(sale: Sale): Promise<void> {
    const had = this.watched.get(sale.saleId) ?? 0;
    if (had > 0 && had >= sale.shards) return;
    const subs: Promise<unknown>[] = [];
    // One SSUBSCRIBE per slot: a cluster client refuses channels of two slots in one call.
    if (had === 0) subs.push(this.subscribe([[this.keys.saleChanged(sale.saleId), "changed"]]));
    for (let i = had; i < sale.shards; i++) {
      const k = this.keys.shard(sale.saleId, i);
      subs.push(
        this.subscribe([
          [k.accepted, "accepted"],
          [k.returned, "returned"],
        ]),
      );
    }
    await Promise.all(subs);
    this.watched.set(sale.saleId, Math.max(had, sale.shards));
  }

  private subscribe(channels: [string, Kind][]): Promise<unknown> {
    for (const [c, kind] of channels) this.kinds.set(c, kind);
    return this.sub.ssubscribe(...channels.map(([c]) => c));
  }

  private async unwatch(saleId: string, shards: number): Promise<void> {
    const slots = [[this.keys.saleChanged(saleId)]];
    for (let i = 0; i < shards; i++) {
      const k = this.keys.shard(saleId, i);
      slots.push([k.accepted, k.returned]);
    }
    for (const channels of slots) for (const c of channels) this.kinds.delete(c);
    await Promise.all(slots.map((channels) => this.sub.sunsubscribe(...channels)));
  }

  private dispatch(channel: string, message: string): void {
    switch (this.kinds.get(channel)) {
      case "accepted": {
        const bar = message.indexOf("|");
        this.on.accepted(message.slice(0, bar), message.slice(bar + 1));
        return;
      }
      case "returned":
        this.on.stockReturned(message);
        return;
      case "changed":
        this.on.saleChanged(message);
    }
  }

  /** Sales subscribed to (tests, metrics). */
  get size(): number {
    return this.watched.size;
  }
}

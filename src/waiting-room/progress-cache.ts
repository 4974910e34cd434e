import type { Keys } from "../redis/keys.js";
import type { RedisClient } from "../redis/scripts.js";
import type { RoomProgress, RoomStore } from "./room-store.js";

/** A copy older than this (no message heard) is read again from the hash, in the background. */
const STALE_MS = 3000;
/** At most this many sales' copies per process; the least recently used is dropped (and unsubscribed). */
const MAX_ROOMS = 1000;

interface Entry {
  progress: RoomProgress | null;
  heardAt: number;
  refreshing: boolean;
}

/**
 * This gateway's copy of each room's progress: read once from the progress hash when a sale's room is first
 * polled here, then kept current by the controller's messages on the room's sharded channel (one message per
 * tick, ~5 a second). A poll reads only this copy; a copy that heard nothing for STALE_MS (a lost message, a
 * reconnect) is read again in the background, while polls go on answering from it.
 */
export class ProgressCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();

  constructor(
    private readonly sub: RedisClient,
    private readonly keys: Keys,
    private readonly store: RoomStore,
  ) {
    sub.on("smessage", (channel: string, message: string) => this.onMessage(channel, message));
  }

  private onMessage(channel: string, message: string): void {
    const bar = message.indexOf("|");
    const saleId = message.slice(0, bar);
    if (channel !== this.keys.room(saleId).channel) return;
    const e = this.entries.get(saleId);
    if (!e) return;
    const p = JSON.parse(message.slice(bar + 1)) as RoomProgress;
    if (!e.progress || p.at >= e.progress.at) e.progress = p;
    e.heardAt = Date.now();
  }

  /** The local copy without I/O: undefined when this process has none yet. */
  peek(saleId: string, now = Date.now()): RoomProgress | null | undefined {
    const e = this.entries.get(saleId);
    if (!e) return undefined;
    if (now - e.heardAt > STALE_MS && !e.refreshing) this.refresh(saleId, e);
    return e.progress;
  }

  /** The local copy, subscribing and reading the hash first when this process has none. */
  async get(saleId: string): Promise<RoomProgress | null> {
    const hit = this.peek(saleId);
    if (hit !== undefined) return hit;
    let p = this.loading.get(saleId);
    if (!p) {
      p = this.load(saleId).finally(() => this.loading.delete(saleId));
      this.loading.set(saleId, p);
    }
    return (await p).progress;
  }

  private async load(saleId: string): Promise<Entry> {
    // Subscribed first, so no message between the read and the subscription is missed.
    await this.sub.ssubscribe(this.keys.room(saleId).channel);
    const progress = await this.store.readProgress(saleId);
    // Messages that came in meanwhile found no entry and were dropped: the read is at least as new as they were.
    const e: Entry = { progress, heardAt: Date.now(), refreshing: false };
    this.entries.set(saleId, e);
    if (this.entries.size > MAX_ROOMS) this.evictOldest();
    return e;
  }

  private refresh(saleId: string, e: Entry): void {
    e.refreshing = true;
    e.heardAt = Date.now();
    this.store
      .readProgress(saleId)
      .then((p) => {
        if (p && (!e.progress || p.at > e.progress.at)) e.progress = p;
      })
      .catch(() => {})
      .finally(() => (e.refreshing = false));
  }

  private evictOldest(): void {
    const [oldest] = this.entries.keys();
    if (oldest === undefined) return;
    this.entries.delete(oldest);
    void this.sub.sunsubscribe(this.keys.room(oldest).channel).catch(() => {});
  }

  /** Rooms copied here (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }
}

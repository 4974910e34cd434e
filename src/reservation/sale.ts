import { createHash } from "node:crypto";
import { BoundedMemo } from "../util/bounded-memo.js";

/**
 * A sale's waiting room (docs/waiting-room.md): absent = no room. `seed` is the pre-queue shuffle's secret,
 * made when the room is created, committed to (its SHA-256) in the sale view from then on, revealed at the start.
 */
export interface WaitingRoomSettings {
  opensSecondsBefore: number;
  admissionTtlSeconds: number;
  admitPerSecond: number;
  maxOverbook: number;
  /** 32 random bytes, hex. */
  seed: string;
}

/** The defaults of the room's settings (PUT /v1/admin/sales/{saleId} `waitingRoom`). */
export const WAITING_ROOM_DEFAULTS = {
  opensSecondsBefore: 600,
  admissionTtlSeconds: 120,
  admitPerSecond: 1000,
  maxOverbook: 3,
} as const;

export function sha256hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** When the sale's waiting room opens to joins (unix ms): opensSecondsBefore before the start. */
export function roomOpensAt(sale: Sale): number {
  return sale.startsAt - sale.waitingRoom!.opensSecondsBefore * 1000;
}

/** Seed commitments computed, by seed: a receipt in every pre-queue poll carries one. */
const commitments = new BoundedMemo(64, sha256hex);

/** sha256hex(seed): the commitment a room publishes before its start, hashed once per seed. */
export function seedCommitment(seed: string): string {
  return commitments.get(seed);
}

/** The room as the sale view shows it: the seed only once the sale has started. */
export function waitingRoomToJson(sale: Sale, now = Date.now()) {
  const r = sale.waitingRoom;
  if (!r) return undefined;
  return {
    opensAt: new Date(roomOpensAt(sale)).toISOString(),
    opensSecondsBefore: r.opensSecondsBefore,
    admissionTtlSeconds: r.admissionTtlSeconds,
    admitPerSecond: r.admitPerSecond,
    maxOverbook: r.maxOverbook,
    seedCommitment: seedCommitment(r.seed),
    ...(now >= sale.startsAt ? { seed: r.seed } : {}),
  };
}

/** A sale as operators define it (times as unix ms). */
export interface Sale {
  saleId: string;
  skuId: string;
  stock: number;
  perUserLimit: number;
  startsAt: number;
  endsAt: number;
  shards: number;
  paymentTimeoutSeconds: number;
  /** Paused by an operator (or recovering): no tokens, no order attempts; payments, cancels and timeouts go on. */
  paused: boolean;
  /** Its Redis state was lost and is being rebuilt from MySQL: paused until then, whatever the operator said. */
  recovering?: boolean;
  /** The sale's waiting room; absent: buyers take tokens from POST .../tokens as before. */
  waitingRoom?: WaitingRoomSettings;
}

/** Why a paused sale is paused, for the buyer's SALE_NOT_LIVE. */
export function pausedReason(sale: Sale): string {
  return sale.recovering ? "the sale is paused while its stock is rebuilt after a Redis failure" : "the sale is paused";
}

export const SALE_STATUSES = ["UPCOMING", "LIVE", "PAUSED", "SOLD_OUT", "ENDED"] as const;
export type SaleStatus = (typeof SALE_STATUSES)[number];

export function saleStatus(sale: Sale, remaining: number, now = Date.now()): SaleStatus {
  if (now < sale.startsAt) return "UPCOMING";
  if (now >= sale.endsAt) return "ENDED";
  if (sale.paused) return "PAUSED";
  return remaining <= 0 ? "SOLD_OUT" : "LIVE";
}

/** Open for order attempts: within its window and not paused. */
export function isLive(sale: Sale, now = Date.now()): boolean {
  return now >= sale.startsAt && now < sale.endsAt && !sale.paused;
}

/** Stock per shard: as even as possible, the remainder on the first shards. */
export function splitStock(stock: number, shards: number): number[] {
  const base = Math.floor(stock / shards);
  const extra = stock % shards;
  return Array.from({ length: shards }, (_, i) => base + (i < extra ? 1 : 0));
}

export function saleToJson(sale: Sale, now = Date.now()) {
  const room = waitingRoomToJson(sale, now);
  return {
    saleId: sale.saleId,
    skuId: sale.skuId,
    stock: sale.stock,
    perUserLimit: sale.perUserLimit,
    startsAt: new Date(sale.startsAt).toISOString(),
    endsAt: new Date(sale.endsAt).toISOString(),
    shards: sale.shards,
    paymentTimeoutSeconds: sale.paymentTimeoutSeconds,
    paused: sale.paused,
    ...(sale.recovering ? { recovering: true } : {}),
    ...(room ? { waitingRoom: room } : {}),
  };
}

import type { RowDataPacket } from "mysql2/promise";
import type { Sale } from "../reservation/sale.js";
import type { CatalogSale, SaleCatalog } from "../reservation/sale-store.js";
import type { MysqlShards } from "./mysql-shards.js";

/**
 * Sale settings in MySQL, beside Redis: what survives a Redis that comes back empty. Sales are few, so
 * they live in one table of the first shard database. A started sale is locked here as in Redis, so an
 * operator's PUT can never warm the full stock again into a Redis that forgot the sale.
 */
export class MysqlSaleCatalog implements SaleCatalog {
  constructor(private readonly shards: MysqlShards) {}

  private get pool() {
    return this.shards.databases()[0]!.pool;
  }

  async get(saleId: string): Promise<CatalogSale | null> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      { sql: "SELECT * FROM sales WHERE sale_id = ?", timeout: this.shards.queryTimeoutMs },
      [saleId],
    );
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /** Sales whose keys may still be in Redis (not past their end plus `retentionMs`). */
  async openIds(now: number, retentionMs: number): Promise<string[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      { sql: "SELECT sale_id FROM sales WHERE ends_at > ?", timeout: this.shards.queryTimeoutMs },
      [now - retentionMs],
    );
    return rows.map((r) => String(r.sale_id));
  }

  /**
   * Writes the settings of a sale that has not started (the caller checked), with a new warm-up epoch;
   * refuses (false) when the stored sale has started meanwhile.
   */
  async put(sale: Sale, epoch: string, now = Date.now()): Promise<boolean> {
    const at = new Date(now);
    await this.pool.query(
      {
        sql:
          "INSERT INTO sales (sale_id, sku_id, stock, per_user_limit, starts_at, ends_at, shards, payment_timeout_seconds, paused, epoch, waiting_room, created_at, updated_at) " +
          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) ON DUPLICATE KEY UPDATE " +
          // A started sale keeps its row: every assignment is guarded by the stored start (IF keeps the value).
          [
            "sku_id",
            "stock",
            "per_user_limit",
            "ends_at",
            "shards",
            "payment_timeout_seconds",
            "epoch",
            "waiting_room",
            "updated_at",
          ]
            .map((c) => `${c} = IF(starts_at > ${Number(now)}, VALUES(${c}), ${c})`)
            .join(", ") +
          `, starts_at = IF(starts_at > ${Number(now)}, VALUES(starts_at), starts_at)`,
        timeout: this.shards.queryTimeoutMs,
      },
      [
        sale.saleId,
        sale.skuId,
        sale.stock,
        sale.perUserLimit,
        sale.startsAt,
        sale.endsAt,
        sale.shards,
        sale.paymentTimeoutSeconds,
        sale.paused ? 1 : 0,
        epoch,
        sale.waitingRoom ? JSON.stringify(sale.waitingRoom) : null,
        at,
        at,
      ],
    );
    // Each put brings a fresh epoch: finding it stored means this write took.
    const stored = await this.get(sale.saleId);
    return stored !== null && stored.epoch === epoch;
  }

  async setPaused(saleId: string, paused: boolean): Promise<void> {
    await this.pool.query(
      { sql: "UPDATE sales SET paused = ?, updated_at = ? WHERE sale_id = ?", timeout: this.shards.queryTimeoutMs },
      [paused ? 1 : 0, new Date(), saleId],
    );
  }
}

function fromRow(r: RowDataPacket): CatalogSale {
  return {
    epoch: String(r.epoch),
    sale: {
      saleId: String(r.sale_id),
      skuId: String(r.sku_id),
      stock: Number(r.stock),
      perUserLimit: Number(r.per_user_limit),
      startsAt: Number(r.starts_at),
      endsAt: Number(r.ends_at),
      shards: Number(r.shards),
      paymentTimeoutSeconds: Number(r.payment_timeout_seconds),
      paused: Number(r.paused) === 1,
      ...(r.waiting_room ? { waitingRoom: JSON.parse(String(r.waiting_room)) as Sale["waitingRoom"] } : {}),
    },
  };
}

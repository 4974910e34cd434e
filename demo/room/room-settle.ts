import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import { readRows, type Ctx, type Row } from "../headline.js";

/** After the room drop (the crowd paid and cancelled as it went): one sweeper pass, the rows, the outbox. */
export interface RoomSettled {
  reconcile: unknown;
  stats: any;
  rows: Row[];
  outbox: number;
  unpublished: number;
}

export async function settleRoom(ctx: Ctx): Promise<RoomSettled> {
  const reconcile = (await ctx.api.reconcile(ctx.saleId)).body;
  const stats = (await ctx.api.stats(ctx.saleId)).body;
  const rows = await readRows(ctx);
  let unpublished = 0;
  let outbox = 0;
  for (const { pool: db } of ctx.shards.databases()) {
    // The relay publishes the last events shortly after their rows: wait for it, up to 20 s.
    for (let i = 0; i < 100; i++) {
      const [r] = await db.query<RowDataPacket[]>(
        "SELECT COUNT(*) AS n, SUM(published_at IS NULL) AS u FROM order_events WHERE sale_id = ?",
        [ctx.saleId],
      );
      if (Number(r[0]!.u ?? 0) === 0 || i === 99) {
        outbox += Number(r[0]!.n);
        unpublished += Number(r[0]!.u ?? 0);
        break;
      }
      await sleep(200);
    }
  }
  return { reconcile, stats, rows, outbox, unpublished };
}

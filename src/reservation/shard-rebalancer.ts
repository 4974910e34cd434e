import { randomBytes } from "node:crypto";
import type { Keys } from "../redis/keys.js";
import type { ReplicaAcks } from "../redis/replica-acks.js";
import { scripts, type RedisClient } from "../redis/scripts.js";
import { crashIf, type CrashPoint } from "../util/crash-point.js";
import { SingleFlight } from "../util/single-flight.js";
import { ReplicasBehind } from "./order-placer.js";
import type { Sale } from "./sale.js";

/**
 * Moves stock between the shards of a sale, so that buyers homed on a drained shard can still buy while
 * other shards hold stock. A transfer is two steps, each atomic on its own shard: transfer-out records the
 * transfer on the donor; transfer-in applies it at most once on the recipient. A crash in between leaves
 * the record, which finishStranded() completes.
 */
export class ShardRebalancer {
  /** Test only: a SIGKILL at this point of a transfer (set by the composition root). */
  crashAt?: CrashPoint;
  /** Pulls running in this process, by sale and recipient shard; looks, by sale. */
  private readonly pulls = new SingleFlight<number>();
  private readonly looks = new SingleFlight<{ stocks: number[]; inTransit: number }>();

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly chunkRatio: number,
    private readonly acks?: ReplicaAcks,
  ) {}

  /** Each step of a transfer must be on the replicas before the next builds on it (a failover in between
   * would otherwise create or destroy units); a shortfall stops here (ReplicasBehind), and the donor's record
   * lets the sweeper finish later. */
  private async ensureReplicated(key: string, step: string): Promise<void> {
    if (this.acks && !(await this.acks.replicated([key]))) {
      throw new ReplicasBehind(step);
    }
  }

  async shardStocks(sale: Sale): Promise<number[]> {
    const vals = await Promise.all(
      Array.from({ length: sale.shards }, (_, i) => this.redis.get(this.keys.shard(sale.saleId, i).stock)),
    );
    return vals.map((v) => Number(v ?? 0));
  }

  /** Units taken out of donors and not yet applied to their recipients. */
  async inFlight(sale: Sale): Promise<number> {
    const all = await Promise.all(
      Array.from({ length: sale.shards }, (_, i) => this.redis.hvals(this.keys.shard(sale.saleId, i).xout)),
    );
    return all.flat().reduce((sum, rec) => sum + parseTransfer(rec).qty, 0);
  }

  /**
   * Every shard's stock and the units in transit, as one look shared by the callers that ask while it is
   * being taken, provided it was started at or after `notBefore` (performance.now()); otherwise a new one.
   * At the end of a sale hundreds of buyers find their shards empty at once: one look serves them all.
   */
  look(sale: Sale, notBefore: number): Promise<{ stocks: number[]; inTransit: number }> {
    const take = () =>
      Promise.all([this.shardStocks(sale), this.inFlight(sale)]).then(([stocks, inTransit]) => ({ stocks, inTransit }));
    return this.looks.run(sale.saleId, take, notBefore);
  }

  /**
   * Pulls at least `need` units into shard `to`, taking from the fullest shards first, and a chunk more than
   * needed (a share of the donor) so the next buyers on `to` do not each pay for a transfer. Callers that
   * find the same shard empty while a pull into it runs wait for that pull instead of starting their own
   * (their retries then share what it brought). Returns how many units arrived.
   */
  pull(sale: Sale, to: number, need: number): Promise<number> {
    return this.pulls.run(`${sale.saleId}|${to}`, () => this.pullNow(sale, to, need));
  }

  private async pullNow(sale: Sale, to: number, need: number): Promise<number> {
    const stocks = await this.shardStocks(sale);
    const donors = stocks
      .map((stock, shard) => ({ shard, stock }))
      .filter((d) => d.shard !== to && d.stock > 0)
      .sort((a, b) => b.stock - a.stock);
    let moved = 0;
    for (const d of donors) {
      if (moved >= need) break;
      const want = Math.max(need - moved, Math.ceil(d.stock * this.chunkRatio));
      moved += await this.transfer(sale.saleId, d.shard, to, want);
    }
    return moved;
  }

  async transfer(saleId: string, from: number, to: number, want: number): Promise<number> {
    const id = `${from}>${to}:${randomBytes(8).toString("hex")}`;
    const src = this.keys.shard(saleId, from);
    const got = await scripts.transferOut(this.redis, src, { id, want, least: 1, to, now: Date.now() });
    if (got <= 0) return 0;
    await this.ensureReplicated(src.xout, "transfer-out");
    crashIf(this.crashAt, "after-transfer-out");
    await this.applyIn(saleId, from, to, id, got);
    return got;
  }

  private async applyIn(saleId: string, from: number, to: number, id: string, qty: number): Promise<void> {
    const dst = this.keys.shard(saleId, to);
    // A recipient whose state was lost, or held by a rebuild reading it, takes nothing: the transfer stays on
    // the donor (counted in transit) and the sweeper finishes it.
    const applied = await scripts.transferIn(this.redis, dst, id, qty);
    if (applied === "state_lost" || applied === "held") return;
    await this.ensureReplicated(dst.xin, "transfer-in");
    // Only after the recipient has it (replicated): the donor's record is what lets a crash be repaired.
    await scripts.transferDone(this.redis, this.keys.shard(saleId, from), id);
  }

  /** Completes transfers older than `graceMs` whose second step never ran (a crashed gateway). */
  async finishStranded(sale: Sale, graceMs: number, now = Date.now()): Promise<{ finished: number; units: number }> {
    let finished = 0;
    let units = 0;
    for (let from = 0; from < sale.shards; from++) {
      const recs = await this.redis.hgetall(this.keys.shard(sale.saleId, from).xout);
      for (const [id, rec] of Object.entries(recs)) {
        const { to, qty, ms } = parseTransfer(rec);
        if (now - ms < graceMs) continue;
        await this.applyIn(sale.saleId, from, to, id, qty);
        finished++;
        units += qty;
      }
    }
    return { finished, units };
  }
}

/** A transfer as its donor's xout records it (transfer-out-4.lua): "<to shard>|<qty>|<unix ms>". */
export function parseTransfer(rec: string): { to: number; qty: number; ms: number } {
  const [to, qty, ms] = rec.split("|").map(Number);
  return { to: to ?? -1, qty: qty ?? 0, ms: ms ?? 0 };
}

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { RowDataPacket } from "mysql2/promise";
import type { RoomJoinJob, RoomJoinResult, RoomRunJob, RoomRunResult } from "../../bench/clients/room-crowd.js";
import { benchConfig, durableBenchEnv, rid } from "../../bench/lib/config.js";
import { ask, cpuOfEach } from "../../bench/lib/proc.js";
import { ensureGatewayTopics } from "../../stack/rocketmq.js";
import { up } from "../../stack/stack.js";
import {
  rowsOf,
  sampleEverySecond,
  settledState,
  startProcesses,
  stopAndDrop,
  warmUp,
  watchedProcesses,
  type Ctx,
  type Spec,
} from "../headline.js";
import { auditRoom, type CrowdOut, type RoomDrop } from "./room-audit.js";

/**
 * `npm run demo -- --headline --room`: the headline sale through the waiting room (docs/waiting-room.md).
 * 100,000 units on 32 shards, at most 2 per buyer; 250,000 buyers solve the room's proof of work and join
 * the pre-queue before the start; from the start they poll, honouring Retry-After; admitted buyers buy with
 * their purchase token (one in five presses twice with the same key), then pay (one in fifty cancels
 * instead, so units come back and admit the next in line); one admitted buyer in twenty never buys (a
 * no-show: the room moves on when the window passes). The drop runs to the sell-out and every buyer's final
 * answer, then the auditor (room-audit.ts) checks the headline's invariants and the room's.
 *
 * Knobs (environment), beside the headline's (HEADLINE_BUYERS, HEADLINE_STOCK, HEADLINE_SHARDS,
 * HEADLINE_WARMUP_BUYERS): HEADLINE_ADMIT_PER_SECOND (2500), HEADLINE_ADMISSION_TTL (60 s),
 * HEADLINE_MAX_OVERBOOK (3), HEADLINE_ROOM_CONNECTIONS (1024), HEADLINE_JOIN_CONNECTIONS (256),
 * HEADLINE_PAY_DELAY_MS (300), HEADLINE_PAY_CONNECTIONS (1024: the provider's callbacks in flight), HEADLINE_ROOM_POLLS (16,000 polls a second: the room's pacing budget),
 * HEADLINE_OUTBOX_HOLD_MS and HEADLINE_OUTBOX_QUIET_MS (180,000 and 25,000: outbox.holdMs and holdQuietMs, the
 * order events held through the drop), HEADLINE_POW_FLOOR and HEADLINE_POW_CEILING (100 and 3,200: the proof of
 * work's maxnumber bounds, admission.proofOfWork; 250,000 joins at the gateway's defaults, 2,000 to 64,000,
 * would hash for about 20 minutes on the crowd's one core). Writes demo/out/headline-room.json.
 */
export const ROOM = {
  buyers: Number(process.env.HEADLINE_BUYERS ?? 250_000),
  stock: Number(process.env.HEADLINE_STOCK ?? 100_000),
  shards: Number(process.env.HEADLINE_SHARDS ?? 32),
  limit: 2,
  admitPerSecond: Number(process.env.HEADLINE_ADMIT_PER_SECOND ?? 2500),
  admissionTtlSeconds: Number(process.env.HEADLINE_ADMISSION_TTL ?? 60),
  maxOverbook: Number(process.env.HEADLINE_MAX_OVERBOOK ?? 3),
  /** The buyers' connections (polls, orders, cancels); the payment provider has its own (payConnections). */
  connections: Number(process.env.HEADLINE_ROOM_CONNECTIONS ?? 1024),
  joinConnections: Number(process.env.HEADLINE_JOIN_CONNECTIONS ?? 256),
  payDelayMs: Number(process.env.HEADLINE_PAY_DELAY_MS ?? 300),
  /**
   * The payment provider's callbacks in flight at once (each answered before its connection's next). A
   * callback waits for its database's group commit (0.5-0.8 s on the saturated box): 512 delivered 600-850 a
   * second, behind a sale that now takes 1,000-1,500 orders a second.
   */
  payConnections: Number(process.env.HEADLINE_PAY_CONNECTIONS ?? 1024),
  warmupBuyers: Number(process.env.HEADLINE_WARMUP_BUYERS ?? 8000),
  /** The proof of work's maxnumber from floor to ceiling (the gateway's defaults: 2,000 and 64,000). */
  powFloor: Number(process.env.HEADLINE_POW_FLOOR ?? 100),
  powCeiling: Number(process.env.HEADLINE_POW_CEILING ?? 3200),
  mysqlConnections: Number(process.env.HEADLINE_MYSQL_CONNECTIONS ?? 20),
  /**
   * The room's poll budget (admission.roomPollsPerSecond): about what the gateway's one core answers once the
   * stock is gone (155,000 SOLD_OUT polls in about 9 s). A buyer told to wait just before the sell-out comes
   * back up to waiting ÷ budget seconds later: at 10,000 the last ones heard SOLD_OUT 14 s after the rest.
   */
  pollsPerSecond: Number(process.env.HEADLINE_ROOM_POLLS ?? 16_000),
  /**
   * outbox.holdMs: the order events wait while the writer takes the drop's orders, at most this long, and go
   * out after it (one gRPC call each, about a fifth of the drop's CPU). 0: published as they come.
   */
  outboxHoldMs: Number(process.env.HEADLINE_OUTBOX_HOLD_MS ?? 180_000),
  /**
   * outbox.holdQuietMs: the drop is over once no order came for this long. After the last order the room
   * still tells its waiting buyers SOLD_OUT, at their next poll: up to the buyers ÷ the poll budget later.
   */
  outboxQuietMs: Number(process.env.HEADLINE_OUTBOX_QUIET_MS ?? 25_000),
  noShowEvery: 20,
  replayEvery: 5,
  cancelEvery: 50,
  rejoinEvery: 50,
  /**
   * Each buyer's last poll before the start falls in this long before it (the room paces polls before the start
   * up to 30 s apart); that answer's Retry-After sets its first poll after the start. The start is moved to
   * this long (and 2 s) after the joins.
   */
  spreadMs: Number(process.env.HEADLINE_PRESTART_MS ?? 30_000),
};

export async function headlineRoom(): Promise<boolean> {
  const started = await up(false);
  const names = durableBenchEnv(`hr${rid(3)}`);
  const { dbs, topics } = names;
  // The proof of work's difficulty, capped for a crowd of simulated buyers hashing on one core (the room
  // still scales it by demand ÷ stock; docs/proof-of-work.md): admission.proofOfWork.floor and ceiling.
  const env = {
    ...names.env,
    FLASHSALE__ADMISSION__PROOFOFWORK__FLOOR: String(ROOM.powFloor),
    FLASHSALE__ADMISSION__PROOFOFWORK__CEILING: String(ROOM.powCeiling),
    // Every order is paid within the drop (the room closes once no unpaid unit can come back): more MySQL
    // connections per shard than the default 10 for the payments' transactions.
    FLASHSALE__MYSQL__CONNECTIONLIMIT: String(ROOM.mysqlConnections),
    FLASHSALE__ADMISSION__ROOMPOLLSPERSECOND: String(ROOM.pollsPerSecond),
    FLASHSALE__OUTBOX__HOLDMS: String(ROOM.outboxHoldMs),
    FLASHSALE__OUTBOX__HOLDQUIETMS: String(ROOM.outboxQuietMs),
  };
  const cfg = benchConfig(env);
  await ensureGatewayTopics(topics);
  const ctx = await startProcesses(cfg, env);
  let ok = false;
  try {
    for (let i = 0; !(await ctx.api.ready()); i++) {
      if (i > 150 || ctx.gw.exitCode !== null)
        throw new Error(`gateway did not become ready:\n${ctx.logTail("gateway")}`);
      await sleep(200);
    }
    const spec: Spec = {
      skuId: "headline-sneaker",
      stock: ROOM.stock,
      perUserLimit: ROOM.limit,
      durationMs: 1_800_000,
      shards: ROOM.shards,
      paymentTimeoutSeconds: 1800,
    };
    if (ROOM.warmupBuyers > 0) await warmUp(ctx, spec);
    const drop = await theRoomDrop(ctx, spec);
    // The events the relay held for the drop go out after it: 150,000 and more, a few thousand a second.
    const crowdDone = Date.now();
    const settled = await settledState(ctx, ROOM.outboxQuietMs + 120_000);
    console.log(
      `outbox: ${settled.outbox} order events, ${settled.unpublished} unpublished ${((Date.now() - crowdDone) / 1000).toFixed(1)} s after the crowd's last answer (held through the drop: outbox.holdMs ${ROOM.outboxHoldMs}, holdQuietMs ${ROOM.outboxQuietMs})`,
    );
    ok = await auditRoom(ctx, drop, settled);
  } finally {
    await stopAndDrop(ctx, dbs, started);
  }
  return ok;
}

/** PUT the room sale (startsAt as unix ms), asked again while shed (503, 429); throws unless created or replaced. */
async function putRoomSale(ctx: Ctx, s: Spec, startsAt: number): Promise<any> {
  for (let i = 0; i < 120; i++) {
    const r = await putOnce(ctx, s, startsAt);
    if (r.status !== 503 && r.status !== 429) return r.body;
    await sleep(500);
  }
  throw new Error(`put ${ctx.saleId}: still shed after a minute`);
}

async function putOnce(ctx: Ctx, s: Spec, startsAt: number) {
  const r = await ctx.api.call("PUT", `/v1/admin/sales/${ctx.saleId}`, {
    headers: ctx.api.admin(),
    body: {
      skuId: s.skuId,
      stock: s.stock,
      perUserLimit: s.perUserLimit,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(startsAt + s.durationMs).toISOString(),
      shards: s.shards,
      paymentTimeoutSeconds: s.paymentTimeoutSeconds,
      waitingRoom: {
        opensSecondsBefore: 7200,
        admissionTtlSeconds: ROOM.admissionTtlSeconds,
        admitPerSecond: ROOM.admitPerSecond,
        maxOverbook: ROOM.maxOverbook,
      },
    },
  });
  if (r.status !== 201 && r.status !== 200 && r.status !== 503 && r.status !== 429)
    throw new Error(`put ${ctx.saleId}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

/**
 * The room's progress as its controller publishes it (each tick, ~200 ms), read every 50 ms so that no tick's
 * cutoff is missed (demo/room/room-audit.ts).
 */
export interface ProgressSample {
  t: number;
  /** When the controller wrote it (its clock, the machine's). */
  at: number;
  admitted: number;
  sold: number;
  unitsLeft: number;
  cutoff: number | null;
  soldOut: boolean;
  rate: number;
  factor: number;
}

function sampleProgress(ctx: Ctx): { samples: ProgressSample[]; stop: () => Promise<void> } {
  const samples: ProgressSample[] = [];
  const key = ctx.keys.room(ctx.saleId).progress;
  let on = true;
  const loop = (async () => {
    while (on) {
      const raw = await ctx.redis.hget(key, "p").catch(() => null);
      if (raw) {
        const p = JSON.parse(raw);
        const { at, admitted, sold, unitsLeft, cutoff, soldOut, rate, factor } = p;
        if (samples.at(-1)?.at !== at)
          samples.push({ t: Date.now(), at, admitted, sold, unitsLeft, cutoff, soldOut, rate, factor });
      }
      await sleep(50);
    }
  })();
  return {
    samples,
    stop: () => {
      on = false;
      return loop;
    },
  };
}

/** 202 → MySQL row: each order's first outbox event is written with its row, in the writer's transaction. */
async function rowLags(ctx: Ctx, accepted: { orderId: string; at: number }[]): Promise<number[]> {
  const firstEvent = new Map<string, number>();
  for (const { pool: db } of ctx.shards.databases()) {
    const [r] = await db.query<RowDataPacket[]>(
      "SELECT order_id, MIN(created_at) AS at FROM order_events WHERE sale_id = ? GROUP BY order_id",
      [ctx.saleId],
    );
    for (const x of r) firstEvent.set(x.order_id as string, (x.at as Date).getTime());
  }
  return accepted
    .flatMap((a) => (firstEvent.has(a.orderId) ? [Math.max(0, firstEvent.get(a.orderId)! - a.at)] : []))
    .sort((a, b) => a - b);
}

/** The room sale: joins before the start, then the drop to every buyer's final answer; rows drained. */
async function theRoomDrop(ctx: Ctx, spec: Spec): Promise<RoomDrop> {
  const { crowd, port, saleId, dir } = ctx;
  console.log(
    `headline room sale ${saleId}: ${ROOM.stock} units on ${ROOM.shards} shards, limit ${ROOM.limit}, ${ROOM.buyers} buyers through the waiting room (admit ${ROOM.admitPerSecond}/s, admission TTL ${ROOM.admissionTtlSeconds} s)`,
  );
  // The room is open now; the start is an hour away while everyone joins, then it is moved to just past
  // the crowd's last polls before it (ROOM.spreadMs).
  const first = await putRoomSale(ctx, spec, Date.now() + 3_600_000);
  const joined = await ask<RoomJoinResult, RoomJoinJob>(
    crowd,
    {
      cmd: "room-join",
      port,
      saleId,
      userPrefix: "hr-",
      buyers: ROOM.buyers,
      connections: ROOM.joinConnections,
      rejoinEvery: ROOM.rejoinEvery,
    },
    3_600_000,
  );
  console.log(
    `pre-queue: ${joined.joined} joins in ${(joined.ms / 1000).toFixed(1)} s (${Math.round(joined.joined / (joined.ms / 1000))}/s); proof of work ${joined.pow.algorithm} maxnumber ${joined.pow.maxnumber}, ${joined.pow.hashes} hashes, ${(joined.pow.solveCpuMs / 1000).toFixed(1)} s of the crowd's CPU`,
  );
  const startsAt = Date.now() + ROOM.spreadMs + 2000;
  const second = await putRoomSale(ctx, spec, startsAt);
  const watched = watchedProcesses(ctx);
  const running = ask<RoomRunResult, RoomRunJob>(
    crowd,
    {
      cmd: "room-run",
      port,
      saleId,
      startsAt,
      connections: ROOM.connections,
      spreadMs: ROOM.spreadMs,
      noShowEvery: ROOM.noShowEvery,
      replayEvery: ROOM.replayEvery,
      cancelEvery: ROOM.cancelEvery,
      payDelayMs: ROOM.payDelayMs,
      afterConnections: ROOM.payConnections,
      admissionTtlMs: ROOM.admissionTtlSeconds * 1000,
      deadlineMs: 900_000,
      out: join(dir, "room.json"),
    },
    1_800_000,
  );
  running.catch(() => {}); // awaited below; not an unhandled rejection while the start is waited for
  // The drop is measured from the start (the last polls before it are the crowd's, counted apart).
  await sleep(Math.max(0, startsAt - Date.now()));
  const cpuStart = cpuOfEach(watched);
  const sampler = sampleEverySecond(ctx, watched, performance.now(), cpuStart);
  const progress = sampleProgress(ctx);
  const run = await running;
  const cpuDrop = cpuOfEach(watched).map((c, i) => c - cpuStart[i]!);
  const out = JSON.parse(readFileSync(join(dir, "room.json"), "utf8")) as CrowdOut;
  const drainT0 = Date.now();
  while ((await rowsOf(ctx, saleId)) < out.accepted.length && Date.now() - drainT0 < 180_000) await sleep(250);
  const drainMs = Date.now() - drainT0;
  await Promise.all([sampler.stop(), progress.stop()]);
  const view = (await ctx.api.sale(saleId)).body;
  const draw = (await ctx.api.call("GET", `/v1/sales/${saleId}/queue/draw`)).body;
  return {
    startsAt,
    commitments: [first.waitingRoom.seedCommitment, second.waitingRoom.seedCommitment],
    seed: view.waitingRoom?.seed ?? null,
    draw,
    join: joined,
    run,
    out,
    samples: sampler.samples,
    progress: progress.samples,
    lags: await rowLags(ctx, out.accepted),
    drainMs,
    watched,
    cpuDrop,
  };
}

import { setTimeout as sleep } from "node:timers/promises";
import type { TransactionalOrderPlacer } from "../messaging/transactional-placer.js";
import type { ProcessCore } from "./core.js";
import type { Durable } from "./durable.js";
import type { HttpRole, OpsHttpServer } from "./http-role.js";
import type { WriterRole } from "./writer-role.js";

/** What a stop left to the sweeper, the broker's back-check and redelivery. */
export interface StopReport {
  /** Orders answered 202 here whose rows were not confirmed written. */
  ordersWithoutRow: number;
  /** Order groups whose half message this process neither committed nor rolled back. */
  groupsUndecided: number;
  /** Order messages being written, not acknowledged: the broker delivers them again. */
  messagesUnacked: number;
  /** The steps of close() still waiting at the deadline, abandoned. */
  unfinished: string[];
}

/**
 * The parts of a process that draining and closing touch, each kept by `GatewayProcess.start` as soon as it
 * exists (null when this process has none, or its start failed before it): a failed start closes them too.
 */
export interface Parts {
  readonly core: ProcessCore;
  durable: Durable | null;
  writer: WriterRole | null;
  http: HttpRole | null;
  opsServer: OpsHttpServer | null;
  /** The transactional placer of the buy path (none with a placer override or on Redis alone). */
  placer: TransactionalOrderPlacer | null;
}

/** Of a stop's budget, what close() gets at least: drain() ends that much before the deadline. */
export const CLOSE_RESERVE_MS = 1000;

/** What a stop now would leave to others: the sweeper, the broker's back-check, a redelivery. */
export function leftovers(p: Parts): Omit<StopReport, "unfinished"> {
  return {
    ordersWithoutRow: p.core.pendingRows.size,
    groupsUndecided: p.placer?.groupsInFlight ?? 0,
    messagesUnacked: p.durable?.writer.messagesInHand ?? 0,
  };
}

/** `GatewayProcess.drain` once it reports not ready: the grace, the listener closed, the last groups and rows, until `deadline`. */
export async function drain(p: Parts, deadline: number): Promise<{ rowsMissing: number }> {
  const { config, shedder, pendingRows, repo } = p.core;
  if (p.http) await sleep(Math.min(config.server.drainGraceMs, Math.max(0, deadline - Date.now())));
  p.http?.closeListener();
  shedder.closing = true;
  p.placer?.flush();
  while ((shedder.inFlight > 0 || p.placer?.idle === false) && Date.now() < deadline) await sleep(20);
  // A lookup stuck on a cut MySQL must not carry the wait past the deadline.
  await untilDeadline(
    pendingRows.awaitRows(async (orderId, userId) => (await repo.getOrder(userId, orderId)) !== null, deadline),
    deadline,
  );
  return { rowsMissing: pendingRows.size };
}

/** One step of close(): `run` watched until `by`, its name noted when the deadline comes first. */
export type Step = (name: string, run: () => Promise<unknown> | undefined, by?: number) => Promise<void>;

/**
 * `GatewayProcess.close`: the listener first, then the loops, then the clients that feed or drain the
 * hand-off, then MySQL and Redis. Returns the steps still waiting at `deadline` (abandoned there).
 */
export async function close(p: Parts, deadline: number): Promise<string[]> {
  const unfinished: string[] = [];
  const step: Step = async (name, run, by = deadline) => {
    if (!(await untilDeadline(Promise.resolve().then(run), by))) unfinished.push(name);
  };
  // The loops get half the time left at most: the clients' goodbyes to the broker then still get theirs.
  const loopsBy = deadline === Infinity ? deadline : Date.now() + (deadline - Date.now()) / 2;
  p.http?.closeListener();
  p.http?.closeOps();
  p.core.shedder.stop();
  p.core.breakers.shutdown();
  const d = p.durable;
  // Side by side, each with the time left: one stuck on a dead dependency does not starve the others.
  await Promise.all([
    step("ops listener", () => p.opsServer?.close()),
    step("sweep pass", () => d?.sweepLoop.stop(), loopsBy),
    step("room admission", () => p.http?.stopRooms(), loopsBy),
    step("outbox relay", () => d?.relay.stop(), loopsBy),
    step("order writer", () => d?.writer.close(Math.min(loopsBy, Date.now() + 10_000)), loopsBy),
  ]);
  await Promise.all([...(p.writer?.shutdown(step) ?? []), step("producer shutdown", () => d?.producer.shutdown())]);
  await step("MySQL pools", () => p.core.shards.close());
  p.http?.disconnect();
  p.core.redis.disconnect();
  return [...new Set(unfinished)];
}

/** True when `work` settled (either way) before `deadline`, false when the deadline came first (work goes on unwatched). */
async function untilDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  if (deadline === Infinity) return settled;
  const ac = new AbortController();
  const timeUp = sleep(Math.max(0, deadline - Date.now()), false, { signal: ac.signal }).catch(() => false);
  const done = await Promise.race([settled, timeUp]);
  ac.abort();
  return done;
}

/**
 * Test-only crash points (FLASHSALE_FAULT), refused in production by the composition root: the process
 * SIGKILLs itself there, so a test can check what the survivors make of a half-done step.
 */
export const CRASH_POINTS = [
  /** Between the half message and the reservation. */
  "after-half",
  /** Between the reservation and the commit. */
  "after-reserve",
  /** Between a cancellation's MySQL transition and the Redis release of its units. */
  "after-cancel-commit",
  /** Between publishing outbox events and marking them published. */
  "after-relay-send",
  /** Between the transactional message's commit and the 202s of its group. */
  "after-commit",
  /** Between a shard transfer's transfer-out (recorded on the donor) and its transfer-in. */
  "after-transfer-out",
] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPointOf(value: string | undefined): CrashPoint | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(CRASH_POINTS as readonly string[]).includes(value))
    throw new Error(`unknown crash point ${JSON.stringify(value)}; known: ${CRASH_POINTS.join(", ")}`);
  return value as CrashPoint;
}

/** Dies here when this is the configured crash point. */
export function crashIf(configured: CrashPoint | undefined, here: CrashPoint): void {
  if (configured === here) process.kill(process.pid, "SIGKILL");
}

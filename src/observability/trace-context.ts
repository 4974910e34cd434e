import { randomFillSync } from "node:crypto";

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) `traceparent`: `00-<trace-id>-<parent-id>-<flags>`,
 * lowercase hex, 32 and 16 digits, neither all zeros. The gateway joins a caller's trace (or starts one when
 * the header is missing or invalid: never an error), takes a span id of its own for the request, logs the
 * trace id beside the request id, answers with its `traceparent`, and carries it in the order message, so
 * the writer's and the back-check's lines name the same trace id.
 */
const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE_ID = "0".repeat(32);
const ZERO_SPAN_ID = "0".repeat(16);

/** A caller's traceparent, checked (version 00 only); null when missing or invalid. */
export function parseTraceparent(header: string): { traceId: string; parentId: string; flags: string } | null {
  if (header.length !== 55) return null;
  const m = TRACEPARENT_RE.exec(header);
  if (!m || m[1] === ZERO_TRACE_ID || m[2] === ZERO_SPAN_ID) return null;
  return { traceId: m[1]!, parentId: m[2]!, flags: m[3]! };
}

/** The trace id of a traceparent this gateway wrote or accepted ("" for none or a malformed one). */
export function traceIdOf(traceparent: string | undefined): string {
  return traceparent === undefined ? "" : (parseTraceparent(traceparent)?.traceId ?? "");
}

/**
 * Random bytes as hex, drawn from a pool refilled 4 KiB at a time: one randomFillSync per 512 span ids
 * instead of a randomBytes call per request.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString("hex", used, used + bytes);
  used += bytes;
  return hex;
}

/** A fresh id of `bytes` random bytes, never all zeros (W3C: an all-zero id is invalid). */
function newId(bytes: number, zero: string): string {
  let id = randomHex(bytes);
  while (id === zero) id = randomHex(bytes);
  return id;
}

/** The request's place in its trace: the trace id and the gateway's own span (the parent of what it sends on). */
export interface TraceContext {
  traceId: string;
  /** `00-<traceId>-<the gateway's span id>-<flags>`: answered, and carried in the order message. */
  traceparent: string;
}

/** Joins the caller's trace with a new span id of the gateway's, or starts a new trace (flags 00). */
export function traceContext(header: string): TraceContext {
  const given = header === "" ? null : parseTraceparent(header);
  const traceId = given?.traceId ?? newId(16, ZERO_TRACE_ID);
  return { traceId, traceparent: `00-${traceId}-${newId(8, ZERO_SPAN_ID)}-${given?.flags ?? "00"}` };
}

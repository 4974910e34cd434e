import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { Config } from "../config/schema.js";
import { ApiError, RETRY_SOON } from "../errors.js";
import type { Cell, Metrics } from "../observability/metrics.js";

export type ShedReason = "in_flight" | "event_loop";

/** The monitor's timer interval; it records the time between ticks, so the delay is that minus this. */
const RESOLUTION_MS = 10;
const lateBy = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS) / 1000;

/** The refusals, built once (the HTTP layer encodes each once too): shedding happens when time is shortest. */
const IN_FLIGHT = new ApiError(
  "UNAVAILABLE",
  "the gateway is at its in-flight request limit; nothing was deducted",
  RETRY_SOON,
);
const EVENT_LOOP = new ApiError(
  "UNAVAILABLE",
  "the gateway is overloaded (event loop delayed); nothing was deducted",
  RETRY_SOON,
);
const CLOSING = new ApiError("UNAVAILABLE", "the gateway is shutting down; nothing was deducted, retry", RETRY_SOON);

/**
 * Answers 503 at once instead of queueing when the process is saturated: more than `maxInFlight` requests
 * admitted and not yet answered (a slow dependency piles them up), or the event loop running late by more
 * than `maxEventLoopDelayMs` on average over the last sample window (CPU saturation). Mean rather than a
 * high percentile, so one GC pause does not shed a whole window.
 */
export class LoadShedder {
  inFlight = 0;
  /** Set by a draining process: every new request is refused (a client retries elsewhere). */
  closing = false;
  private overloaded = false;
  private readonly monitor: IntervalHistogram;
  private timer: NodeJS.Timeout | null = null;
  /** The last window's event-loop delay in seconds (metrics). */
  readonly delay = { mean: 0, p50: 0, p99: 0, max: 0 };
  private readonly shed: Record<ShedReason, Cell>;

  constructor(
    private readonly cfg: Config["admission"]["shedding"],
    metrics: Metrics,
  ) {
    this.monitor = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    const shed = metrics.counter("flashsale_shed_total", "Requests refused with 503 by load shedding", ["reason"]);
    this.shed = { in_flight: shed.cell({ reason: "in_flight" }), event_loop: shed.cell({ reason: "event_loop" }) };
    metrics.gauge("flashsale_in_flight_requests", "Requests admitted and not yet answered", [], (set) =>
      set({}, this.inFlight),
    );
    // Across workers: the worst one's delay (a sum of delays means nothing).
    metrics.gauge(
      "flashsale_event_loop_delay_seconds",
      "Event-loop delay over the last sample window (the worst worker's)",
      ["stat"],
      (set) => {
        for (const [stat, v] of Object.entries(this.delay)) set({ stat }, v);
      },
      "max",
    );
  }

  get enabled(): boolean {
    return this.cfg.enabled;
  }

  start(): void {
    if (this.timer) return;
    this.monitor.enable();
    this.timer = setInterval(() => this.sample(), this.cfg.sampleIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.monitor.disable();
  }

  /** Reads and resets the window; also callable directly (tests). */
  sample(): void {
    const h = this.monitor;
    // An empty window (no timer tick landed) reads as NaN/huge; treat it as no delay measured.
    const ok = h.count > 0;
    this.delay.mean = ok ? lateBy(h.mean) : 0;
    this.delay.p50 = ok ? lateBy(h.percentile(50)) : 0;
    this.delay.p99 = ok ? lateBy(h.percentile(99)) : 0;
    this.delay.max = ok ? lateBy(h.max) : 0;
    h.reset();
    this.overloaded = this.cfg.enabled && this.delay.mean * 1000 > this.cfg.maxEventLoopDelayMs;
  }

  /**
   * Admits a request (count it until release()) or returns the refusal to send instead (never while
   * disabled, unless closing). `inFlightOnly`: a request that settles what is already sold (a payment
   * callback) is refused at the in-flight limit but not for a late event loop.
   */
  admit(inFlightOnly = false): ApiError | null {
    // Draining refuses and in-flight counting happen whether shedding is on or not: a stopping process
    // needs both, with or without `admission.shedding.enabled`.
    if (this.closing) return CLOSING;
    if (this.cfg.enabled && this.inFlight >= this.cfg.maxInFlight) {
      this.shed.in_flight.n++;
      return IN_FLIGHT;
    }
    if (this.overloaded && !inFlightOnly) {
      this.shed.event_loop.n++;
      return EVENT_LOOP;
    }
    this.inFlight++;
    return null;
  }

  release(): void {
    this.inFlight--;
  }
}

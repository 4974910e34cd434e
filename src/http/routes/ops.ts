import { ApiError, RETRY_SOON } from "../../errors.js";
import type { HttpReply } from "../exchange.js";
import type { BreakerState, Dependency } from "../../admission/breakers.js";
import type { Metrics } from "../../observability/metrics.js";
import type { Probe } from "../../observability/readiness.js";

const PROBE_TIMEOUT_MS = 1000;

function withTimeout(p: Promise<boolean>): Promise<boolean> {
  return Promise.race([
    p.catch(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), PROBE_TIMEOUT_MS).unref()),
  ]);
}

/** Health, readiness and metrics: never shed, never rate-limited, so a saturated process can still say so. */
export class OpsRoutes {
  constructor(
    private readonly probes: Probe[],
    private readonly breakers: () => Record<Dependency, BreakerState>,
    private readonly metrics: Metrics,
  ) {}

  healthz = (): HttpReply => ({ status: 200, body: { status: "ok" } });

  /** 200 only when every probe answers and no circuit is open (an open circuit refuses orders anyway). */
  readyz = async (): Promise<HttpReply> => {
    const results = await Promise.all(this.probes.map(async (p) => [p.name, await withTimeout(p.check())] as const));
    const breakers = this.breakers();
    const down = results.filter(([, ok]) => !ok).map(([name]) => `${name} down`);
    for (const [name, state] of Object.entries(breakers)) if (state === "open") down.push(`${name} circuit open`);
    const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "up" : "down"]));
    if (down.length === 0) return { status: 200, body: { status: "ready", checks, breakers } };
    const err = new ApiError("UNAVAILABLE", `not ready: ${down.join(", ")}`, RETRY_SOON);
    return { status: err.status, body: { ...err.body, checks, breakers }, headers: err.headers };
  };

  metricsText = async (): Promise<HttpReply> => ({
    status: 200,
    body: await this.metrics.text(),
    contentType: this.metrics.contentType,
  });
}

import type { Reply } from "../exchange.js";
import type { BreakerState, Dependency } from "../../admission/breakers.js";
import type { Metrics } from "../../observability/metrics.js";

/** A named readiness probe: resolves true when the dependency answers. */
export interface Probe {
  name: string;
  check(): Promise<boolean>;
}

const PROBE_TIMEOUT_MS = 1000;

function withTimeout(p: Promise<boolean>): Promise<boolean> {
  return Promise.race([p.catch(() => false), new Promise<boolean>((r) => setTimeout(() => r(false), PROBE_TIMEOUT_MS).unref())]);
}

export class OpsRoutes {
  constructor(
    private readonly probes: Probe[],
    private readonly breakers: () => Record<Dependency, BreakerState>,
    private readonly metrics: Metrics,
  ) {}

  healthz = (): Reply => ({ status: 200, body: { status: "ok" } });

  /** 200 only when every probe answers and no circuit is open (an open circuit refuses orders anyway). */
  readyz = async (): Promise<Reply> => {
    const results = await Promise.all(this.probes.map(async (p) => [p.name, await withTimeout(p.check())] as const));
    const breakers = this.breakers();
    const down = results.filter(([, ok]) => !ok).map(([name]) => `${name} down`);
    for (const [name, state] of Object.entries(breakers)) if (state === "open") down.push(`${name} circuit open`);
    const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "up" : "down"]));
    if (down.length === 0) return { status: 200, body: { status: "ready", checks, breakers } };
    return {
      status: 503,
      body: { error: { code: "UNAVAILABLE", message: `not ready: ${down.join(", ")}` }, checks, breakers },
      headers: { "retry-after": "1" },
    };
  };

  metricsText = async (): Promise<Reply> => ({ status: 200, body: await this.metrics.text(), contentType: this.metrics.contentType });
}

import { ApiError, RETRY_SOON } from "../../errors.js";
import type { HttpReply } from "../exchange.js";
import type { BreakerState, Dependency } from "../../admission/breakers.js";
import type { Metrics } from "../../observability/metrics.js";
import type { OpsProbes, Probe } from "../../observability/readiness.js";

const PROBE_TIMEOUT_MS = 1000;

function withTimeout(p: Promise<boolean>): Promise<boolean> {
  return Promise.race([
    p.catch(() => false),
    new Promise<boolean>((r) => setTimeout(() => r(false), PROBE_TIMEOUT_MS).unref()),
  ]);
}

async function ask(probes: Probe[]) {
  const results = await Promise.all(probes.map(async (p) => [p.name, await withTimeout(p.check())] as const));
  const down = results.filter(([, ok]) => !ok).map(([name]) => `${name} down`);
  const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "up" : "down"]));
  return { down, checks };
}

function notReady(what: string, down: string[], extra: Record<string, unknown>): HttpReply {
  const err = new ApiError("UNAVAILABLE", `${what}: ${down.join(", ")}`, RETRY_SOON);
  return { status: err.status, body: { ...err.body, ...extra }, headers: err.headers };
}

/**
 * Health, readiness, dependencies and metrics, on the ops listener: never shed, never rate-limited, so a
 * saturated process can still say so. Readiness is this process's alone (started, not draining): a shared
 * dependency that stops answering would otherwise mark every replica unready at once, and the balancer
 * would answer buyers with its own 503 without Retry-After, where the gateway answers its own with one.
 */
export class OpsRoutes {
  constructor(
    private readonly probes: OpsProbes,
    private readonly breakers: () => Record<Dependency, BreakerState>,
    private readonly metrics: Metrics,
  ) {}

  healthz = (): HttpReply => ({ status: 200, body: { status: "ok" } });

  /** 200 while this process serves: started and not draining; shared dependencies are not asked. */
  readyz = async (): Promise<HttpReply> => {
    const { down, checks } = await ask(this.probes.readiness);
    if (down.length === 0) return { status: 200, body: { status: "ready", checks } };
    return notReady("not ready", down, { checks });
  };

  /** 200 only when every dependency answers and no circuit is open: for operators, not for the balancer. */
  dependencies = async (): Promise<HttpReply> => {
    const { down, checks } = await ask(this.probes.dependencies);
    const breakers = this.breakers();
    for (const [name, state] of Object.entries(breakers)) if (state === "open") down.push(`${name} circuit open`);
    if (down.length === 0) return { status: 200, body: { status: "up", checks, breakers } };
    return notReady("dependencies failing", down, { checks, breakers });
  };

  metricsText = async (): Promise<HttpReply> => ({
    status: 200,
    body: await this.metrics.text(),
    contentType: this.metrics.contentType,
  });
}

import type { Reply } from "../exchange.js";

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
  constructor(private readonly probes: Probe[]) {}

  healthz = (): Reply => ({ status: 200, body: { status: "ok" } });

  readyz = async (): Promise<Reply> => {
    const results = await Promise.all(this.probes.map(async (p) => [p.name, await withTimeout(p.check())] as const));
    const down = results.filter(([, ok]) => !ok).map(([name]) => name);
    const checks = Object.fromEntries(results.map(([name, ok]) => [name, ok ? "up" : "down"]));
    if (down.length === 0) return { status: 200, body: { status: "ready", checks } };
    return {
      status: 503,
      body: { error: { code: "UNAVAILABLE", message: `not ready: ${down.join(", ")} down` }, checks },
      headers: { "retry-after": "1" },
    };
  };
}

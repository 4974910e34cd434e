/**
 * The container health check (Dockerfile HEALTHCHECK, compose.yaml): GET /healthz of the process in this
 * container on the ops port its config serves, wherever that port was set (default.json, the
 * FLASHSALE_CONFIG file, FLASHSALE__* variables), rather than a port written into the image.
 * Usage: node dist/src/healthcheck.js [gateway|writer] [healthz|readyz] — gateway: server.ops (the ops
 * listener), writer: rocketmq.consumer.http. Exit 0 when it answers 2xx within 2 s, 1 otherwise.
 */
import { loadConfig } from "./config/load.js";

/** A wildcard listen address is reached over loopback. */
function dialHost(host: string): string {
  if (host === "0.0.0.0" || host === "") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

async function main(): Promise<number> {
  const [role = "gateway", path = "healthz"] = process.argv.slice(2);
  if (role !== "gateway" && role !== "writer") throw new Error(`unknown role ${role} (expected gateway or writer)`);
  if (path !== "healthz" && path !== "readyz") throw new Error(`unknown path ${path} (expected healthz or readyz)`);
  const cfg = loadConfig();
  const { host, port } = role === "gateway" ? cfg.server.ops : cfg.rocketmq.consumer.http;
  const url = `http://${dialHost(host)}:${port}/${path}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (res.ok) return 0;
  process.stderr.write(`${url} answered ${res.status}\n`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`health check failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

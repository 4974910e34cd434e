import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ApiError } from "../errors.js";
import { errorReply, type HttpReply } from "./exchange.js";
import type { OpsRoutes } from "./routes/ops.js";

/**
 * The writer-only process's probes and metrics (`rocketmq.consumer.http`): GET /healthz, /readyz,
 * /health/dependencies and /metrics, answered by the same OpsRoutes as the gateway's ops listener, on a plain
 * node:http server. A few routes scraped every few seconds need none of uWS's speed, and the writer keeps
 * its cores for its batches.
 */
export class OpsHttpServer {
  private constructor(private readonly server: Server) {}

  static async listen(host: string, port: number, ops: OpsRoutes): Promise<OpsHttpServer> {
    const routes: Record<string, () => HttpReply | Promise<HttpReply>> = {
      "/healthz": ops.healthz,
      "/readyz": ops.readyz,
      "/health/dependencies": ops.dependencies,
      "/metrics": ops.metricsText,
    };
    const server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0]!;
      const route = routes[path];
      const answer = async (): Promise<HttpReply> => {
        if (!route || (req.method !== "GET" && req.method !== "HEAD"))
          return errorReply(new ApiError("NOT_FOUND", "no such route"));
        return route();
      };
      answer()
        .catch((err: unknown) => errorReply(new ApiError("UNAVAILABLE", (err as Error).message)))
        .then((r) => {
          const body = typeof r.body === "string" ? r.body : JSON.stringify(r.body);
          res.writeHead(r.status, { "content-type": r.contentType ?? "application/json", ...r.headers });
          res.end(req.method === "HEAD" ? undefined : body);
        })
        .catch(() => res.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    return new OpsHttpServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

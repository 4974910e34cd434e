import http from "node:http";
import net from "node:net";

/**
 * An HTTP CONNECT proxy that hands every tunnel to `to` (a TcpProxy), for gRPC: grpc-js sends all of a
 * process's channels through `grpc_proxy`. The RocketMQ proxy's route answers name its own gRPC port, so a
 * client pointed at a TcpProxy would still send its messages straight to 127.0.0.1:8081; through this front
 * every connection of the client, routed or not, passes the fault-injecting TcpProxy.
 */
export class ConnectFront {
  private readonly server = http.createServer((_req, res) => res.writeHead(405).end());
  private readonly sockets = new Set<net.Socket>();
  port = 0;
  tunnels = 0;

  constructor(
    private readonly to: { host: string; port: number },
    /** The only CONNECT target accepted ("127.0.0.1:8081"): the test must not proxy anything else. */
    private readonly target: string,
  ) {
    this.server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      if (req.url !== this.target) {
        client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
        return;
      }
      this.tunnels++;
      const up = net.connect(this.to, () => {
        client.write("HTTP/1.1 200 Connection established\r\n\r\n");
        if (head.length > 0) up.write(head);
        up.pipe(client);
        client.pipe(up);
      });
      this.sockets.add(client).add(up);
      const close = () => {
        this.sockets.delete(client);
        this.sockets.delete(up);
        client.destroy();
        up.destroy();
      };
      up.on("error", close).on("close", close);
      client.on("error", close).on("close", close);
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

import net from "node:net";

export type ProxyMode = "pass" | "reset" | "blackhole" | "delay" | "drop-replies";

/**
 * A TCP proxy between the gateway and a dependency, for fault injection (tc netem is not available):
 * pass · reset (existing and new connections are cut) · blackhole (bytes are swallowed) · delay (each chunk
 * waits `delayMs`, order kept) · drop-replies (requests reach the server, its answers are swallowed: a reply lost
 * in flight). Blackhole and drop-replies lose bytes of live connections, which TCP never does: go through
 * "reset" before "pass", or a client that pairs replies with requests by order (Redis) pairs them wrongly.
 */
export class TcpProxy {
  mode: ProxyMode = "pass";
  delayMs = 0;
  /** Chunks of replies swallowed in "drop-replies" mode: proof that a request reached the server and ran. */
  droppedReplies = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this;
  }

  setMode(mode: ProxyMode, delayMs = 0): void {
    this.mode = mode;
    this.delayMs = delayMs;
    if (mode === "reset") for (const s of this.sockets) s.resetAndDestroy();
  }

  private accept(client: net.Socket): void {
    if (this.mode === "reset") {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target);
    this.sockets.add(client).add(upstream);
    const forward = (from: net.Socket, to: net.Socket) => {
      // Bytes of one direction leave in the order they came: a chunk passed on after a switch from "delay"
      // to "pass" must not overtake one still delayed (that would reorder the stream, which TCP never does).
      const queue: { chunk: Buffer; at: number }[] = [];
      let timer: NodeJS.Timeout | undefined;
      const drain = () => {
        timer = undefined;
        const now = Date.now();
        while (queue.length > 0 && queue[0]!.at <= now) {
          const { chunk } = queue.shift()!;
          if (to.writable) to.write(chunk);
        }
        if (queue.length > 0) timer = setTimeout(drain, queue[0]!.at - now);
      };
      from.on("data", (chunk: Buffer) => {
        if (this.mode === "blackhole") return;
        if (this.mode === "drop-replies" && from === upstream) {
          this.droppedReplies++;
          return;
        }
        const at = Date.now() + (this.mode === "delay" ? this.delayMs : 0);
        if (queue.length === 0 && at <= Date.now()) {
          if (to.writable) to.write(chunk);
          return;
        }
        queue.push({ chunk, at: Math.max(at, queue.at(-1)?.at ?? 0) });
        timer ??= setTimeout(drain, Math.max(0, queue[0]!.at - Date.now()));
      });
    };
    forward(client, upstream);
    forward(upstream, client);
    const close = () => {
      this.sockets.delete(client);
      this.sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on("close", close).on("error", close);
    upstream.on("close", close).on("error", close);
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

import net from "node:net";

export interface Answer {
  status: number;
  body: Buffer;
  /** `Idempotent-Replayed: true` was present. */
  replayed: boolean;
  /** `Retry-After` in seconds, when present. */
  retryAfter: number | null;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const LENGTH_RE = /\r\ncontent-length: *(\d+)/i;
const REPLAYED_RE = /\r\nidempotent-replayed: *true/i;
const RETRY_RE = /\r\nretry-after: *(\d+)/i;

/**
 * One keep-alive HTTP/1.1 connection, one request at a time, for load generators that must cost less
 * than the server they measure: requests are pre-built bytes, answers are read by Content-Length and only
 * the status and the few headers a buyer acts on are looked at.
 */
export class HttpConnection {
  private readonly sock: net.Socket;
  private chunks: Buffer[] = [];
  private size = 0;
  private waiting: { ok: (a: Answer) => void; fail: (e: Error) => void } | null = null;
  dead: Error | null = null;

  private constructor(port: number, ready: (err?: Error) => void) {
    this.sock = net.connect({ host: "127.0.0.1", port }, () => ready());
    this.sock.setNoDelay(true);
    this.sock.on("data", (d: Buffer) => this.onData(d));
    const die = (err: Error) => {
      if (!this.dead) this.dead = err;
      ready(err);
      this.waiting?.fail(err);
      this.waiting = null;
    };
    this.sock.on("error", die);
    this.sock.on("close", () => die(new Error("connection closed")));
  }

  static open(port: number): Promise<HttpConnection> {
    return new Promise((ok, fail) => {
      let c: HttpConnection | undefined = undefined;
      c = new HttpConnection(port, (err) => (err ? fail(err) : ok(c!)));
    });
  }

  /** Opens `n` connections, at most 256 handshakes at a time (a listen backlog is finite). */
  static async openMany(port: number, n: number): Promise<HttpConnection[]> {
    const out: HttpConnection[] = [];
    for (let i = 0; i < n; i += 256)
      out.push(...(await Promise.all(Array.from({ length: Math.min(256, n - i) }, () => HttpConnection.open(port)))));
    return out;
  }

  request(buf: Buffer): Promise<Answer> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((ok, fail) => {
      this.waiting = { ok, fail };
      this.sock.write(buf);
    });
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.size += d.length;
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const end = buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = buf.toString("latin1", 0, end);
    const length = Number(LENGTH_RE.exec(head)?.[1] ?? 0);
    const total = end + 4 + length;
    if (buf.length < total) {
      this.chunks = [buf];
      return;
    }
    this.chunks = [];
    this.size = 0;
    const retry = RETRY_RE.exec(head);
    const w = this.waiting;
    this.waiting = null;
    w?.ok({
      status: Number(head.slice(9, 12)),
      body: buf.subarray(end + 4, total),
      replayed: REPLAYED_RE.test(head),
      retryAfter: retry ? Number(retry[1]) : null,
    });
  }

  close(): void {
    this.sock.destroy();
  }
}

/** An HTTP/1.1 request as bytes. */
export function requestBytes(
  method: string,
  path: string,
  port: number,
  headers: Record<string, string>,
  body = "",
): Buffer {
  // One string, no intermediate arrays: a crowd builds hundreds of thousands of these.
  let head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
  for (const k in headers) head += `${k}: ${headers[k]}\r\n`;
  return Buffer.from(`${head}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

const CODE_RE = /"code":"([A-Z_]+)"/;
const MESSAGE_RE = /"message":"([^"]{0,48})/;

/** The error code of an answer's body ("" for none). */
export function codeOf(a: Answer): string {
  return CODE_RE.exec(a.body.toString("latin1"))?.[1] ?? "";
}

/**
 * An answer as load generators count it: "status CODE", " replayed" when it was, and for a 503 the first
 * words of its message (shedding, a dependency, an unsettled hand-off say different things).
 */
export function answerKey(a: Answer): string {
  const why = a.status === 503 ? `: ${MESSAGE_RE.exec(a.body.toString("latin1"))?.[1] ?? ""}` : "";
  return `${a.status} ${codeOf(a)}${a.replayed ? " replayed" : ""}${why}`.trim();
}

import net from "node:net";

/** null once a TCP connection to host:port opens within the timeout, else why not (ECONNREFUSED, ETIMEDOUT...). */
export function tcpConnectError(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<string | null> {
  return new Promise((done) => {
    const sock = net.connect({ port, host });
    const finish = (err: string | null) => {
      sock.destroy();
      done(err);
    };
    sock.setTimeout(timeoutMs, () => finish("ETIMEDOUT"));
    sock.once("connect", () => finish(null));
    sock.once("error", (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
  });
}

/** True when a TCP connection to host:port opens within the timeout (a liveness probe, nothing more). */
export async function tcpAnswers(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return (await tcpConnectError(port, host, timeoutMs)) === null;
}

import net from "node:net";

/** True when a TCP connection to host:port opens within the timeout (a liveness probe, nothing more). */
export function tcpAnswers(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return new Promise((done) => {
    const sock = net.connect({ port, host });
    const finish = (ok: boolean) => {
      sock.destroy();
      done(ok);
    };
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.once("connect", () => finish(true));
    sock.once("error", () => finish(false));
  });
}

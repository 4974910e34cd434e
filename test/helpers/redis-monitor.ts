import net from "node:net";

/**
 * A MONITOR of one Redis node over a plain socket.
 *
 * ioredis's `monitor()` switches its parser to monitor lines only once the MONITOR reply's promise has settled;
 * when the `+OK` and the first monitored commands arrive in one TCP read, it takes those lines for replies to
 * commands it never sent and throws "Command queue state error" (seen in CI). This reader has no queue to
 * confuse: it waits for the `+OK`, then hands every following line to `onCommand`.
 */
export interface Monitor {
  stop(): void;
}

/**
 * `onCommand` gets each command's arguments and its source as MONITOR names it: a client's "host:port",
 * "lua" for a command run by a script, or the primary's address on a replica (replicated writes).
 */
export async function monitorNode(
  address: string,
  onCommand: (args: string[], source: string) => void,
): Promise<Monitor> {
  const [host, port] = splitAddress(address);
  const socket = net.connect({ host, port });
  socket.setNoDelay(true);
  let buffered = "";
  let started = false;
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while ((end = buffered.indexOf("\r\n")) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (!started) {
          if (line !== "+OK") return reject(new Error(`MONITOR refused: ${line}`));
          started = true;
          socket.off("error", reject);
          socket.on("error", () => undefined);
          resolve();
          continue;
        }
        const args = parseMonitorLine(line);
        if (args) onCommand(args, monitorSource(line));
      }
    });
    socket.write("MONITOR\r\n");
  });
  return { stop: () => socket.destroy() };
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

/** `+1339518083.107412 [0 127.0.0.1:60866] "hset" …` → "127.0.0.1:60866"; `[0 lua]` → "lua". */
export function monitorSource(line: string): string {
  const open = line.indexOf("[");
  const close = line.indexOf("] ");
  if (open < 0 || close < open) return "";
  const inside = line.slice(open + 1, close);
  return inside.slice(inside.indexOf(" ") + 1);
}

/** `+1339518083.107412 [0 127.0.0.1:60866] "hset" "k" "f"` → ["hset", "k", "f"]; other lines → undefined. */
export function parseMonitorLine(line: string): string[] | undefined {
  const open = line.indexOf("] ");
  if (!line.startsWith("+") || open < 0) return undefined;
  const args: string[] = [];
  let i = open + 2;
  while (i < line.length) {
    if (line[i] !== '"') {
      i++;
      continue;
    }
    let arg = "";
    i++;
    while (i < line.length && line[i] !== '"') {
      if (line[i] === "\\") {
        const next = line[i + 1];
        if (next === "x") {
          arg += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        }
        arg += ({ n: "\n", r: "\r", t: "\t", a: "\x07", b: "\b" } as Record<string, string>)[next!] ?? next;
        i += 2;
        continue;
      }
      arg += line[i];
      i++;
    }
    args.push(arg);
    i++;
  }
  return args;
}

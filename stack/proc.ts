import { setTimeout as sleep } from "node:timers/promises";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import net from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tcpAnswers } from "../src/util/tcp-probe.js";

/** Repository root (this file lives in <root>/stack). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Untracked working area for logs, data and state of locally started services. */
export const STACK_DIR = process.env.FLASHSALE_STACK_DIR ?? join(ROOT, ".stack");

export function log(msg: string): void {
  process.stderr.write(`[stack] ${msg}\n`);
}

export function isListening(port: number, host = "127.0.0.1", timeoutMs = 500): Promise<boolean> {
  return tcpAnswers(port, host, timeoutMs);
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A port the OS considers free right now. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => done(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export function which(cmd: string): string | null {
  const r = spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  const out = r.stdout.trim();
  return r.status === 0 && out ? out : null;
}

/** Starts a long-running process detached from us, output appended to a log file under STACK_DIR. */
export function spawnDaemon(name: string, cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  mkdirSync(join(STACK_DIR, "logs"), { recursive: true });
  const out = openSync(join(STACK_DIR, "logs", `${name}.log`), "a");
  const child = spawn(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ["ignore", out, out],
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a grace period. Kills the process group when the pid leads one. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const send = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  send("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) send("SIGKILL");
}

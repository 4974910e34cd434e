import { join } from "node:path";
import { mkdirSync } from "node:fs";
import { isListening, log, spawnDaemon, STACK_DIR, waitFor, which } from "./proc.js";
import type { Service } from "./service.js";

export const REDIS_PORT = Number(process.env.FLASHSALE_STACK_REDIS_PORT ?? 6379);

export function redisServerBinary(): string {
  const bin = which("redis-server");
  if (!bin) throw new Error("redis-server is not installed: apt-get install -y redis-server (Redis >= 7.0)");
  return bin;
}

/** AOF, fsync every second, in `dir`: a restarted Redis comes back with its data, as production Redis should. */
export function aofArgs(dir: string): string[] {
  return ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--dir", dir];
}

export const redis: Service = {
  name: "redis",
  async up() {
    if (await isListening(REDIS_PORT)) {
      log(`redis: reusing the server on port ${REDIS_PORT}`);
      return [];
    }
    const dir = join(STACK_DIR, "redis");
    mkdirSync(dir, { recursive: true });
    log(`redis: starting redis-server on port ${REDIS_PORT}`);
    const pid = spawnDaemon("redis", redisServerBinary(), [
      "--port",
      String(REDIS_PORT),
      "--bind",
      "127.0.0.1",
      ...aofArgs(dir),
    ]);
    await waitFor(`redis on ${REDIS_PORT}`, () => isListening(REDIS_PORT), 15_000);
    return [pid];
  },
};

import { spawn, type ChildProcess } from "node:child_process";
import { freePort, isListening, waitFor } from "../../stack/proc.js";
import { redisServerBinary } from "../../stack/redis.js";

/**
 * A private standalone redis-server that keeps nothing on disk, for a test that kills it (`kill -9`) and
 * brings it back empty on the same port, as a Redis without persistence or replicas does after a crash.
 */
export class EphemeralRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<EphemeralRedis> {
    const r = new EphemeralRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private async up(): Promise<void> {
    const child = spawn(
      redisServerBinary(),
      ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    this.child = child;
    // Never outlive the test process, even when its clean-up does not run.
    const reap = () => child.kill("SIGKILL");
    process.once("exit", reap);
    child.once("exit", () => process.off("exit", reap));
    await waitFor(`test redis on ${this.port}`, () => isListening(this.port), 10_000);
  }

  /** kill -9, then (once the port is free) a new, empty server on the same port. */
  async crashAndRestartEmpty(downMs = 0): Promise<void> {
    await this.kill();
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.up();
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
    await waitFor(`port ${this.port} free`, async () => !(await isListening(this.port)), 10_000);
  }
}

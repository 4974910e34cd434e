import { spawn } from "node:child_process";
import { join } from "node:path";
import { log, ROOT } from "./proc.js";
import { down, up } from "./stack.js";
import { ensureNode24 } from "./node24.js";
import { ensureTools } from "./tools.js";

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === "up") {
    await up(rest.includes("--cluster"));
    log("stack is up");
  } else if (cmd === "tools") {
    ensureTools();
  } else if (cmd === "node24") {
    // Node 24 on Debian 13's C library, for the test that serves the gateway on the image's Node.
    ensureTools();
    const runtime = await ensureNode24();
    process.stdout.write(`${runtime.node}\n`);
  } else if (cmd === "down") {
    await down();
  } else if (cmd === "test-env") {
    // Brings up whatever is missing, runs the command, then stops only what this invocation started.
    const sep = rest.indexOf("--");
    const command = sep >= 0 ? rest.slice(sep + 1) : rest;
    ensureTools();
    const started = await up(false);
    const code = await new Promise<number>((done) => {
      const child = spawn(command[0]!, command.slice(1), {
        stdio: "inherit",
        cwd: ROOT,
        shell: false,
        env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
      });
      child.on("exit", (c, sig) => done(c ?? (sig ? 1 : 0)));
    });
    await down(started);
    process.exit(code);
  } else {
    process.stderr.write("usage: tsx stack/cli.ts up [--cluster] | down | tools | node24 | test-env -- <command...>\n");
    process.exit(2);
  }
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

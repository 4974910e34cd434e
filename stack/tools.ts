import { spawnSync } from "node:child_process";
import { log, which } from "./proc.js";

/**
 * Command-line tools some tests run, from Debian's packages: Chromium (the demo report's check), promtool
 * (alert rules and metrics exposition) and docker-compose (the compose file's validation). `npm test`
 * installs the missing ones with apt-get, as it fetches RocketMQ from Maven Central; `.ci/run` does too.
 */
const DEBIAN_TOOLS: readonly { command: string; pkg: string }[] = [
  { command: "chromium", pkg: "chromium" },
  { command: "promtool", pkg: "prometheus" },
  { command: "docker-compose", pkg: "docker-compose" },
];

/** Installs the Debian package of every tool not on PATH; says what it could not install and carries on. */
export function ensureTools(): void {
  const missing = DEBIAN_TOOLS.filter((t) => which(t.command) === null);
  if (missing.length === 0) return;
  const pkgs = missing.map((t) => t.pkg);
  log(`installing ${pkgs.join(", ")} from Debian's packages (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const run = (args: string[]) =>
    spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env }).status === 0;
  if (!run(["install", "-y", "--no-install-recommends", ...pkgs])) {
    run(["update"]);
    run(["install", "-y", "--no-install-recommends", ...pkgs]);
  }
  for (const t of missing)
    if (which(t.command) === null) log(`${t.command} is still missing: apt-get install ${t.pkg} (as root) installs it`);
}

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { log, which } from "./proc.js";

/**
 * Command-line tools some tests run, from Debian's packages: Chromium (the demo report's check), promtool
 * (alert rules and metrics exposition), docker-compose (the compose file's validation), and what the Node 24
 * runtime is made with (stack/node24.ts: patchelf, gpgv with Debian's archive keyring, xz), and wrk (the
 * reject-path bench's closed-loop load, issue 21's yardstick: CPU per request under wrk). `npm test`
 * installs the missing ones with apt-get, as it fetches RocketMQ from Maven Central; `.ci/run` does too.
 * A tool is either a command on PATH or a file.
 */
const DEBIAN_TOOLS: readonly { command?: string; file?: string; pkg: string }[] = [
  { command: "chromium", pkg: "chromium" },
  { command: "promtool", pkg: "prometheus" },
  { command: "docker-compose", pkg: "docker-compose" },
  { command: "patchelf", pkg: "patchelf" },
  { command: "gpgv", pkg: "gpgv" },
  { command: "xz", pkg: "xz-utils" },
  { command: "wrk", pkg: "wrk" },
  { file: "/usr/share/keyrings/debian-archive-keyring.gpg", pkg: "debian-archive-keyring" },
];

const present = (t: { command?: string; file?: string }) =>
  t.command ? which(t.command) !== null : existsSync(t.file ?? "");

/** Installs the Debian package of every tool not on PATH; says what it could not install and carries on. */
export function ensureTools(): void {
  const missing = DEBIAN_TOOLS.filter((t) => !present(t));
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
    if (!present(t)) log(`${t.command ?? t.file} is still missing: apt-get install ${t.pkg} (as root) installs it`);
}

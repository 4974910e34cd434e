import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mysql from "mysql2/promise";
import { isAlive, isListening, log, spawnDaemon, STACK_DIR, waitFor, which } from "./proc.js";
import type { Service } from "./service.js";

export const MYSQL_PORT = Number(process.env.FLASHSALE_STACK_MYSQL_PORT ?? 3306);
const HOST = "127.0.0.1";

function binary(...names: string[]): string {
  for (const n of names) {
    const bin = which(n);
    if (bin) return bin;
  }
  throw new Error(`${names[0]} is not installed: apt-get install -y mariadb-server (MariaDB >= 10.6)`);
}

/** The check the gateway itself depends on: root with an empty password over TCP. */
async function rootCanQuery(port: number): Promise<boolean> {
  const conn = await mysql.createConnection({ host: HOST, port, user: "root", password: "", connectTimeout: 2000 });
  try {
    await conn.query("SELECT 1");
    return true;
  } finally {
    await conn.end().catch(() => undefined);
  }
}

/** A unix socket path must fit in sun_path (108 bytes); a deep checkout would overflow it. */
function socketPath(dir: string): string {
  const inDir = join(dir, "mysqld.sock");
  return Buffer.byteLength(inDir) < 100 ? inDir : join(tmpdir(), `flashsale-mariadb-${MYSQL_PORT}.sock`);
}

function initDatadir(datadir: string, asRoot: boolean): void {
  log(`mariadb: initializing a new data directory in ${datadir}`);
  const r = spawnSync(
    binary("mariadb-install-db", "mysql_install_db"),
    [
      "--no-defaults",
      `--datadir=${datadir}`,
      "--skip-test-db",
      "--skip-name-resolve",
      // root@localhost and root@127.0.0.1 with an empty password, which is what config/default.json uses.
      "--auth-root-authentication-method=normal",
      ...(asRoot ? ["--user=root"] : []),
    ],
    { encoding: "utf8" },
  );
  if (r.status !== 0) throw new Error(`mariadb-install-db failed:\n${r.stdout}${r.stderr}`);
}

export const mariadb: Service = {
  name: "mariadb",
  async up() {
    if (await isListening(MYSQL_PORT)) {
      log(`mariadb: reusing the server on port ${MYSQL_PORT}`);
      // A reused server may have its own credentials (FLASHSALE__MYSQL__* overrides), so only warn.
      await rootCanQuery(MYSQL_PORT).catch((err: Error) =>
        log(`mariadb: warning: root with an empty password cannot query on port ${MYSQL_PORT}: ${err.message}`),
      );
      return [];
    }
    const server = binary("mariadbd", "mysqld");
    const dir = join(STACK_DIR, "mariadb");
    const datadir = join(dir, "data");
    mkdirSync(datadir, { recursive: true });
    const asRoot = process.getuid?.() === 0;
    if (!existsSync(join(datadir, "mysql"))) initDatadir(datadir, asRoot);

    log(`mariadb: starting ${server} on port ${MYSQL_PORT}`);
    const pid = spawnDaemon("mariadb", server, [
      // The system my.cnf names the distribution's datadir and socket; ours must not touch them.
      "--no-defaults",
      `--datadir=${datadir}`,
      `--port=${MYSQL_PORT}`,
      `--bind-address=${HOST}`,
      `--socket=${socketPath(dir)}`,
      `--pid-file=${join(dir, "mariadbd.pid")}`,
      "--skip-name-resolve",
      "--character-set-server=utf8mb4",
      "--collation-server=utf8mb4_general_ci",
      "--max-connections=500",
      "--innodb-buffer-pool-size=256M",
      ...(asRoot ? ["--user=root"] : []),
    ]);
    // Ends early when mariadbd dies (bad datadir, port race) so the error is immediate, not a timeout.
    await waitFor(
      `mariadb on ${MYSQL_PORT}`,
      async () => !isAlive(pid) || ((await isListening(MYSQL_PORT)) && (await rootCanQuery(MYSQL_PORT))),
      60_000,
    );
    if (!isAlive(pid))
      throw new Error(`mariadbd exited during start-up; see ${join(STACK_DIR, "logs", "mariadb.log")}`);
    log(`mariadb: ready on port ${MYSQL_PORT}`);
    return [pid];
  },
};

/**
 * Creates the shard databases and order tables named by the configuration (default.json, the
 * FLASHSALE_CONFIG overlay and FLASHSALE__* variables). Usage: tsx src/persistence/migrate-cli.ts
 */
import { loadConfig } from "../config/load.js";
import { migrate } from "./migrate.js";

async function main(): Promise<void> {
  const cfg = loadConfig();
  const results = await migrate(cfg.mysql);
  for (const r of results) {
    const parts = [r.createdDatabase ? "database created" : "database existed"];
    if (r.createdTables.length > 0) parts.push(`created ${r.createdTables.join(", ")}`);
    if (r.existingTables.length > 0) parts.push(`already there: ${r.existingTables.join(", ")}`);
    console.log(`${r.database} on ${r.host}:${r.port}: ${parts.join("; ")}`);
  }
}

main().catch((err: unknown) => {
  console.error(`migration failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});

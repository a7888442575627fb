/**
 * `npm run db:migrate`: applies every subgraph's migrations to DATABASE_URL.
 * `npm run db:migrate -- --demo-data`: then inserts the demo venues, slots and bookings (as
 * `npm start` does; safe to run again).
 */
import { z } from "zod";
import { parseEnv, postgresUrl, requireVariables, StartupError } from "../lib/core/config";
import { connectPostgres, migratePostgres, SUBGRAPHS } from "../lib/storage/db";
import { processEnv } from "../lib/core/env";

const args = process.argv.slice(2);
const DEMO_FLAG = "--demo-data";

try {
  const unknown = args.filter((arg) => arg !== DEMO_FLAG);
  if (unknown.length)
    throw new StartupError(`usage: npm run db:migrate [-- ${DEMO_FLAG}] (unknown: ${unknown.join(" ")})`);
  const env = processEnv();
  requireVariables(
    "npm run db:migrate",
    env,
    { DATABASE_URL: "the PostgreSQL database to migrate (postgres://user@host:5432/db)" },
    "The embedded database of `npm start` (no DATABASE_URL) migrates itself at start-up: there is nothing to run.",
  );
  const { DATABASE_URL } = parseEnv(z.object({ DATABASE_URL: postgresUrl }), env);
  for (const subgraph of SUBGRAPHS) {
    await migratePostgres(DATABASE_URL, subgraph);
    console.log(`migrated ${subgraph}`);
  }
  if (args.includes(DEMO_FLAG)) {
    // The subgraphs' code is only loaded for the demo rows (each subgraph seeds what it owns).
    await import("reflect-metadata");
    const { SUBGRAPH_DEFINITIONS } = await import("../subgraphs");
    const database = connectPostgres(DATABASE_URL, { applicationName: "db-migrate", maxConnections: 1 });
    try {
      for (const definition of SUBGRAPH_DEFINITIONS) await definition.seedDemoData(database.db);
    } finally {
      await database.close();
    }
    console.log("inserted the demo data (venues, slots, zones, the demo guest's bookings)");
  }
} catch (error) {
  if (!(error instanceof StartupError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}

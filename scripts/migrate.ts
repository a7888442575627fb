/** `npm run db:migrate`: applies every subgraph's migrations to DATABASE_URL. */
import { z } from "zod";
import { ConfigError, parseEnv, postgresUrl } from "../lib/config";
import { migratePostgres, SUBGRAPHS } from "../lib/db";
import { processEnv } from "../lib/env";

try {
  const { DATABASE_URL } = parseEnv(z.object({ DATABASE_URL: postgresUrl }), processEnv());
  for (const subgraph of SUBGRAPHS) {
    await migratePostgres(DATABASE_URL, subgraph);
    console.log(`migrated ${subgraph}`);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

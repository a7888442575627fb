/**
 * `node --import tsx bench/prepare-database.ts <postgres-url>`: migrates every subgraph's schema
 * and inserts the demo rows, as `npm start` does for itself. The distributed benchmark runs it
 * before it starts the services (a service started on its own does neither); it is a child
 * process so the load generator does not load the subgraphs' code.
 */
import "reflect-metadata";
import { connectPostgres, migratePostgres, SUBGRAPHS } from "../lib/storage/db";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

const url = process.argv[2];
if (!url) {
  console.error("usage: bench/prepare-database.ts <postgres-url>");
  process.exit(2);
}
for (const subgraph of SUBGRAPHS) await migratePostgres(url, subgraph);
const database = connectPostgres(url, { maxConnections: 2, applicationName: "bench-prepare" });
try {
  for (const definition of SUBGRAPH_DEFINITIONS) await definition.seedDemoData(database.db);
} finally {
  await database.close();
}
process.exit(0);

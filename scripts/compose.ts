/**
 * `npm run compose` writes schema/<subgraph>.graphql and schema/supergraph.graphql.
 * `npm run compose -- --check` only compares and fails when the committed files are stale.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { composeSupergraph, SCHEMA_DIR, staleSchemaFiles } from "../lib/graphql/compose";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

const composition = await composeSupergraph(SUBGRAPH_DEFINITIONS);
if (process.argv.includes("--check")) {
  const stale = await staleSchemaFiles(composition);
  if (stale.length) {
    console.error(`Stale schema files (run npm run compose): ${stale.join(", ")}`);
    process.exit(1);
  }
  console.log("schema/ is up to date");
} else {
  await mkdir(SCHEMA_DIR, { recursive: true });
  for (const [name, contents] of Object.entries(composition.files)) {
    await writeFile(path.join(SCHEMA_DIR, name), contents);
    console.log(`wrote schema/${name}`);
  }
}

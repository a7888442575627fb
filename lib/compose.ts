import { readFile } from "node:fs/promises";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import type { AppDatabase } from "./db";
import type { SubgraphDefinition } from "./service";
import { DEFAULT_PORTS } from "./service-config";

export const SCHEMA_DIR = path.resolve(import.meta.dirname, "..", "schema");

export interface Composition {
  /** File name under `schema/` → contents. */
  files: Record<string, string>;
}

// Building a schema only wires resolvers to repositories; nothing touches the database.
const noDatabase = new Proxy(
  {},
  {
    get() {
      throw new Error("The database is not available while composing");
    },
  },
) as AppDatabase;

/**
 * Prints every subgraph's SDL and composes the supergraph with `@apollo/composition`, the
 * same library the gateway's query planner is built on. Throws with the composition errors.
 */
export async function composeSupergraph(definitions: SubgraphDefinition[]): Promise<Composition> {
  const files: Record<string, string> = {};
  const services = [];
  for (const definition of definitions) {
    const sdl = printSubgraphSchema(await definition.buildSchema(noDatabase));
    files[`${definition.name}.graphql`] = sdl + "\n";
    services.push({
      name: definition.name,
      typeDefs: parse(sdl),
      url: `http://127.0.0.1:${DEFAULT_PORTS[definition.name]}/graphql`,
    });
  }
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`);
  }
  files["supergraph.graphql"] = result.supergraphSdl;
  return { files };
}

/** Names of the committed files under `schema/` that differ from a fresh composition. */
export async function staleSchemaFiles(composition: Composition): Promise<string[]> {
  const stale: string[] = [];
  for (const [name, contents] of Object.entries(composition.files)) {
    const committed = await readFile(path.join(SCHEMA_DIR, name), "utf8").catch(() => null);
    if (committed !== contents) stale.push(name);
  }
  return stale;
}

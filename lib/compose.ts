import { readFile } from "node:fs/promises";
import path from "node:path";
import { composeServices } from "@apollo/composition";
import { printSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import type { AppDatabase, SubgraphName } from "./db";
import { createLogger } from "./logger";
import type { SubgraphDefinition, SubgraphDeps } from "./service";
import { DEFAULT_PORTS, loadSubgraphConfig } from "./service-config";

export const SCHEMA_DIR = path.resolve(import.meta.dirname, "..", "schema");

export interface Composition {
  /** File name under `schema/` → contents. */
  files: Record<string, string>;
}

// Building a schema only wires resolvers to services; nothing touches the database.
const unavailable = (what: string) =>
  new Proxy(
    {},
    {
      get() {
        throw new Error(`${what} is not available while composing`);
      },
    },
  );

function composeDeps(name: SubgraphName): SubgraphDeps {
  const secret = "compose-only-".repeat(4);
  return {
    config: loadSubgraphConfig(
      name,
      { SERVICE_SECRET: secret, JWT_SECRET: secret, PAYMENT_WEBHOOK_SECRET: secret },
      { standalone: false },
    ),
    database: {
      kind: "pglite",
      db: unavailable("The database") as AppDatabase,
      ping: async () => {},
      close: async () => {},
      openSession: () => Promise.reject(new Error("no database while composing")),
    },
    redis: null,
    logger: createLogger("silent"),
  };
}

/**
 * Prints every subgraph's SDL and composes the supergraph with `@apollo/composition`, the
 * same library the gateway's query planner is built on. Throws with the composition errors.
 */
export async function composeSupergraph(definitions: SubgraphDefinition[]): Promise<Composition> {
  const files: Record<string, string> = {};
  const services = [];
  for (const definition of definitions) {
    const runtime = await definition.create(composeDeps(definition.name));
    const sdl = printSubgraphSchema(runtime.schema);
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

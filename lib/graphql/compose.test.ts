import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { describe, expect, it } from "vitest";
import { SUBGRAPH_DEFINITIONS } from "../../subgraphs";
import { composeSupergraph, staleSchemaFiles } from "./compose";
import type { SubgraphDefinition } from "./service";

describe("the committed schema", () => {
  it("composes, and schema/ matches what the code produces (run `npm run compose` if not)", async () => {
    const composition = await composeSupergraph(SUBGRAPH_DEFINITIONS);
    expect(await staleSchemaFiles(composition)).toEqual([]);
  });

  it("is reported stale when it differs from the code", async () => {
    const composition = await composeSupergraph(SUBGRAPH_DEFINITIONS);
    const changed = {
      files: { ...composition.files, "supergraph.graphql": composition.files["supergraph.graphql"] + "\n# edited" },
    };
    expect(await staleSchemaFiles(changed)).toEqual(["supergraph.graphql"]);
  });

  it("fails composition when two subgraphs disagree about a shared type", async () => {
    const conflicting: SubgraphDefinition = {
      name: "payment",
      create: async () => ({
        schema: buildSubgraphSchema(
          parse(`extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
                 type Query { x: Int }
                 type Zone @key(fields: "id") { id: ID! capacity: String }`),
        ),
      }),
      seedDemoData: async () => {},
    };
    const inventory = SUBGRAPH_DEFINITIONS.find((d) => d.name === "inventory")!;
    await expect(composeSupergraph([inventory, conflicting])).rejects.toThrow(/Composition failed/);
  });
});

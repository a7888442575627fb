import { ApolloServer } from "@apollo/server";
import { GraphQLError } from "graphql";
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { operationMetricsPlugin, operationNameLabeller, outcomeOf } from "./operation-metrics";

const typeDefs = `type Query { hello: String, soldOut: String, broken: String }
type Mutation { reserve: String }`;
const resolvers = {
  Query: {
    hello: () => "world",
    soldOut: () => {
      throw new GraphQLError("Sold out", { extensions: { code: "INSUFFICIENT_STOCK" } });
    },
    broken: () => {
      throw new GraphQLError("?", { extensions: { code: "SOMETHING_A_CLIENT_MADE_UP" } });
    },
  },
  Mutation: { reserve: () => "ok" },
};

async function serverWithMetrics(maxOperationNames?: number) {
  const registry = new Registry();
  const server = new ApolloServer({
    typeDefs,
    resolvers,
    plugins: [operationMetricsPlugin(registry, { maxOperationNames })],
  });
  await server.start();
  const run = (query: string, operationName?: string) => server.executeOperation({ query, operationName });
  /** `graphql_operations_total` samples as "name type outcome" → count. */
  const counts = async () => {
    const metric = await registry.getSingleMetric("graphql_operations_total")!.get();
    return Object.fromEntries(
      metric.values.map((v) => [`${v.labels.operation_name} ${v.labels.operation_type} ${v.labels.outcome}`, v.value]),
    );
  };
  return { server, registry, run, counts };
}

describe("gateway per-operation metrics", () => {
  it("counts operations by name, type and outcome, and times them", async () => {
    const { server, registry, run, counts } = await serverWithMetrics();
    await run("query Hello { hello }");
    await run("query Hello { hello }");
    await run("mutation Reserve { reserve }");
    await run("{ hello }");
    await run("query SoldOut { soldOut }");
    await run("query Broken { broken }");
    await run("query Nope { nope }"); // fails validation
    await run("query Oops {"); // does not parse
    await run("query Nope { nope }", "Nope");
    expect(await counts()).toEqual({
      "Hello query ok": 2,
      "Reserve mutation ok": 1,
      "anonymous query ok": 1,
      "SoldOut query INSUFFICIENT_STOCK": 1,
      "Broken query other": 1,
      "unknown unknown GRAPHQL_VALIDATION_FAILED": 1,
      "unknown unknown GRAPHQL_PARSE_FAILED": 1,
      // A name the request gives for a document that did not validate takes no place of its own.
      "other unknown GRAPHQL_VALIDATION_FAILED": 1,
    });
    const text = await registry.metrics();
    expect(text).toMatch(
      /graphql_operation_duration_seconds_count\{operation_name="Hello",operation_type="query"\} 2\n/,
    );
    expect(text).toMatch(/graphql_operation_duration_seconds_bucket\{le="\+Inf",operation_name="Reserve"/);
    await server.stop();
  });

  it("caps distinct operation names: past the cap, and for malformed names, the label is 'other'", async () => {
    const { server, run, counts } = await serverWithMetrics(3);
    for (let i = 0; i < 10; i++) await run(`query Op${i} { hello }`);
    await run("query Op1 { hello }"); // a name already labelled keeps its label
    await run("query Op9 { hello }");
    expect(await counts()).toEqual({
      "Op0 query ok": 1,
      "Op1 query ok": 2,
      "Op2 query ok": 1,
      "other query ok": 8,
    });
    await server.stop();
  });

  it("labels with a bounded set of values whatever the client sends", () => {
    const label = operationNameLabeller(200);
    expect(label(undefined)).toBe("anonymous");
    expect(label("")).toBe("anonymous");
    expect(label("a".repeat(65))).toBe("other");
    expect(label("a".repeat(64))).toBe("a".repeat(64));
    expect(label('x"} evil{')).toBe("other");
    expect(label("9lives")).toBe("other");
    expect(label("Unvalidated", false)).toBe("other");
    const distinct = new Set(Array.from({ length: 10_000 }, (_, i) => label(`Name${i}`)));
    expect(distinct.size).toBe(200); // 199 names (one place was taken above) and "other"
    expect(distinct.has("other")).toBe(true);

    expect(outcomeOf(undefined)).toBe("ok");
    expect(outcomeOf([])).toBe("ok");
    expect(outcomeOf([{ extensions: { code: "MAX_PER_USER_EXCEEDED" } }, { extensions: { code: "X" } }])).toBe(
      "MAX_PER_USER_EXCEEDED",
    );
    expect(outcomeOf([{ extensions: { code: "made up by a subgraph" } }])).toBe("other");
    expect(outcomeOf([{}])).toBe("other");
  });
});

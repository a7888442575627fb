import { readFileSync } from "node:fs";
import path from "node:path";
import type { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { graphqlCjs } from "../lib/graphql/graphql-cjs";
import { EXAMPLE_OPERATIONS } from "./explorer";
import { createOperationLimiter, DEFAULT_OPERATION_LIMITS } from "./operation-limits";

const schema = graphqlCjs.buildSchema(readFileSync(path.resolve(import.meta.dirname, "../schema/api.graphql"), "utf8"));
const limiter = createOperationLimiter();

/** The error code the limiter refuses `query` with, or null when it passes. */
function refusal(query: string, variables: Record<string, unknown> = {}, operationName?: string): string | null {
  try {
    const document = limiter.parse(query);
    if (!document) return "SYNTAX";
    limiter.check(schema, document, operationName, variables);
    return null;
  } catch (error) {
    return `${(error as GraphQLError).extensions?.code}: ${(error as Error).message}`;
  }
}

const repeat = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i)).join(" ");

describe("operation limits", () => {
  it("pass every example operation of the explorer and the README's queries", () => {
    expect(EXAMPLE_OPERATIONS.length).toBeGreaterThan(3);
    for (const example of EXAMPLE_OPERATIONS) {
      expect(refusal(example.query, example.variables ?? {}), example.title).toBeNull();
    }
    const readme = readFileSync(path.resolve(import.meta.dirname, "../README.md"), "utf8");
    const queries = [...readme.matchAll(/"query":"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) expect(refusal(query), query).toBeNull();
    // The full catalog, as the README's first curl asks it, and the standard introspection query.
    expect(
      refusal(`{ venues { name slots { title zones { name available price { amount currency } } } } }`),
    ).toBeNull();
    expect(refusal(graphqlCjs.getIntrospectionQuery())).toBeNull();
  });

  it("refuse oversized variables before estimating a cost (100,000 nulls once held the process 74 s)", () => {
    const query = `query Q($status: [BookingStatus!]) { myBookings(status: $status) { edges { cursor } } }`;
    const started = performance.now();
    expect(refusal(query, { status: Array(100_000).fill(null) })).toBe("BAD_USER_INPUT: $status: at most 1000 items");
    expect(
      refusal(`mutation M($input: CreateVenueInput!) { createVenue(input: $input) { id } }`, {
        input: { name: "x", cancellationPolicy: [{ hoursBefore: 1, refundPercent: 10, note: "y".repeat(10_001) }] },
      }),
    ).toBe("BAD_USER_INPUT: $input.cancellationPolicy[0].note: at most 10000 characters");
    expect(performance.now() - started).toBeLessThan(1_000);
    // Within the bounds the usual checks apply.
    expect(refusal(query, { status: ["CONFIRMED", "PENDING"] })).toBeNull();
  });

  it("refuse a chain that returns to the same type (55k objects at depth 6)", () => {
    const chain = `{ slot(id: "s") { zones { slot { zones { slot { zones { id } } } } } } }`;
    expect(refusal(chain)).toMatch(/^OPERATION_TOO_COMPLEX: .*Slot appears more than 2 times/);
    // Twice is fine: a booking's slot, its venue, the venue's other slots.
    expect(refusal(`{ slot(id: "s") { venue { slots { id title } } } }`)).toBeNull();
    // Through fragments too.
    expect(
      refusal(
        `{ slot(id: "s") { ...A } } fragment A on Slot { zones { slot { ...B } } } fragment B on Slot { zones { slot { id } } }`,
      ),
    ).toMatch(/OPERATION_TOO_COMPLEX/);
  });

  it("refuse depth 60, 1,000 aliases, too many directives and huge documents", () => {
    const deep = (n: number) =>
      `{ myBookings { edges { node { ${"notifications { ".repeat(n)} id ${"} ".repeat(n)} } } } }`;
    expect(refusal(deep(60))).toMatch(/^OPERATION_TOO_COMPLEX: .*depth/i);
    expect(refusal(repeat(1_000, (i) => `a${i}: __typename`).replace(/^/, "{ ") + " }")).toMatch(
      /^OPERATION_TOO_COMPLEX/,
    );
    expect(refusal(`{ ${repeat(16, (i) => `a${i}: venues(first: 1) { id }`)} }`)).toMatch(/aliases/i);
    expect(refusal(`{ ${repeat(16, (i) => `a${i}: __typename`)} }`)).toMatch(/aliases/i);
    expect(refusal(`{ venues { id ${repeat(25, () => "@include(if: true)")} } }`)).toMatch(/directives/i);
    expect(refusal(`{ venues { ${"id ".repeat(3_000)} } }`)).toMatch(/^OPERATION_TOO_COMPLEX: .*tokens/);
  });

  it("keep a document's verdict, but never one that variables could change", () => {
    const heavy = `venues(first: 100) { slots { zones { available price { amount } } } }`;
    // The same text twice: the second answer comes from the kept verdict and is the same.
    expect(refusal(`{ ${heavy} }`)).toMatch(/estimated 21100 objects/);
    expect(refusal(`{ ${heavy} }`)).toMatch(/estimated 21100 objects/);
    // Variables that do not fit (a required one missing) give no estimate; that is not kept.
    const unfit = `query($x: Int!) { ${heavy} a: venue(id: "1") { id } }`;
    expect(refusal(unfit, {})).toBeNull(); // Apollo's validation reports the missing variable
    expect(refusal(unfit, { x: 1 })).toMatch(/estimated 21101 objects/);
    // @include(if: $var) changes the cost: estimated per request.
    const optional = `query($all: Boolean!) { venues(first: 100) { slots { zones @include(if: $all) { available price { amount } } } } }`;
    expect(refusal(optional, { all: false })).toBeNull();
    expect(refusal(optional, { all: true })).toMatch(/estimated 21100 objects/);
    expect(refusal(optional, { all: false })).toBeNull();
  });

  it("estimate lists by their first argument, variables included", () => {
    const nested = `query($n: Int!) { venues(first: $n) { slots { zones { available price { amount } } } } }`;
    // n × (1 venue + 10 slots × (1 slot + 10 × (1 zone + 1 price))) objects.
    expect(refusal(nested, { n: 10 })).toBeNull(); // 2,110
    expect(refusal(nested, { n: 100 })).toMatch(/estimated 21100 objects, at most 20000/);
    expect(refusal(`{ myBookings(first: 100) { edges { node { id } } } }`)).toBeNull();
    expect(
      refusal(`{ myBookings(first: 100) { edges { node { zone { slot { zones { slot { id } } } } } } } }`),
    ).toMatch(/OPERATION_TOO_COMPLEX/);
  });

  it("refuse each abuse shape in milliseconds", () => {
    const shapes = [
      `{ ${repeat(1_000, (i) => `a${i}: venues(first: 100) { slots { zones { available } } }`)} }`,
      `{ ${repeat(1_000, () => "a: venues(first: 1) { id }")} }`,
      `{ slot(id: "s") { ${"zones { slot { ".repeat(50)} id ${"} } ".repeat(50)} } }`,
      `{ venues { ${"id ".repeat(50_000)} } }`,
    ];
    for (const shape of shapes) {
      const started = performance.now();
      expect(refusal(shape)).toMatch(/OPERATION_TOO_COMPLEX/);
      expect(performance.now() - started).toBeLessThan(50);
    }
  });

  it("have defaults a client can read in the README", () => {
    expect(DEFAULT_OPERATION_LIMITS).toMatchObject({ maxDepth: 10, maxAliases: 15, maxCost: 20_000 });
  });
});

import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { graphqlCjs } from "../../lib/graphql/graphql-cjs";
import { compileProjection } from "./projection";

const schema = graphqlCjs.buildSchema(
  readFileSync(path.resolve(import.meta.dirname, "../../schema/api.graphql"), "utf8"),
);
const ticket = {
  slotId: "5b0a0000-0000-4000-8000-000000000001",
  number: 7,
  position: 3,
  estimatedWaitSeconds: 18,
  status: "WAITING",
  admittedUntil: null,
};
const executed = (query: string, value: Record<string, unknown>) =>
  graphqlCjs.execute({
    schema,
    document: graphqlCjs.parse(query),
    rootValue: { waitingRoomTicket: value },
    variableValues: { id: "s" },
  });
const projected = (query: string, value: Record<string, unknown>) =>
  compileProjection(schema, graphqlCjs.parse(query))!(value);

describe("local payload projection", () => {
  it("gives what execute gives for scalar and enum selections, aliases and __typename included", () => {
    for (const query of [
      `{ waitingRoomTicket(slotId: "s") { position status estimatedWaitSeconds admittedUntil } }`,
      `query($id: ID!) { t: waitingRoomTicket(slotId: $id) { __typename n: number position p2: position slotId } }`,
    ]) {
      for (const value of [
        ticket,
        { ...ticket, position: 0, status: "ADMITTED", admittedUntil: "2026-12-01T10:00:00.000Z" },
      ]) {
        const result = executed(query, value) as { data: Record<string, unknown>; errors?: unknown };
        expect(result.errors).toBeUndefined();
        expect(JSON.stringify(projected(query, value))).toBe(JSON.stringify(result.data));
      }
    }
  });

  it("leaves to execute what it cannot give the same way", () => {
    const simple = `{ waitingRoomTicket(slotId: "s") { status } }`;
    // A null in a non-null field (execute reports an error) and an enum value the schema lacks.
    expect(projected(simple, { ...ticket, status: null })).toBeNull();
    expect(() => projected(simple, { ...ticket, status: "BOGUS" })).toThrow();
    // Directives, fragments, nested selections and several root fields are not projected.
    for (const query of [
      `{ waitingRoomTicket(slotId: "s") { status @include(if: true) } }`,
      `{ waitingRoomTicket(slotId: "s") { ... on WaitingRoomTicket { status } } }`,
      `{ waitingRoomTicket(slotId: "s") { status } venues { id } }`,
      `{ waitingRoomTicket(slotId: "s") @skip(if: false) { status } }`,
      `{ venues { id slots { id } } }`,
    ]) {
      expect(compileProjection(schema, graphqlCjs.parse(query)), query).toBeNull();
    }
  });
});

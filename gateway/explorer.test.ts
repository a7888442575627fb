import { readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, parse, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { EXAMPLE_OPERATIONS } from "./explorer";

describe("the explorer's example operations", () => {
  const schema = buildSchema(readFileSync(path.resolve(import.meta.dirname, "../schema/api.graphql"), "utf8"));
  it.each(EXAMPLE_OPERATIONS.map((e) => [e.title, e.query]))(
    "%s is valid against schema/api.graphql",
    (_title, query) => {
      expect(validate(schema, parse(query)).map((e) => e.message)).toEqual([]);
    },
  );
});

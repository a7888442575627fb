import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { createErrorFormatter, DomainError } from "./errors";
import { createLogger } from "./logger";

function formatter() {
  const lines: string[] = [];
  return { format: createErrorFormatter(createLogger("info", {}, (line) => lines.push(line))), lines };
}

describe("error formatting", () => {
  it("turns a domain error into its code and details", () => {
    const { format } = formatter();
    const error = new DomainError("INSUFFICIENT_STOCK", "Only 2 seats left", { requested: 3, available: 2 });
    const formatted = format({ message: "x", path: ["reserveSeats"] }, new GraphQLError("x", { originalError: error }));
    expect(formatted).toEqual({
      message: "Only 2 seats left",
      path: ["reserveSeats"],
      locations: undefined,
      extensions: { code: "INSUFFICIENT_STOCK", requested: 3, available: 2 },
    });
  });

  it("masks unexpected errors and logs them", () => {
    const { format, lines } = formatter();
    const leak = new Error('relation "booking.bookings" does not exist at 10.0.0.5:5432');
    const formatted = format(
      { message: leak.message, extensions: { code: "INTERNAL_SERVER_ERROR", stacktrace: ["at x"] } },
      leak,
    );
    expect(formatted).toEqual({
      message: "Internal server error",
      extensions: { code: "INTERNAL_SERVER_ERROR" },
      path: undefined,
    });
    expect(lines.join("\n")).toContain("booking.bookings");
  });

  it("passes request errors through without internals", () => {
    const { format } = formatter();
    const formatted = format(
      {
        message: 'Cannot query field "nope"',
        extensions: { code: "GRAPHQL_VALIDATION_FAILED", stacktrace: ["at y"], serviceName: "booking" },
      },
      new GraphQLError('Cannot query field "nope"'),
    );
    expect(formatted).toEqual({
      message: 'Cannot query field "nope"',
      extensions: { code: "GRAPHQL_VALIDATION_FAILED" },
    });
  });
});

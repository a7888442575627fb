import { GraphQLError } from "graphql";
import { describe, expect, it } from "vitest";
import { createErrorFormatter, DomainError } from "./errors";
import { createLogger } from "../observability/logger";

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

  it("answers SERVICE_UNAVAILABLE when the database connection is lost, and logs the driver error", () => {
    const { format, lines } = formatter();
    const lost = new Error("Failed query: select 1", { cause: new Error("Connection terminated unexpectedly") });
    const refused = Object.assign(new Error("Failed query: insert"), {
      cause: Object.assign(new Error("the database system is shutting down"), { code: "57P03" }),
    });
    for (const error of [lost, refused]) {
      const formatted = format({ message: error.message, extensions: { code: "INTERNAL_SERVER_ERROR" } }, error);
      expect(formatted.extensions).toEqual({ code: "SERVICE_UNAVAILABLE" });
      expect(formatted.message).not.toMatch(/query|terminated|shutting/i);
    }
    expect(lines.join("\n")).toContain("57P03");
    const bug = format(
      { message: "x", extensions: { code: "INTERNAL_SERVER_ERROR" } },
      new TypeError("x is undefined"),
    );
    expect(bug.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR" });
  });
});

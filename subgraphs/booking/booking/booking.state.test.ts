import { describe, expect, it } from "vitest";
import { DomainError } from "../../../lib/errors";
import { BOOKING_STATUSES, type BookingStatus } from "./booking.model";
import { assertTransition, isTerminal } from "./booking.state";

// The diagram in ARCHITECTURE.md §4, written out edge by edge.
const ALLOWED = new Set([
  "PENDING>CONFIRMED",
  "PENDING>CANCELLED",
  "PENDING>EXPIRED",
  "PENDING>FAILED",
  "CONFIRMED>CHECKED_IN",
  "CONFIRMED>COMPLETED",
  "CONFIRMED>NO_SHOW",
  "CONFIRMED>CANCELLED",
  "CHECKED_IN>COMPLETED",
  "CHECKED_IN>CANCELLED",
]);

describe("the booking state machine", () => {
  const pairs = BOOKING_STATUSES.flatMap((from) =>
    BOOKING_STATUSES.map((to) => [from, to] as [BookingStatus, BookingStatus]),
  );

  it.each(pairs)("%s → %s is allowed exactly when the diagram has that edge", (from, to) => {
    if (ALLOWED.has(`${from}>${to}`)) {
      expect(() => assertTransition(from, to)).not.toThrow();
    } else {
      let error: unknown;
      try {
        assertTransition(from, to);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe("INVALID_STATUS");
      expect((error as DomainError).message).toContain(from);
    }
  });

  it("has exactly five terminal states", () => {
    expect(BOOKING_STATUSES.filter(isTerminal).sort()).toEqual([
      "CANCELLED",
      "COMPLETED",
      "EXPIRED",
      "FAILED",
      "NO_SHOW",
    ]);
  });
});

import { describe, expect, it } from "vitest";
import { DomainError } from "../../../lib/core/errors";
import { BOOKING_STATUSES, type BookingStatus } from "./booking.model";
import { BOOKING_ENDING_EVENTS } from "../../../lib/contracts";
import {
  assertTransition,
  CANCELLABLE_STATUSES,
  CHANGEABLE_STATUSES,
  HOLD_EXPIRED,
  isTerminal,
  PAID_STATUSES,
  PAYMENT_FAILED,
  PAYMENT_SUCCEEDED,
  SEATS_FREED_STATUSES,
  TOP_UP_STATUSES,
} from "./booking.state";

// The diagram in README: Booking lifecycle, written out edge by edge.
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

  it("groups the statuses the services, the SQL and the indexes use", () => {
    expect(CANCELLABLE_STATUSES).toEqual(["PENDING", "CONFIRMED", "CHECKED_IN"]);
    expect(CHANGEABLE_STATUSES).toEqual(["PENDING", "CONFIRMED"]);
    expect(CHANGEABLE_STATUSES.every((s) => CANCELLABLE_STATUSES.includes(s))).toBe(true);
    expect(TOP_UP_STATUSES).toEqual(["CONFIRMED"]);
    expect(PAID_STATUSES).toEqual(["CONFIRMED", "CHECKED_IN", "COMPLETED", "NO_SHOW"]);
    // Seats go back exactly for the endings other subgraphs hear about (lib/contracts/events.ts).
    expect([...SEATS_FREED_STATUSES].sort()).toEqual(Object.values(BOOKING_ENDING_EVENTS).sort());
    expect(SEATS_FREED_STATUSES.every(isTerminal)).toBe(true);
  });

  it("names the payment saga's and the sweeper's edges", () => {
    expect([PAYMENT_SUCCEEDED, PAYMENT_FAILED, HOLD_EXPIRED]).toEqual([
      { from: "PENDING", to: "CONFIRMED" },
      { from: "PENDING", to: "FAILED" },
      { from: "PENDING", to: "EXPIRED" },
    ]);
  });
});

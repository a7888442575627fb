import { DomainError } from "../../../lib/errors";
import type { BookingStatus } from "./booking.model";

/**
 * The booking state machine (ARCHITECTURE.md §4), the one place transitions are decided.
 * PENDING holds seats awaiting payment; CONFIRMED is paid; the rest are terminal except CHECKED_IN.
 */
export const TRANSITIONS: Record<BookingStatus, readonly BookingStatus[]> = {
  PENDING: ["CONFIRMED", "CANCELLED", "EXPIRED", "FAILED"],
  CONFIRMED: ["CHECKED_IN", "COMPLETED", "NO_SHOW", "CANCELLED"],
  CHECKED_IN: ["COMPLETED", "CANCELLED"],
  COMPLETED: [],
  CANCELLED: [],
  EXPIRED: [],
  FAILED: [],
  NO_SHOW: [],
};

export const isTerminal = (status: BookingStatus) => TRANSITIONS[status].length === 0;

export const canTransition = (from: BookingStatus, to: BookingStatus) => TRANSITIONS[from].includes(to);

export function assertTransition(from: BookingStatus, to: BookingStatus): void {
  if (!canTransition(from, to)) {
    throw new DomainError("INVALID_STATUS", `A ${from} booking cannot become ${to}`, {
      currentStatus: from,
      requestedStatus: to,
    });
  }
}

import { DomainError } from "../../../lib/core/errors";
import { BOOKING_STATUSES, type BookingStatus } from "./booking.model";

/**
 * The booking state machine (README: Booking lifecycle), the one place transitions are decided and
 * statuses are grouped: services, the repository's SQL and the tables' partial indexes use the
 * exports below, never a status list of their own.
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

/** An edge of the machine, checked when this module loads. */
function transition<From extends BookingStatus, To extends BookingStatus>(from: From, to: To) {
  assertTransition(from, to);
  return { from, to } as const;
}

/** Where every booking starts: reserved, its seats held, awaiting payment until `expiresAt`. */
export const AWAITING_PAYMENT = "PENDING" satisfies BookingStatus;

/** The payment's outcome for a booking awaiting it (the payment saga), and the lapse of an unpaid hold (the sweeper too). */
export const PAYMENT_SUCCEEDED = transition(AWAITING_PAYMENT, "CONFIRMED");
export const PAYMENT_FAILED = transition(AWAITING_PAYMENT, "FAILED");
export const HOLD_EXPIRED = transition(AWAITING_PAYMENT, "EXPIRED");

/** Statuses that can still be cancelled (by the venue's organizer or an admin). */
export const CANCELLABLE_STATUSES: readonly BookingStatus[] = BOOKING_STATUSES.filter((status) =>
  canTransition(status, "CANCELLED"),
);

/**
 * Not used yet and not over: the guest may change quantity and special requests, or cancel
 * (organizers and admins may cancel later too).
 */
export const CHANGEABLE_STATUSES: readonly BookingStatus[] = [AWAITING_PAYMENT, PAYMENT_SUCCEEDED.to];

/** Paid for: everything reached through CONFIRMED but a cancellation. */
export const PAID_STATUSES: readonly BookingStatus[] = ["CONFIRMED", "CHECKED_IN", "COMPLETED", "NO_SHOW"];

/** Over without being used: the seats go back to inventory (and money paid is refunded). */
export const SEATS_FREED_STATUSES: readonly BookingStatus[] = ["CANCELLED", "EXPIRED", "FAILED"];

/** Paid and still changeable: seats added are topped up, seats removed partly refunded. */
export const TOP_UP_STATUSES: readonly BookingStatus[] = CHANGEABLE_STATUSES.filter((status) =>
  PAID_STATUSES.includes(status),
);

export const isAwaitingPayment = (status: BookingStatus) => status === AWAITING_PAYMENT;
export const isCancellable = (status: BookingStatus) => CANCELLABLE_STATUSES.includes(status);
export const isChangeable = (status: BookingStatus) => CHANGEABLE_STATUSES.includes(status);
export const isPaid = (status: BookingStatus) => PAID_STATUSES.includes(status);
export const takesTopUps = (status: BookingStatus) => TOP_UP_STATUSES.includes(status);

import type { Principal } from "../../../lib/core/auth";
import { badInput, DomainError, forbidden, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { Logger } from "../../../lib/observability/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingTransitioned } from "./booking.events";
import type { CancellationMetrics } from "./booking.metrics";
import { CANCELLATION_REASONS, type Booking, type BookingStatus, type CancellationReason } from "./booking.model";
import { quoteCancellation, refundTermsAt, type CancellationQuote } from "./booking.policy";
import type { BookingRepository } from "./booking.repository";
import { createSeatRelease, resizeBookingSeats } from "./booking.seats";
import { assertTransition, isCancellable, isChangeable, isPaid, takesTopUps } from "./booking.state";

export interface CancelBookingInput {
  bookingId: string;
  reason: CancellationReason;
  notes?: string | null;
  expectedVersion?: number | null;
  /** Organizers and admins only: refund everything, whatever the venue's policy says. */
  waiveFee?: boolean | null;
}

const MAX_NOTES = 1000;
const MAX_SPECIAL_REQUESTS = 500;

const conflict = () => new DomainError("CONFLICT", "The booking was modified by another request, please retry");

/** The booking's price for `quantity` seats at the unit price, tax rate and discount it was booked with. */
export function priceFor(booking: Booking, quantity: number): Booking["price"] {
  const unit = booking.price.base / booking.quantity;
  const base = Math.round(unit * quantity);
  const tax = booking.price.base === 0 ? 0 : Math.round((base * booking.price.tax) / booking.price.base);
  const discount = Math.min(booking.price.discount, base + tax);
  return { base, tax, discount, total: base + tax - discount, currency: booking.price.currency };
}

/**
 * Cancellation and the organizer's status changes. Every change goes through the
 * state machine and one statement (booking + history + outbox, optimistic on `version`).
 *
 * Seats come back synchronously, right after the commit, so `Zone.available` shows them at
 * once; a booking whose release did not get through keeps `seats_released_at` empty and the
 * sweeper retries it (held seats also lapse by themselves in inventory).
 */
export function createLifecycleService(deps: {
  bookings: Pick<
    BookingRepository,
    "findById" | "transitionWithOutbox" | "updateWithOutbox" | "listUnreleased" | "markSeatsReleased"
  >;
  inventory: Pick<InventoryClient, "releaseHold" | "resizeHold">;
  metrics: CancellationMetrics;
  logger: Logger;
  /** How long seats added to a paid booking wait for their top-up payment (default 10 minutes). */
  topUpSeconds?: number;
}) {
  const { bookings, inventory, metrics, logger } = deps;
  const topUpMs = (deps.topUpSeconds ?? 600) * 1000;

  async function load(
    principal: Principal | null,
    bookingId: string,
  ): Promise<{ principal: Principal; booking: Booking }> {
    if (!principal) throw unauthenticated();
    const booking = isUuid(bookingId) ? await bookings.findById(bookingId) : null;
    if (!booking) throw notFound("Booking");
    return { principal, booking };
  }

  const isOrganizerOf = (principal: Principal, booking: Booking) =>
    principal.role === "ADMIN" || (principal.role === "ORGANIZER" && booking.organizerId === principal.userId);

  function checkVersion(booking: Booking, expectedVersion?: number | null) {
    if (expectedVersion === undefined || expectedVersion === null) return;
    if (!Number.isInteger(expectedVersion) || expectedVersion < 1)
      throw badInput("expectedVersion must be a positive whole number");
    if (expectedVersion !== booking.version) throw conflict();
  }

  const releaseSeats = createSeatRelease({ bookings, inventory, logger });

  /** Guests cannot cancel within the venue's deadline of the start (organizers and admins can). */
  const deadlinePassed = (booking: Booking, at: Date) =>
    booking.cancellationDeadlineHours !== null &&
    booking.slotStartsAt !== null &&
    at.getTime() > booking.slotStartsAt.getTime() - booking.cancellationDeadlineHours * 3_600_000;

  /** The cancelled booking, and whether this request cancelled it (false: it already was). */
  async function cancel(
    principalOrNull: Principal | null,
    input: CancelBookingInput,
  ): Promise<{ booking: Booking; cancelledNow: boolean }> {
    if (!(CANCELLATION_REASONS as readonly string[]).includes(input.reason))
      throw badInput("Unknown cancellation reason", { field: "reason" });
    const notes = input.notes?.trim() || null;
    if (notes && notes.length > MAX_NOTES)
      throw badInput(`notes must be at most ${MAX_NOTES} characters`, { field: "notes" });
    const { principal, booking } = await load(principalOrNull, input.bookingId);
    const manager = isOrganizerOf(principal, booking);
    if (booking.userId !== principal.userId && !manager)
      throw forbidden("Only the guest, the venue's organizer or an admin may cancel");
    if (input.waiveFee && !manager) throw forbidden("Only the venue's organizer or an admin may waive the fee");
    if (booking.status === "CANCELLED") return { booking, cancelledNow: false }; // idempotent: nothing written
    if (!manager && !isChangeable(booking.status)) {
      throw new DomainError("INVALID_STATUS", `A ${booking.status} booking cannot be cancelled by the guest`, {
        currentStatus: booking.status,
      });
    }
    assertTransition(booking.status, "CANCELLED");
    checkVersion(booking, input.expectedVersion);
    const now = new Date();
    if (!manager && deadlinePassed(booking, now)) {
      throw forbidden(
        `Cancellations close ${booking.cancellationDeadlineHours} hours before the start; please contact the venue`,
      );
    }
    const quote = quoteCancellation(booking, now, Boolean(input.waiveFee));
    const cancelled = await bookings.transitionWithOutbox({
      bookingId: booking.id,
      expectedVersion: booking.version,
      from: booking.status,
      to: "CANCELLED",
      actor: principal.userId,
      reason: input.reason,
      cancellation: {
        reason: input.reason,
        notes,
        by: principal.userId,
        cancellationRefundPercent: quote.refundPercent,
        cancellationRefundMinor: quote.refundMinor,
        cancellationFeeMinor: quote.feeMinor,
        cancellationFeeWaived: quote.feeWaived,
      },
      current: booking,
      event: (next) =>
        bookingTransitioned("booking.cancelled", next, principal.userId, {
          previousStatus: booking.status,
          reason: input.reason,
          notes,
          cancelledBy: principal.userId,
          cancelledByRole: principal.role,
          paymentTaken: quote.paymentTaken,
          refundPercent: quote.refundPercent,
          refundBps: quote.refundBps,
          refundMinor: quote.refundMinor,
          feeMinor: quote.feeMinor,
          feeWaived: quote.feeWaived,
          tierHoursBefore: quote.tierHoursBefore,
        }),
    });
    if (!cancelled) {
      const latest = await bookings.findById(booking.id);
      if (latest?.status === "CANCELLED") return { booking: latest, cancelledNow: false };
      throw conflict();
    }
    await releaseSeats(cancelled.id);
    return { booking: cancelled, cancelledNow: true };
  }

  async function organizerTransition(
    principalOrNull: Principal | null,
    input: { bookingId: string; expectedVersion?: number | null },
    to: BookingStatus,
    eventType: "booking.checked_in" | "booking.completed" | "booking.no_show",
  ): Promise<Booking> {
    const { principal, booking } = await load(principalOrNull, input.bookingId);
    if (!isOrganizerOf(principal, booking)) throw forbidden("Only the venue's organizer or an admin may do this");
    assertTransition(booking.status, to);
    checkVersion(booking, input.expectedVersion);
    const changed = await bookings.transitionWithOutbox({
      bookingId: booking.id,
      expectedVersion: booking.version,
      from: booking.status,
      to,
      actor: principal.userId,
      reason: null,
      current: booking,
      event: (next) => bookingTransitioned(eventType, next, principal.userId, { previousStatus: booking.status }),
    });
    if (!changed) throw conflict();
    return changed;
  }

  return {
    /**
     * What cancelling the booking now would refund (guest, the venue's organizer, admins). The
     * fee is not waived in a quote; `deadlinePassed` says the guest can no longer cancel.
     */
    async cancellationQuote(
      principalOrNull: Principal | null,
      bookingId: string,
    ): Promise<CancellationQuote & { deadlinePassed: boolean }> {
      const { principal, booking } = await load(principalOrNull, bookingId);
      if (booking.userId !== principal.userId && !isOrganizerOf(principal, booking))
        throw forbidden("You may only see your own bookings");
      if (!isCancellable(booking.status)) {
        throw new DomainError("INVALID_STATUS", `A ${booking.status} booking cannot be cancelled`, {
          currentStatus: booking.status,
        });
      }
      const now = new Date();
      return { ...quoteCancellation(booking, now), deadlinePassed: deadlinePassed(booking, now) };
    },

    async cancelBooking(principal: Principal | null, input: CancelBookingInput): Promise<Booking> {
      const stop = metrics.duration.startTimer();
      try {
        const { booking, cancelledNow } = await cancel(principal, input);
        metrics.requests.inc({ status: cancelledNow ? "success" : "already_cancelled" });
        return booking;
      } catch (error) {
        metrics.requests.inc({ status: "error" });
        metrics.errors.inc({ error_type: error instanceof DomainError ? error.code : "INTERNAL_SERVER_ERROR" });
        throw error;
      } finally {
        stop();
      }
    },
    /**
     * updateBooking: quantity and special requests of a PENDING or CONFIRMED booking. More
     * seats are held atomically in inventory first (INSUFFICIENT_STOCK if they cannot be), fewer
     * go back; if the booking row then turns out to have changed meanwhile, the hold is put back.
     * Retrying an update that already went through returns the booking as it is.
     */
    async updateBooking(
      principalOrNull: Principal | null,
      input: { bookingId: string; quantity?: number | null; specialRequests?: string | null; expectedVersion: number },
    ): Promise<Booking> {
      if (!Number.isInteger(input.expectedVersion) || input.expectedVersion < 1) {
        throw badInput("expectedVersion must be a positive whole number", { field: "expectedVersion" });
      }
      if (
        input.quantity !== undefined &&
        input.quantity !== null &&
        (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > 100)
      ) {
        throw badInput("quantity must be a whole number from 1 to 100", { field: "quantity" });
      }
      const requests = input.specialRequests === undefined ? undefined : input.specialRequests?.trim() || null;
      if (requests && requests.length > MAX_SPECIAL_REQUESTS) {
        throw badInput(`specialRequests must be at most ${MAX_SPECIAL_REQUESTS} characters`, {
          field: "specialRequests",
        });
      }
      const { principal, booking } = await load(principalOrNull, input.bookingId);
      if (booking.userId !== principal.userId && principal.role !== "ADMIN")
        throw forbidden("Only the guest or an admin may change a booking");
      const quantity = input.quantity ?? booking.quantity;
      const specialRequests = requests === undefined ? booking.specialRequests : requests;
      const alreadyApplied = booking.quantity === quantity && booking.specialRequests === specialRequests;
      if (booking.version !== input.expectedVersion) {
        if (alreadyApplied && booking.version === input.expectedVersion + 1) return booking; // a retry of this update
        throw conflict();
      }
      if (!isChangeable(booking.status)) {
        throw new DomainError("INVALID_STATUS", `A ${booking.status} booking cannot be changed`, {
          currentStatus: booking.status,
        });
      }
      if (alreadyApplied) return booking;

      // On a paid booking, added seats are held now and confirmed when their top-up is paid
      // (the payment's balance asks for it); seats removed are the unpaid ones first.
      const pendingSeats = takesTopUps(booking.status)
        ? Math.max(0, booking.pendingSeats + quantity - booking.quantity)
        : 0;
      // Of several concurrent updates only one moves the hold (resizeBookingSeats).
      const updated = await resizeBookingSeats({ inventory, logger }, booking, quantity, () =>
        bookings.updateWithOutbox({
          current: booking,
          expectedVersion: booking.version,
          quantity,
          price: priceFor(booking, quantity),
          specialRequests,
          pendingSeats,
          topUpExpiresAt:
            quantity > booking.quantity && takesTopUps(booking.status) ? new Date(Date.now() + topUpMs) : undefined,
          event: (next) =>
            bookingTransitioned("booking.updated", next, principal.userId, {
              previousQuantity: booking.quantity,
              previousPrice: booking.price,
              specialRequests,
              // The share of removed seats' price a paid booking gets back: the venue's tier now.
              refundBps: isPaid(booking.status)
                ? refundTermsAt(booking.cancellationPolicy, booking.slotStartsAt, new Date()).refundPercent * 100
                : 10_000,
            }),
        }),
      );
      if (!updated) throw conflict();
      return updated;
    },

    checkIn: (principal: Principal | null, input: { bookingId: string; expectedVersion?: number | null }) =>
      organizerTransition(principal, input, "CHECKED_IN", "booking.checked_in"),
    complete: (principal: Principal | null, input: { bookingId: string; expectedVersion?: number | null }) =>
      organizerTransition(principal, input, "COMPLETED", "booking.completed"),
    markNoShow: (principal: Principal | null, input: { bookingId: string; expectedVersion?: number | null }) =>
      organizerTransition(principal, input, "NO_SHOW", "booking.no_show"),

    /** Retries giving back the seats of finished bookings whose release did not get through. */
    async releasePendingSeats(limit = 100): Promise<number> {
      const ids = await bookings.listUnreleased(limit);
      for (const id of ids) await releaseSeats(id);
      return ids.length;
    },
  };
}
export type LifecycleService = ReturnType<typeof createLifecycleService>;

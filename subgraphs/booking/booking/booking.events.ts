import type { DomainEvent } from "../../../lib/outbox";
import type { Booking } from "./booking.model";

/** The booking as every consumer sees it in an event payload (dates as ISO strings). */
function snapshot(booking: Booking) {
  return {
    bookingId: booking.id,
    reference: booking.reference,
    userId: booking.userId,
    zoneId: booking.zoneId,
    slotId: booking.slotId,
    venueId: booking.venueId,
    quantity: booking.quantity,
    /** Of `quantity`, seats added to a paid booking whose top-up is not paid yet. */
    pendingSeats: booking.pendingSeats,
    status: booking.status,
    price: booking.price,
    expiresAt: booking.expiresAt?.toISOString() ?? null,
    organizerId: booking.organizerId,
    guestEmail: booking.guestEmail,
    organizerEmail: booking.organizerEmail,
  };
}

const event = (
  eventType: string,
  booking: Booking,
  actor: string | null,
  extra: Record<string, unknown> = {},
): DomainEvent => ({
  eventType,
  aggregateType: "booking",
  aggregateId: booking.id,
  aggregateVersion: booking.version,
  actor,
  payload: { ...snapshot(booking), ...extra },
});

export const bookingReserved = (booking: Booking) => event("booking.reserved", booking, booking.userId);
export const bookingExpired = (booking: Booking) => event("booking.expired", booking, null, { reason: "hold expired" });

/** A status change; `extra` carries what consumers of that change need (reason, payment taken…). */
export const bookingTransitioned = (
  eventType: string,
  booking: Booking,
  actor: string,
  extra: Record<string, unknown>,
) => event(eventType, booking, actor, extra);

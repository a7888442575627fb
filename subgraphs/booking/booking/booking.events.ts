import {
  bookingDomainEvent,
  type BookingEventExtra,
  type BookingEventType,
  type BookingSnapshot,
  type DomainEvent,
} from "../../../lib/contracts";
import type { Booking } from "./booking.model";

/** The booking as every consumer sees it in an event payload (dates as ISO strings). */
function snapshot(booking: Booking): BookingSnapshot {
  return {
    bookingId: booking.id,
    reference: booking.reference,
    userId: booking.userId,
    zoneId: booking.zoneId,
    slotId: booking.slotId,
    venueId: booking.venueId,
    quantity: booking.quantity,
    pendingSeats: booking.pendingSeats,
    status: booking.status,
    price: booking.price,
    expiresAt: booking.expiresAt?.toISOString() ?? null,
    organizerId: booking.organizerId,
    guestEmail: booking.guestEmail,
    organizerEmail: booking.organizerEmail,
  };
}

/** A booking event: the snapshot plus what consumers of that event need (lib/contracts/events.ts). */
const event = <K extends BookingEventType>(
  eventType: K,
  booking: Booking,
  actor: string | null,
  extra: BookingEventExtra<K>,
): DomainEvent => bookingDomainEvent(eventType, booking, actor, { ...snapshot(booking), ...extra });

export const bookingReserved = (booking: Booking) => event("booking.reserved", booking, booking.userId, {});
export const bookingExpired = (booking: Booking) => event("booking.expired", booking, null, { reason: "hold expired" });

/** A status change; `extra` carries what consumers of that change need (reason, payment taken…). */
export const bookingTransitioned = <K extends BookingEventType>(
  eventType: K,
  booking: Booking,
  actor: string,
  extra: BookingEventExtra<K>,
) => event(eventType, booking, actor, extra);

import { LIVE_CHANNELS } from "../../../lib/contracts";
import type { LiveEvents } from "../../../lib/messaging/live";
import type { Booking } from "./booking.model";
import type { BookingRepository } from "./booking.repository";

/**
 * Announces every committed change of a booking to subscribers (`booking:<id>` and
 * `user-bookings:<userId>`). It wraps the repository's writes, so each path that changes a
 * booking (reservation, lifecycle, saga, expiry) announces it, and only after its statement
 * committed.
 */
export function withLiveUpdates(bookings: BookingRepository, live: LiveEvents | undefined): BookingRepository {
  if (!live) return bookings;
  const announce = (booking: Booking | null) => {
    if (!booking) return;
    const message = { bookingId: booking.id };
    void live.publish(LIVE_CHANNELS.booking(booking.id), message);
    void live.publish(LIVE_CHANNELS.userBookings(booking.userId), message);
  };
  return {
    ...bookings,
    async createWithOutbox(...args) {
      const booking = await bookings.createWithOutbox(...args);
      announce(booking);
      return booking;
    },
    async transitionWithOutbox(...args) {
      const booking = await bookings.transitionWithOutbox(...args);
      announce(booking);
      return booking;
    },
    async updateWithOutbox(...args) {
      const booking = await bookings.updateWithOutbox(...args);
      announce(booking);
      return booking;
    },
    async expireDueWithOutbox(...args) {
      const expired = await bookings.expireDueWithOutbox(...args);
      for (const booking of expired) announce(booking);
      return expired;
    },
  };
}

import type { AppDatabase } from "../../lib/storage/db";
import { daysFromNow, demoHoldExpiry, DEMO_IDS as ids, DEMO_USERS } from "../../lib/core/demo";
import { createBookingRepository } from "./booking/booking.repository";

/** Two bookings for the demo guest: a paid one and one awaiting payment. */
export async function seedBookingDemoData(db: AppDatabase): Promise<void> {
  const bookings = createBookingRepository(db);
  const common = {
    userId: DEMO_USERS.guest.userId,
    venueId: ids.theatre,
    specialRequests: null,
    organizerId: DEMO_USERS.organizer.userId,
    guestEmail: DEMO_USERS.guest.email,
    organizerEmail: DEMO_USERS.organizer.email,
    slotStartsAt: daysFromNow(7, 19),
    cancellationDeadlineHours: 24,
  };
  await bookings.insert({
    ...common,
    id: ids.confirmedBooking,
    reference: "BR-20261101-DEMQK5",
    zoneId: ids.stalls,
    slotId: ids.hamletShow,
    quantity: 2,
    status: "CONFIRMED",
    version: 2,
    price: { base: 9_000, tax: 2_070, discount: 0, total: 11_070, currency: "EUR" },
    expiresAt: null,
    createdAt: daysFromNow(-2, 10),
  });
  await bookings.insert({
    ...common,
    id: ids.pendingBooking,
    reference: "BR-20261102-PEND42",
    zoneId: ids.balcony,
    slotId: ids.hamletShow,
    quantity: 1,
    status: "PENDING",
    version: 1,
    price: { base: 2_500, tax: 575, discount: 0, total: 3_075, currency: "EUR" },
    expiresAt: demoHoldExpiry(),
    createdAt: daysFromNow(-1, 10),
  });
}

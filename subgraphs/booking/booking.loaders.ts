import { oneRowPerKey, rowsPerKey } from "../../lib/graphql/loaders";
import type { RequestContext } from "../../lib/graphql/subgraph";
import type { BookingRepository } from "./booking/booking.repository";

/**
 * One request's batch loaders: an `_entities` batch of bookings is one statement, and so are the
 * status histories of a page of bookings. Rows only: who may see a booking is still decided per
 * booking by the booking queries, for the request's caller.
 */
export function createBookingLoaders(bookings: BookingRepository) {
  return {
    booking: oneRowPerKey(bookings.findByIds, (booking) => booking.id),
    // Not kept for the request: its mutations add to a booking's history between two reads.
    statusHistory: rowsPerKey(bookings.statusHistories, (change) => change.bookingId, { cache: false }),
  };
}
export type BookingLoaders = ReturnType<typeof createBookingLoaders>;

/** The request context inside the booking subgraph. */
export type BookingContext = RequestContext<BookingLoaders>;

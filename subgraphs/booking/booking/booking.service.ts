import type { Principal } from "../../../lib/core/auth";
import { forbidden, notFound, unauthenticated, badInput } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import { decodeCursor, encodeCursor, REFERENCE_PATTERN, type Booking, type BookingStatus } from "./booking.model";
import type { BookingRepository } from "./booking.repository";

export interface BookingPage {
  edges: { cursor: string; node: Booking }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const MAX_PAGE_SIZE = 100;

/**
 * Read side of bookings. Who may see a booking is decided here, once: its owner, the venue's
 * organizer and admins.
 * Anyone else gets FORBIDDEN (the id alone reveals nothing: ids are random UUIDs).
 */
export function createBookingQueries(bookings: BookingRepository) {
  function visible(principal: Principal | null, booking: Booking | null): Booking {
    if (!principal) throw unauthenticated();
    if (!booking) throw notFound("Booking");
    const organizer = principal.role === "ORGANIZER" && booking.organizerId === principal.userId;
    if (booking.userId !== principal.userId && principal.role !== "ADMIN" && !organizer) {
      throw forbidden("You may only see your own bookings");
    }
    return booking;
  }

  return {
    /** `find`: where the booking is read from (a request's batch loader); the repository by default. */
    async byId(
      principal: Principal | null,
      id: string,
      find: (id: string) => Promise<Booking | null> = bookings.findById,
    ): Promise<Booking> {
      if (!principal) throw unauthenticated();
      return visible(principal, isUuid(id) ? await find(id) : null);
    },

    async byReference(principal: Principal | null, reference: string): Promise<Booking> {
      if (!principal) throw unauthenticated();
      const normalized = reference.trim().toUpperCase();
      return visible(principal, REFERENCE_PATTERN.test(normalized) ? await bookings.findByReference(normalized) : null);
    },

    async mine(
      principal: Principal | null,
      args: { first: number; after?: string | null; statuses?: BookingStatus[] | null },
    ): Promise<BookingPage> {
      if (!principal) throw unauthenticated();
      if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_PAGE_SIZE) {
        throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}`, { field: "first" });
      }
      const rows = await bookings.listByUser(principal.userId, {
        statuses: args.statuses ?? undefined,
        after: args.after ? decodeCursor(args.after) : undefined,
        limit: args.first + 1,
      });
      const page = rows.slice(0, args.first);
      const edges = page.map((row) => ({ cursor: encodeCursor(row.cursor), node: row.booking }));
      return {
        edges,
        pageInfo: { hasNextPage: rows.length > args.first, endCursor: edges.at(-1)?.cursor ?? null },
      };
    },
  };
}
export type BookingQueries = ReturnType<typeof createBookingQueries>;

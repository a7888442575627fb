import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/db";
import { bookings } from "../booking.tables";
import type { Booking, BookingCursor, BookingStatus } from "./booking.model";

type Row = typeof bookings.$inferSelect;

/** A booking plus its cursor position (the raw, microsecond creation timestamp). */
export interface BookingWithCursor {
  booking: Booking;
  cursor: BookingCursor;
}

const toBooking = (row: Row): Booking => ({
  id: row.id,
  reference: row.reference,
  userId: row.userId,
  zoneId: row.zoneId,
  slotId: row.slotId,
  venueId: row.venueId,
  quantity: row.quantity,
  status: row.status as BookingStatus,
  version: row.version,
  price: {
    base: row.baseMinor,
    tax: row.taxMinor,
    discount: row.discountMinor,
    total: row.totalMinor,
    currency: row.currency,
  },
  specialRequests: row.specialRequests,
  expiresAt: row.expiresAt,
  createdAt: new Date(row.createdAt),
  updatedAt: row.updatedAt,
});

export function createBookingRepository(db: AppDatabase) {
  return {
    async findById(id: string): Promise<Booking | null> {
      const [row] = await db.select().from(bookings).where(eq(bookings.id, id));
      return row ? toBooking(row) : null;
    },

    async findByReference(reference: string): Promise<Booking | null> {
      const [row] = await db.select().from(bookings).where(eq(bookings.reference, reference));
      return row ? toBooking(row) : null;
    },

    /** A user's bookings, newest first, after `after` (keyset pagination on created_at, id). */
    async listByUser(
      userId: string,
      options: { statuses?: BookingStatus[]; after?: BookingCursor; limit: number },
    ): Promise<BookingWithCursor[]> {
      const conditions = [eq(bookings.userId, userId)];
      if (options.statuses?.length) conditions.push(inArray(bookings.status, options.statuses));
      if (options.after) {
        conditions.push(
          sql`(${bookings.createdAt}, ${bookings.id}) < (${options.after.createdAt}::timestamptz, ${options.after.id}::uuid)`,
        );
      }
      const rows = await db
        .select()
        .from(bookings)
        .where(and(...conditions))
        .orderBy(desc(bookings.createdAt), desc(bookings.id))
        .limit(options.limit);
      return rows.map((row) => ({ booking: toBooking(row), cursor: { createdAt: row.createdAt, id: row.id } }));
    },

    async insert(booking: Omit<Booking, "createdAt" | "updatedAt"> & { createdAt?: Date }): Promise<void> {
      await db
        .insert(bookings)
        .values({
          id: booking.id,
          reference: booking.reference,
          userId: booking.userId,
          zoneId: booking.zoneId,
          slotId: booking.slotId,
          venueId: booking.venueId,
          quantity: booking.quantity,
          status: booking.status,
          version: booking.version,
          baseMinor: booking.price.base,
          taxMinor: booking.price.tax,
          discountMinor: booking.price.discount,
          totalMinor: booking.price.total,
          currency: booking.price.currency,
          specialRequests: booking.specialRequests,
          expiresAt: booking.expiresAt,
          ...(booking.createdAt ? { createdAt: booking.createdAt.toISOString() } : {}),
        })
        .onConflictDoNothing();
    },
  };
}
export type BookingRepository = ReturnType<typeof createBookingRepository>;

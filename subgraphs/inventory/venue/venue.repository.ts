import { asc, eq, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/storage/db";
import { venues } from "../inventory.tables";

export const VENUE_KINDS = ["THEATRE", "RESTAURANT", "HOTEL", "OTHER"] as const;
export type VenueKind = (typeof VENUE_KINDS)[number];

/** Cancelled at least `hoursBefore` a slot's start: `refundPercent` of the price comes back. */
export interface RefundTier {
  hoursBefore: number;
  refundPercent: number;
}

export interface Venue {
  id: string;
  name: string;
  kind: VenueKind;
  city: string;
  timezone: string;
  ownerId: string;
  /** Guests cannot cancel within this many hours of a slot's start; null: any time. */
  cancellationDeadlineHours: number | null;
  /** Refund tiers by hours before a slot's start, largest first; empty: everything is refunded. */
  cancellationPolicy: RefundTier[];
  /** Where the venue's notifications go; null: none by e-mail. */
  contactEmail: string | null;
}

const toVenue = (row: typeof venues.$inferSelect): Venue => ({
  id: row.id,
  name: row.name,
  kind: row.kind as VenueKind,
  city: row.city,
  timezone: row.timezone,
  ownerId: row.ownerId,
  cancellationDeadlineHours: row.cancellationDeadlineHours,
  cancellationPolicy: row.cancellationPolicy,
  contactEmail: row.contactEmail,
});

export function createVenueRepository(db: AppDatabase) {
  return {
    async findById(id: string): Promise<Venue | null> {
      const [row] = await db.select().from(venues).where(eq(venues.id, id));
      return row ? toVenue(row) : null;
    },
    async findByIds(ids: string[]): Promise<Venue[]> {
      const rows = await db.select().from(venues).where(inArray(venues.id, ids));
      return rows.map(toVenue);
    },
    async list(limit: number): Promise<Venue[]> {
      const rows = await db.select().from(venues).orderBy(asc(venues.name), asc(venues.id)).limit(limit);
      return rows.map(toVenue);
    },
    async update(id: string, patch: Partial<Omit<Venue, "id">>): Promise<Venue | null> {
      const [row] = await db
        .update(venues)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(venues.id, id))
        .returning();
      return row ? toVenue(row) : null;
    },
    async insert(venue: Venue): Promise<void> {
      await db.insert(venues).values(venue).onConflictDoNothing();
    },
  };
}
export type VenueRepository = ReturnType<typeof createVenueRepository>;

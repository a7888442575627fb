import { asc, eq, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/storage/db";
import { availabilityEvent } from "../inventory.outbox";
import { inventoryOutbox, slots, venues, zones } from "../inventory.tables";

/** A capacity pool inside a slot (stalls, balcony, terrace, double rooms) with one price. */
export interface Zone {
  id: string;
  slotId: string;
  name: string;
  capacity: number;
  priceMinor: number;
  currency: string;
}

const toZone = (row: typeof zones.$inferSelect): Zone => ({
  id: row.id,
  slotId: row.slotId,
  name: row.name,
  capacity: row.capacity,
  priceMinor: row.priceMinor,
  currency: row.currency,
});

/** A zone with the slot facts a reservation needs. */
export interface ZoneContext {
  zoneId: string;
  slotId: string;
  venueId: string;
  priceMinor: number;
  currency: string;
  maxPerUser: number;
  startsAt: Date;
  saleStartsAt: Date | null;
  ownerId: string;
  contactEmail: string | null;
  cancellationDeadlineHours: number | null;
  cancellationPolicy: { hoursBefore: number; refundPercent: number }[];
}

export function createZoneRepository(db: AppDatabase) {
  return {
    async findContext(id: string): Promise<ZoneContext | null> {
      const [row] = await db
        .select({
          zoneId: zones.id,
          slotId: zones.slotId,
          venueId: slots.venueId,
          priceMinor: zones.priceMinor,
          currency: zones.currency,
          maxPerUser: slots.maxPerUser,
          startsAt: slots.startsAt,
          saleStartsAt: slots.saleStartsAt,
          ownerId: venues.ownerId,
          contactEmail: venues.contactEmail,
          cancellationDeadlineHours: venues.cancellationDeadlineHours,
          cancellationPolicy: venues.cancellationPolicy,
        })
        .from(zones)
        .innerJoin(slots, eq(slots.id, zones.slotId))
        .innerJoin(venues, eq(venues.id, slots.venueId))
        .where(eq(zones.id, id));
      return row ?? null;
    },
    async findById(id: string): Promise<Zone | null> {
      const [row] = await db.select().from(zones).where(eq(zones.id, id));
      return row ? toZone(row) : null;
    },
    async findByIds(ids: string[]): Promise<Zone[]> {
      const rows = await db.select().from(zones).where(inArray(zones.id, ids));
      return rows.map(toZone);
    },
    /** The zones of several slots by name (each slot's zones keep that order). */
    async listBySlots(slotIds: string[]): Promise<Zone[]> {
      const rows = await db
        .select()
        .from(zones)
        .where(inArray(zones.slotId, slotIds))
        .orderBy(asc(zones.name), asc(zones.id));
      return rows.map(toZone);
    },
    /**
     * Changes a zone. A new `capacity` changes the seats available: the zone's availability
     * event is written in the same transaction (`actor`: who changed it).
     */
    async update(id: string, patch: Partial<Omit<Zone, "id">>, actor: string | null = null): Promise<Zone | null> {
      const change = (tx: AppDatabase) =>
        tx
          .update(zones)
          .set({ ...patch, updatedAt: sql`now()` })
          .where(eq(zones.id, id))
          .returning();
      if (patch.capacity === undefined) {
        const [row] = await change(db);
        return row ? toZone(row) : null;
      }
      return db.transaction(async (tx) => {
        const [row] = await change(tx);
        if (!row) return null;
        await tx.insert(inventoryOutbox).values(availabilityEvent({ slotId: row.slotId, zoneId: row.id }, actor));
        return toZone(row);
      });
    },
    async insert(zone: Zone): Promise<void> {
      await db.insert(zones).values(zone).onConflictDoNothing();
    },
  };
}
export type ZoneRepository = ReturnType<typeof createZoneRepository>;

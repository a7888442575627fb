import { asc, eq } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/db";
import { zones } from "../inventory.tables";

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

export function createZoneRepository(db: AppDatabase) {
  return {
    async findById(id: string): Promise<Zone | null> {
      const [row] = await db.select().from(zones).where(eq(zones.id, id));
      return row ? toZone(row) : null;
    },
    async listBySlot(slotId: string): Promise<Zone[]> {
      const rows = await db
        .select()
        .from(zones)
        .where(eq(zones.slotId, slotId))
        .orderBy(asc(zones.name), asc(zones.id));
      return rows.map(toZone);
    },
    async insert(zone: Zone): Promise<void> {
      await db.insert(zones).values(zone).onConflictDoNothing();
    },
  };
}
export type ZoneRepository = ReturnType<typeof createZoneRepository>;

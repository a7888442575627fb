import { asc, eq, inArray, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/storage/db";
import { slots } from "../inventory.tables";

/** A show, a sitting or a night: something with a start and an end that has zones to book. */
export interface Slot {
  id: string;
  venueId: string;
  title: string;
  startsAt: Date;
  endsAt: Date;
  maxPerUser: number;
  saleStartsAt: Date | null;
}

const toSlot = (row: typeof slots.$inferSelect): Slot => ({
  id: row.id,
  venueId: row.venueId,
  title: row.title,
  startsAt: row.startsAt,
  endsAt: row.endsAt,
  maxPerUser: row.maxPerUser,
  saleStartsAt: row.saleStartsAt,
});

export function createSlotRepository(db: AppDatabase) {
  return {
    async findById(id: string): Promise<Slot | null> {
      const [row] = await db.select().from(slots).where(eq(slots.id, id));
      return row ? toSlot(row) : null;
    },
    async findByIds(ids: string[]): Promise<Slot[]> {
      const rows = await db.select().from(slots).where(inArray(slots.id, ids));
      return rows.map(toSlot);
    },
    /** The slots of several venues by start time (each venue's slots keep that order). */
    async listByVenues(venueIds: string[]): Promise<Slot[]> {
      const rows = await db
        .select()
        .from(slots)
        .where(inArray(slots.venueId, venueIds))
        .orderBy(asc(slots.startsAt), asc(slots.id));
      return rows.map(toSlot);
    },
    async update(id: string, patch: Partial<Omit<Slot, "id">>): Promise<Slot | null> {
      const [row] = await db
        .update(slots)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(eq(slots.id, id))
        .returning();
      return row ? toSlot(row) : null;
    },
    async insert(slot: Slot): Promise<void> {
      await db.insert(slots).values(slot).onConflictDoNothing();
    },
  };
}
export type SlotRepository = ReturnType<typeof createSlotRepository>;

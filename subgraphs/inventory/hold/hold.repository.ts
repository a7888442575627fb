import { and, eq, gt, inArray, lte, ne, sql } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/storage/db";
import { holds, slots, zones } from "../inventory.tables";
import type { SlotLedger } from "./hold.store";

export interface HoldRow {
  id: string;
  zoneId: string;
  slotId: string;
  userId: string;
  quantity: number;
  status: "HELD" | "SOLD" | "RELEASED";
  expiresAt: Date | null;
}

const toHold = (row: typeof holds.$inferSelect): HoldRow => ({
  id: row.id,
  zoneId: row.zoneId,
  slotId: row.slotId,
  userId: row.userId,
  quantity: row.quantity,
  status: row.status as HoldRow["status"],
  expiresAt: row.expiresAt,
});

/** The durable hold ledger. Status changes are conditional updates, so each happens once. */
export function createHoldRepository(db: AppDatabase) {
  return {
    /**
     * Records a hold. A hold with the same id is left as it is: null when this call recorded it,
     * otherwise the row already there (an idempotent retry, or a release that came first).
     */
    async insert(hold: Omit<HoldRow, "status">): Promise<HoldRow | null> {
      const inserted = await db
        .insert(holds)
        .values({ ...hold, status: "HELD" })
        .onConflictDoNothing()
        .returning({ id: holds.id });
      return inserted.length ? null : this.findById(hold.id);
    },

    /**
     * Records that a hold id is released before any hold with that id was recorded (the booking
     * gave up on a hold call that timed out). A hold request with this id that arrives later
     * finds it and gives its seats back. False if a row with this id exists already.
     */
    async insertReleased(hold: Omit<HoldRow, "status" | "expiresAt">): Promise<boolean> {
      const inserted = await db
        .insert(holds)
        .values({ ...hold, status: "RELEASED", expiresAt: null, releasedAt: sql`now()` })
        .onConflictDoNothing()
        .returning({ id: holds.id });
      return inserted.length > 0;
    },

    async findById(id: string): Promise<HoldRow | null> {
      const [row] = await db.select().from(holds).where(eq(holds.id, id));
      return row ? toHold(row) : null;
    },

    /** Sets an active hold's quantity from `from` to `to`; null if it is not active or not at `from`. */
    async setQuantity(id: string, from: number, to: number): Promise<HoldRow | null> {
      const [row] = await db
        .update(holds)
        .set({ quantity: to })
        .where(and(eq(holds.id, id), eq(holds.quantity, from), ne(holds.status, "RELEASED")))
        .returning();
      return row ? toHold(row) : null;
    },

    /** HELD → SOLD: the seats are paid for and no longer lapse. */
    async markSold(id: string): Promise<HoldRow | null> {
      const [row] = await db
        .update(holds)
        .set({ status: "SOLD", expiresAt: null })
        .where(and(eq(holds.id, id), eq(holds.status, "HELD")))
        .returning();
      return row ? toHold(row) : null;
    },

    /** HELD → RELEASED; returns the hold if this call released it, null if it was not held. */
    async markReleased(id: string): Promise<HoldRow | null> {
      const [row] = await db
        .update(holds)
        .set({ status: "RELEASED", releasedAt: sql`now()` })
        .where(and(eq(holds.id, id), ne(holds.status, "RELEASED")))
        .returning();
      return row ? toHold(row) : null;
    },

    /** Releases up to `limit` holds that lapsed before `before`; each is returned to exactly one caller. */
    async releaseLapsed(before: Date, limit: number): Promise<HoldRow[]> {
      const lapsed = db
        .select({ id: holds.id })
        .from(holds)
        .where(and(eq(holds.status, "HELD"), lte(holds.expiresAt, before)))
        .limit(limit)
        .for("update", { skipLocked: true });
      const rows = await db
        .update(holds)
        .set({ status: "RELEASED", releasedAt: sql`now()` })
        .where(and(inArray(holds.id, lapsed), eq(holds.status, "HELD")))
        .returning();
      return rows.map(toHold);
    },

    /** Capacities and active holds of one slot, as the hold store needs them to rebuild. */
    async slotLedger(slotId: string): Promise<SlotLedger> {
      const zoneRows = await db
        .select({ id: zones.id, capacity: zones.capacity })
        .from(zones)
        .where(eq(zones.slotId, slotId));
      // Active holds, and released ones the store may still count: until their lapse time
      // (tombstones, which have none, for a day: the longest hold a request can ask for).
      const holdRows = await db
        .select()
        .from(holds)
        .where(
          and(
            eq(holds.slotId, slotId),
            sql`(${holds.status} <> 'RELEASED' or coalesce(${holds.expiresAt}, ${holds.releasedAt} + interval '1 day') > now())`,
          ),
        );
      const active = holdRows.filter((h) => h.status !== "RELEASED");
      return {
        slotId,
        zones: zoneRows.map((z) => ({ zoneId: z.id, capacity: z.capacity })),
        released: holdRows.filter((h) => h.status === "RELEASED").map((h) => h.id),
        holds: active.map((h) => ({
          holdId: h.id,
          zoneId: h.zoneId,
          userId: h.userId,
          quantity: h.quantity,
          expiresAt: h.status === "SOLD" ? null : h.expiresAt,
        })),
      };
    },

    /** Slots whose counters matter: not over yet. */
    async activeSlotIds(now: Date): Promise<string[]> {
      const rows = await db.select({ id: slots.id }).from(slots).where(gt(slots.endsAt, now));
      return rows.map((r) => r.id);
    },
  };
}
export type HoldRepository = ReturnType<typeof createHoldRepository>;

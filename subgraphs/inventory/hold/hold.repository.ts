import { and, eq, gt, sql } from "drizzle-orm";
import { queryRows, type AppDatabase } from "../../../lib/storage/db";
import { availabilityEvent, availabilityEventsFrom } from "../inventory.outbox";
import { holds, inventoryOutbox, slots, waitlistEntries, zones } from "../inventory.tables";
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

/** The columns of a hold a statement returns (raw SQL: the CTEs below). */
const HOLD_COLUMNS = sql.raw("id, zone_id, slot_id, user_id, quantity, status, expires_at");
type RawHold = {
  id: string;
  zone_id: string;
  slot_id: string;
  user_id: string;
  quantity: number;
  status: string;
  expires_at: Date | string | null;
};
const fromRaw = (row: RawHold): HoldRow => ({
  id: row.id,
  zoneId: row.zone_id,
  slotId: row.slot_id,
  userId: row.user_id,
  quantity: row.quantity,
  status: row.status as HoldRow["status"],
  expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
});

/** The durable hold ledger. Status changes are conditional updates, so each happens once. */
export function createHoldRepository(db: AppDatabase) {
  return {
    /**
     * Records a hold, with its zone's availability event in the same statement. A hold with the
     * same id is left as it is (and no event written): null when this call recorded it,
     * otherwise the row already there (an idempotent retry, or a release that came first).
     * Written directly: it is the reservation's hot statement.
     */
    async insert(hold: Omit<HoldRow, "status">): Promise<HoldRow | null> {
      const expiresAt = hold.expiresAt?.toISOString() ?? null;
      const inserted = await queryRows<{ id: string }>(
        db,
        sql`with held as (
              insert into ${holds} (id, zone_id, slot_id, user_id, quantity, status, expires_at)
              values (${hold.id}, ${hold.zoneId}, ${hold.slotId}, ${hold.userId}, ${hold.quantity}, 'HELD', ${expiresAt}::timestamptz)
              on conflict do nothing
              returning id, zone_id, slot_id
            ), event as (
              ${availabilityEventsFrom("held", hold.userId)}
            )
            select id from held`,
      );
      return inserted.length ? null : this.findById(hold.id);
    },

    /**
     * Records a hold that took over a waitlist offer (`HoldStore.claim`), in one statement: the
     * offer's hold released, the new hold recorded, the waitlist entry ACCEPTED with the booking
     * (also if the lapse sweep got to it first: the store gave the seats to this hold), and the
     * zone's availability event (seats of the offer the booking did not take are free again).
     * Same answer as `insert`.
     */
    async insertFromOffer(hold: Omit<HoldRow, "status">, offerHoldId: string): Promise<HoldRow | null> {
      const expiresAt = hold.expiresAt?.toISOString() ?? null;
      const inserted = await queryRows<{ id: string }>(
        db,
        sql`with held as (
              insert into ${holds} (id, zone_id, slot_id, user_id, quantity, status, expires_at)
              values (${hold.id}, ${hold.zoneId}, ${hold.slotId}, ${hold.userId}, ${hold.quantity}, 'HELD', ${expiresAt}::timestamptz)
              on conflict do nothing
              returning id, zone_id, slot_id
            ), offer as (
              update ${holds} set status = 'RELEASED', released_at = now()
              where id = ${offerHoldId} and status = 'HELD' and exists (select 1 from held)
              returning id
            ), accepted as (
              update ${waitlistEntries} set status = 'ACCEPTED', booking_id = ${hold.id}, updated_at = now()
              where id = ${offerHoldId} and status in ('OFFERED', 'LAPSED') and exists (select 1 from held)
              returning id
            ), event as (
              ${availabilityEventsFrom("held", hold.userId)}
            )
            select id from held`,
      );
      return inserted.length ? null : this.findById(hold.id);
    },

    /**
     * Records that a hold id is released before any hold with that id was recorded (the booking
     * gave up on a hold call that timed out). A hold request with this id that arrives later
     * finds it and gives its seats back. False if a row with this id exists already.
     * No availability event: the ledger's seats do not change (see `availabilityChanged`).
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

    /**
     * Sets an active hold's quantity from `from` to `to`, with the zone's availability event;
     * null (and no event) if it is not active or not at `from`.
     */
    async setQuantity(id: string, from: number, to: number): Promise<HoldRow | null> {
      const [row] = await queryRows<RawHold>(
        db,
        sql`with changed as (
              update ${holds} set quantity = ${to}
              where id = ${id} and quantity = ${from} and status <> 'RELEASED'
              returning ${HOLD_COLUMNS}
            )${from === to ? sql`` : sql`, event as (${availabilityEventsFrom("changed", null)})`}
            select * from changed`,
      );
      return row ? fromRaw(row) : null;
    },

    /**
     * HELD → SOLD: the seats are paid for and no longer lapse. No availability event: held seats
     * are not available, sold ones neither.
     */
    async markSold(id: string): Promise<HoldRow | null> {
      const [row] = await db
        .update(holds)
        .set({ status: "SOLD", expiresAt: null })
        .where(and(eq(holds.id, id), eq(holds.status, "HELD")))
        .returning();
      return row ? toHold(row) : null;
    },

    /**
     * HELD or SOLD → RELEASED, with the zone's availability event in the same statement; returns
     * the hold if this call released it, null (and no event) if it was released already.
     */
    async markReleased(id: string): Promise<HoldRow | null> {
      const [row] = await queryRows<RawHold>(
        db,
        sql`with released as (
              update ${holds} set status = 'RELEASED', released_at = now()
              where id = ${id} and status <> 'RELEASED'
              returning ${HOLD_COLUMNS}
            ), event as (
              ${availabilityEventsFrom("released", null)}
            )
            select * from released`,
      );
      return row ? fromRaw(row) : null;
    },

    /**
     * Releases up to `limit` holds that lapsed before `before`, with one availability event per
     * zone they were in, in one statement; each hold is returned to exactly one caller.
     */
    async releaseLapsed(before: Date, limit: number): Promise<HoldRow[]> {
      const rows = await queryRows<RawHold>(
        db,
        sql`with lapsed as (
              select id from ${holds}
              where status = 'HELD' and expires_at <= ${before.toISOString()}::timestamptz
              limit ${limit}
              for update skip locked
            ), released as (
              update ${holds} set status = 'RELEASED', released_at = now()
              where id in (select id from lapsed) and status = 'HELD'
              returning ${HOLD_COLUMNS}
            ), event as (
              ${availabilityEventsFrom("released", "system")}
            )
            select * from released`,
      );
      return rows.map(fromRaw);
    },

    /**
     * An availability event on its own, for seats the hold store gave back without a ledger
     * change of this call (the store half of a release that was cut short, or seats taken for a
     * hold request that never reached the ledger). Every ledger change writes its own.
     */
    async availabilityChanged(zone: { slotId: string; zoneId: string }): Promise<void> {
      await db.insert(inventoryOutbox).values(availabilityEvent(zone, null));
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

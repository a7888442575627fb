import { sql, type SQL } from "drizzle-orm";
import { inventoryDomainEvent } from "../../../lib/contracts";
import { outboxRow } from "../../../lib/messaging/outbox";
import { queryRows, type AppDatabase } from "../../../lib/storage/db";
import { availabilityEventsFrom } from "../inventory.outbox";
import { holds, inventoryOutbox, waitlistEntries, zones } from "../inventory.tables";

export const WAITLIST_STATUSES = ["WAITING", "OFFERED", "ACCEPTED", "LAPSED", "LEFT"] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

/** A user's place in a zone's waitlist. The offer's hold id is the entry's id. */
export interface WaitlistEntry {
  id: string;
  zoneId: string;
  slotId: string;
  userId: string;
  email: string | null;
  quantity: number;
  status: WaitlistStatus;
  /** 1 + WAITING entries ahead; null when not waiting (read with the entry, not stored). */
  position: number | null;
  offer: { quantity: number; expiresAt: Date } | null;
  bookingId: string | null;
  createdAt: Date;
}

type RawEntry = {
  id: string;
  zone_id: string;
  slot_id: string;
  user_id: string;
  email: string | null;
  quantity: number;
  status: string;
  offer_quantity: number | null;
  offer_expires_at: Date | string | null;
  booking_id: string | null;
  created_at: Date | string;
  position?: number | null;
};

const fromRaw = (row: RawEntry): WaitlistEntry => ({
  id: row.id,
  zoneId: row.zone_id,
  slotId: row.slot_id,
  userId: row.user_id,
  email: row.email,
  quantity: row.quantity,
  status: row.status as WaitlistStatus,
  position: row.position ?? null,
  offer:
    row.offer_quantity !== null && row.offer_expires_at !== null
      ? { quantity: row.offer_quantity, expiresAt: new Date(row.offer_expires_at) }
      : null,
  bookingId: row.booking_id,
  createdAt: new Date(row.created_at),
});

const COLUMNS = sql.raw(
  "id, zone_id, slot_id, user_id, email, quantity, status, offer_quantity, offer_expires_at, booking_id, created_at, seq",
);
/** `position` of the rows of `source` (a CTE or the table aliased `e`), read in the same statement. */
const positionOf = (alias: string): SQL =>
  sql.raw(`case when ${alias}.status = 'WAITING' then 1 + (select count(*)::int from inventory.waitlist_entries ahead
    where ahead.zone_id = ${alias}.zone_id and ahead.status = 'WAITING' and ahead.seq < ${alias}.seq) end as position`);

/** A zone's live offers (by user) and whether anyone is WAITING there. */
export interface AdmissionSnapshot {
  waiting: boolean;
  offers: Map<string, { holdId: string; quantity: number; expiresAt: Date }>;
}

/** An entry that received an offer, as the offer-maker records it. */
export interface RecordedOffer {
  entry: Pick<WaitlistEntry, "id" | "zoneId" | "slotId" | "userId" | "email" | "quantity">;
  expiresAt: Date;
}

/** The waitlist's rows. Status changes are conditional updates, so each happens once. */
export function createWaitlistRepository(db: AppDatabase) {
  return {
    /**
     * Adds the user to the zone's waitlist, or, if they are in it already, returns that entry
     * (a WAITING entry takes the new quantity and keeps its place; an OFFERED one is unchanged).
     * The `inventory.waitlist_joined` event is written in the same statement.
     */
    async join(entry: {
      zoneId: string;
      slotId: string;
      userId: string;
      email: string | null;
      quantity: number;
    }): Promise<WaitlistEntry> {
      const event = outboxRow(
        inventoryDomainEvent("inventory.waitlist_joined", { id: entry.zoneId, version: 0 }, entry.userId, {
          slotId: entry.slotId,
          zoneId: entry.zoneId,
          entryId: "",
        }),
      );
      const [row] = await queryRows<RawEntry>(
        db,
        sql`with joined as (
              insert into ${waitlistEntries} (zone_id, slot_id, user_id, email, quantity)
              values (${entry.zoneId}, ${entry.slotId}, ${entry.userId}, ${entry.email}, ${entry.quantity})
              on conflict (zone_id, user_id) where status in ('WAITING', 'OFFERED') do update
                set quantity = case when waitlist_entries.status = 'WAITING' then excluded.quantity else waitlist_entries.quantity end,
                    email = coalesce(excluded.email, waitlist_entries.email),
                    updated_at = now()
              returning ${COLUMNS}
            ), event as (
              insert into ${inventoryOutbox} (event_id, event_type, aggregate_type, aggregate_id, aggregate_version, actor, traceparent, payload)
              select gen_random_uuid(), ${event.eventType}, ${event.aggregateType}, ${event.aggregateId}, 0, ${event.actor},
                ${event.traceparent}::text,
                jsonb_build_object('slotId', slot_id::text, 'zoneId', zone_id::text, 'entryId', id::text)
              from joined where status = 'WAITING'
            )
            select j.*, 1 + (select count(*)::int from ${waitlistEntries} ahead
              where ahead.zone_id = j.zone_id and ahead.status = 'WAITING' and ahead.seq < j.seq) as position
            from joined j`,
      );
      const joined = fromRaw(row);
      return joined.status === "WAITING" ? joined : { ...joined, position: null };
    },

    /**
     * The user leaves: their active entry becomes LEFT and, if it held an offer, the offer's
     * hold is released in the same statement (with the zone's availability event, which passes
     * the seats on). Returns the entry and whether its offer hold was released, or null.
     */
    async leave(zoneId: string, userId: string): Promise<{ entry: WaitlistEntry; releasedOffer: boolean } | null> {
      const rows = await queryRows<RawEntry & { released: boolean }>(
        db,
        sql`with active as (
              select id, status from ${waitlistEntries}
              where zone_id = ${zoneId} and user_id = ${userId} and status in ('WAITING', 'OFFERED')
              for update
            ), left_entry as (
              update ${waitlistEntries} e set status = 'LEFT', updated_at = now()
              from active where e.id = active.id and e.status = active.status
              returning e.id, e.zone_id, e.slot_id, e.user_id, e.email, e.quantity, e.status, e.offer_quantity,
                e.offer_expires_at, e.booking_id, e.created_at, e.seq, active.status as was
            ), released as (
              update ${holds} set status = 'RELEASED', released_at = now()
              where id in (select id from left_entry where was = 'OFFERED') and status = 'HELD'
              returning slot_id, zone_id
            ), event as (
              ${availabilityEventsFrom("released", userId)}
            )
            select l.*, exists (select 1 from released) as released from left_entry l`,
      );
      if (!rows.length) return null;
      return { entry: { ...fromRaw(rows[0]), position: null }, releasedOffer: rows[0].released };
    },

    async findActive(zoneId: string, userId: string): Promise<WaitlistEntry | null> {
      const [row] = await queryRows<RawEntry>(
        db,
        sql`select e.*, ${positionOf("e")} from ${waitlistEntries} e
            where e.zone_id = ${zoneId} and e.user_id = ${userId} and e.status in ('WAITING', 'OFFERED')`,
      );
      return row ? fromRaw(row) : null;
    },

    /** The user's entries, newest first (active and finished), with their positions. */
    async listByUser(userId: string, limit = 100): Promise<WaitlistEntry[]> {
      const rows = await queryRows<RawEntry>(
        db,
        sql`select e.*, ${positionOf("e")} from ${waitlistEntries} e
            where e.user_id = ${userId} order by e.created_at desc, e.seq desc limit ${limit}`,
      );
      return rows.map(fromRaw);
    },

    /** Zones with an active entry (WAITING or OFFERED): the ones whose events the offer-maker needs. */
    async zonesWithActiveEntries(): Promise<string[]> {
      const rows = await queryRows<{ zone_id: string }>(
        db,
        sql`select distinct zone_id from ${waitlistEntries} where status in ('WAITING', 'OFFERED')`,
      );
      return rows.map((r) => r.zone_id);
    },

    /** What reservations in the zone need to know (waitlist.gate.ts): its live offers and whether anyone waits. */
    async admissionSnapshot(zoneId: string): Promise<AdmissionSnapshot> {
      const [row] = await queryRows<{
        waiting: boolean;
        offers: { userId: string; holdId: string; quantity: number; expiresAt: string }[];
      }>(
        db,
        sql`select exists (select 1 from ${waitlistEntries} where zone_id = ${zoneId} and status = 'WAITING') as waiting,
              coalesce((select json_agg(json_build_object('userId', user_id, 'holdId', id, 'quantity', offer_quantity,
                'expiresAt', offer_expires_at)) from ${waitlistEntries} where zone_id = ${zoneId} and status = 'OFFERED'),
                '[]'::json) as offers`,
      );
      return {
        waiting: Boolean(row?.waiting),
        offers: new Map(
          (row?.offers ?? []).map((o) => [
            o.userId,
            { holdId: o.holdId, quantity: o.quantity, expiresAt: new Date(o.expiresAt) },
          ]),
        ),
      };
    },

    /** The user's live offer in the zone, and whether anyone is WAITING there: one statement. */
    async admissionOf(
      zoneId: string,
      userId: string,
    ): Promise<{ offer: { holdId: string; quantity: number; expiresAt: Date } | null; waiting: boolean }> {
      const [row] = await queryRows<{
        id: string | null;
        quantity: number | null;
        expires_at: Date | string | null;
        waiting: boolean;
      }>(
        db,
        sql`select o.id, o.offer_quantity as quantity, o.offer_expires_at as expires_at,
              exists (select 1 from ${waitlistEntries} w where w.zone_id = ${zoneId} and w.status = 'WAITING') as waiting
            from (select 1) one
            left join ${waitlistEntries} o on o.zone_id = ${zoneId} and o.user_id = ${userId} and o.status = 'OFFERED'`,
      );
      const offer =
        row?.id && row.quantity !== null && row.expires_at !== null
          ? { holdId: row.id, quantity: row.quantity, expiresAt: new Date(row.expires_at) }
          : null;
      return { offer, waiting: Boolean(row?.waiting) };
    },

    /**
     * Serialises offer-making for one zone until the transaction ends (several consumers, or an
     * event and its repeat, never walk one zone's queue at the same time).
     */
    async lockZone(tx: AppDatabase, zoneId: string): Promise<void> {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`waitlist:${zoneId}`}, 0))`);
    },

    /** Seats of the zone the ledger does not count as held or sold. */
    async ledgerFree(tx: AppDatabase, zoneId: string): Promise<number> {
      const [row] = await queryRows<{ free: number }>(
        tx,
        sql`select z.capacity - coalesce((select sum(h.quantity) from ${holds} h
              where h.zone_id = z.id and h.status <> 'RELEASED'), 0)::int as free
            from ${zones} z where z.id = ${zoneId}`,
      );
      return row?.free ?? 0;
    },

    /** WAITING entries of a zone in queue order. */
    async waiting(tx: AppDatabase, zoneId: string, limit = 1_000): Promise<WaitlistEntry[]> {
      const rows = await queryRows<RawEntry>(
        tx,
        sql`select ${COLUMNS} from ${waitlistEntries}
            where zone_id = ${zoneId} and status = 'WAITING' order by seq limit ${limit}`,
      );
      return rows.map(fromRaw);
    },

    /**
     * Records offers the hold store has taken seats for: each entry WAITING → OFFERED, its hold in
     * the ledger (id = entry id, lapsing with the offer), the zone's availability event and one
     * `inventory.waitlist_offered` event per offer. Entries no longer WAITING are not offered (the
     * caller gives their seats back): their ids are left out of the result.
     */
    async recordOffers(tx: AppDatabase, offers: RecordedOffer[]): Promise<string[]> {
      if (!offers.length) return [];
      const values = sql.join(
        offers.map(
          ({ entry, expiresAt }) =>
            sql`(${entry.id}::uuid, ${entry.quantity}::int, ${expiresAt.toISOString()}::timestamptz)`,
        ),
        sql`, `,
      );
      const rows = await queryRows<{ id: string }>(
        tx,
        sql`with offer (id, quantity, expires_at) as (values ${values}),
            offered as (
              update ${waitlistEntries} e set status = 'OFFERED', offer_quantity = offer.quantity,
                offer_expires_at = offer.expires_at, updated_at = now()
              from offer where e.id = offer.id and e.status = 'WAITING'
              returning e.id, e.zone_id, e.slot_id, e.user_id, offer.quantity, offer.expires_at
            ), held as (
              insert into ${holds} (id, zone_id, slot_id, user_id, quantity, status, expires_at)
              select id, zone_id, slot_id, user_id, quantity, 'HELD', expires_at from offered
              on conflict do nothing
              returning id, zone_id, slot_id
            ), event as (
              ${availabilityEventsFrom("held", "system")}
            )
            select id from held`,
      );
      const recorded = new Set(rows.map((r) => r.id));
      const events = offers
        .filter(({ entry }) => recorded.has(entry.id))
        .map(({ entry, expiresAt }) =>
          outboxRow(
            inventoryDomainEvent("inventory.waitlist_offered", { id: entry.zoneId, version: 0 }, "system", {
              entryId: entry.id,
              userId: entry.userId,
              email: entry.email,
              slotId: entry.slotId,
              zoneId: entry.zoneId,
              quantity: entry.quantity,
              expiresAt: expiresAt.toISOString(),
            }),
          ),
        );
      if (events.length) await tx.insert(inventoryOutbox).values(events);
      return [...recorded];
    },

    /**
     * Offers past their time: OFFERED → LAPSED and their holds released, with the availability
     * events that pass the seats on, in one statement; each is returned to one caller.
     */
    async lapseDue(now: Date, limit = 200): Promise<WaitlistEntry[]> {
      const rows = await queryRows<RawEntry>(
        db,
        sql`with due as (
              select id from ${waitlistEntries}
              where status = 'OFFERED' and offer_expires_at <= ${now.toISOString()}::timestamptz
              order by offer_expires_at limit ${limit}
              for update skip locked
            ), lapsed as (
              update ${waitlistEntries} set status = 'LAPSED', updated_at = now()
              where id in (select id from due) and status = 'OFFERED'
              returning ${COLUMNS}
            ), released as (
              update ${holds} set status = 'RELEASED', released_at = now()
              where id in (select id from lapsed) and status = 'HELD'
              returning slot_id, zone_id
            ), event as (
              ${availabilityEventsFrom("released", "system")}
            )
            select * from lapsed`,
      );
      return rows.map((row) => ({ ...fromRaw(row), position: null }));
    },
  };
}
export type WaitlistRepository = ReturnType<typeof createWaitlistRepository>;

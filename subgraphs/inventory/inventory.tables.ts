import { defineOutboxDeadLetterTable, defineOutboxTable } from "../../lib/messaging/outbox";
import { defineConsumerDeadLetterTable, defineInboxTable } from "../../lib/messaging/inbox";
import { sql } from "drizzle-orm";
import {
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** Everything the inventory subgraph stores lives in the `inventory` Postgres schema. */
export const inventorySchema = pgSchema("inventory");

const timestamps = {
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
};

export const venues = inventorySchema.table(
  "venues",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind").notNull(),
    city: text("city").notNull(),
    timezone: text("timezone").notNull().default("UTC"),
    /** The organizer (user id from the token) who owns the venue. */
    ownerId: text("owner_id").notNull(),
    /** Guests cannot cancel within this many hours of a slot's start; null: any time. */
    cancellationDeadlineHours: integer("cancellation_deadline_hours"),
    /** Refund tiers `[{ hoursBefore, refundPercent }]`, largest hoursBefore first; empty: full refund. */
    cancellationPolicy: jsonb("cancellation_policy")
      .$type<{ hoursBefore: number; refundPercent: number }[]>()
      .notNull()
      .default([]),
    /** Where the venue's notifications go (booking cancellations); null: none by e-mail. */
    contactEmail: text("contact_email"),
    ...timestamps,
  },
  (t) => [
    index("venues_owner_idx").on(t.ownerId),
    check("venues_kind_check", sql`${t.kind} in ('THEATRE', 'RESTAURANT', 'HOTEL', 'OTHER')`),
  ],
);

export const slots = inventorySchema.table(
  "slots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    venueId: uuid("venue_id")
      .notNull()
      .references(() => venues.id),
    title: text("title").notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    maxPerUser: integer("max_per_user").notNull().default(4),
    saleStartsAt: timestamp("sale_starts_at", { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index("slots_venue_starts_idx").on(t.venueId, t.startsAt),
    check("slots_time_check", sql`${t.endsAt} > ${t.startsAt}`),
    check("slots_max_per_user_check", sql`${t.maxPerUser} > 0`),
  ],
);

export const zones = inventorySchema.table(
  "zones",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    slotId: uuid("slot_id")
      .notNull()
      .references(() => slots.id),
    name: text("name").notNull(),
    capacity: integer("capacity").notNull(),
    /** Price of one seat in minor units (cents) of `currency`. */
    priceMinor: integer("price_minor").notNull(),
    currency: text("currency").notNull(),
    ...timestamps,
  },
  (t) => [
    index("zones_slot_idx").on(t.slotId),
    check("zones_capacity_check", sql`${t.capacity} >= 0`),
    check("zones_price_check", sql`${t.priceMinor} >= 0`),
    check("zones_currency_check", sql`${t.currency} ~ '^[A-Z]{3}$'`),
  ],
);

/**
 * The durable ledger of holds: the source of truth the Redis counters are rebuilt from.
 * A hold's id is the id of the booking it belongs to.
 */
export const holds = inventorySchema.table(
  "holds",
  {
    id: uuid("id").primaryKey(),
    zoneId: uuid("zone_id")
      .notNull()
      .references(() => zones.id),
    slotId: uuid("slot_id")
      .notNull()
      .references(() => slots.id),
    userId: text("user_id").notNull(),
    quantity: integer("quantity").notNull(),
    status: text("status").notNull(),
    /** When an unpaid hold lapses; null once sold. */
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    releasedAt: timestamp("released_at", { withTimezone: true }),
  },
  (t) => [
    index("holds_active_slot_idx")
      .on(t.slotId)
      .where(sql`${t.status} <> 'RELEASED'`),
    index("holds_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} = 'HELD'`),
    check("holds_quantity_check", sql`${t.quantity} > 0`),
    check("holds_status_check", sql`${t.status} in ('HELD', 'SOLD', 'RELEASED')`),
  ],
);

/**
 * The per-zone waitlist (README: Waitlist). FIFO by `seq`; one active entry (WAITING or OFFERED)
 * per user and zone. An offer is a real hold in the ledger and the hold store whose id is the
 * entry's id (one offer per entry, so the id is deterministic and a repeated offer is a no-op).
 */
export const waitlistEntries = inventorySchema.table(
  "waitlist_entries",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Queue order: lower first. */
    seq: bigserial("seq", { mode: "number" }).notNull(),
    zoneId: uuid("zone_id")
      .notNull()
      .references(() => zones.id),
    slotId: uuid("slot_id")
      .notNull()
      .references(() => slots.id),
    userId: text("user_id").notNull(),
    /** The e-mail claim of the token the user joined with, for the offer's notification. */
    email: text("email"),
    quantity: integer("quantity").notNull(),
    status: text("status").notNull().default("WAITING"),
    offerQuantity: integer("offer_quantity"),
    offerExpiresAt: timestamp("offer_expires_at", { withTimezone: true }),
    /** The booking that took the offer (ACCEPTED). */
    bookingId: uuid("booking_id"),
    ...timestamps,
  },
  (t) => [
    uniqueIndex("waitlist_entries_active_user_idx")
      .on(t.zoneId, t.userId)
      .where(sql`${t.status} in ('WAITING', 'OFFERED')`),
    index("waitlist_entries_waiting_idx")
      .on(t.zoneId, t.seq)
      .where(sql`${t.status} = 'WAITING'`),
    index("waitlist_entries_offer_expiry_idx")
      .on(t.offerExpiresAt)
      .where(sql`${t.status} = 'OFFERED'`),
    index("waitlist_entries_user_idx").on(t.userId, t.createdAt),
    check("waitlist_entries_quantity_check", sql`${t.quantity} > 0`),
    check("waitlist_entries_status_check", sql`${t.status} in ('WAITING', 'OFFERED', 'ACCEPTED', 'LAPSED', 'LEFT')`),
  ],
);

export const inventoryInbox = defineInboxTable(inventorySchema);
export const inventoryConsumerDeadLetters = defineConsumerDeadLetterTable(inventorySchema);

/** Inventory events for the relay (topic `inventory.events`). */
export const inventoryOutbox = defineOutboxTable(inventorySchema);
export const inventoryOutboxDeadLetters = defineOutboxDeadLetterTable(inventorySchema);

import { sql } from "drizzle-orm";
import { check, index, integer, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/** Everything the booking subgraph stores lives in the `booking` Postgres schema. */
export const bookingSchema = pgSchema("booking");

export const bookings = bookingSchema.table(
  "bookings",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** Human reference, `BR-YYYYMMDD-XXXXXX`. */
    reference: text("reference").notNull(),
    userId: text("user_id").notNull(),
    /** Inventory ids, copied at reservation time (the booking subgraph never reads inventory tables). */
    zoneId: uuid("zone_id").notNull(),
    slotId: uuid("slot_id").notNull(),
    venueId: uuid("venue_id").notNull(),
    quantity: integer("quantity").notNull(),
    status: text("status").notNull(),
    /** Optimistic-locking version; every change increments it. */
    version: integer("version").notNull().default(1),
    baseMinor: integer("base_minor").notNull(),
    taxMinor: integer("tax_minor").notNull(),
    discountMinor: integer("discount_minor").notNull().default(0),
    totalMinor: integer("total_minor").notNull(),
    currency: text("currency").notNull(),
    specialRequests: text("special_requests"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    // Microsecond precision kept as a string: the keyset cursor compares it exactly.
    createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("bookings_reference_key").on(t.reference),
    index("bookings_user_created_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    index("bookings_zone_idx").on(t.zoneId),
    check("bookings_quantity_check", sql`${t.quantity} > 0`),
    check(
      "bookings_status_check",
      sql`${t.status} in ('PENDING','CONFIRMED','CHECKED_IN','COMPLETED','CANCELLED','EXPIRED','FAILED','NO_SHOW')`,
    ),
    check("bookings_total_check", sql`${t.totalMinor} = ${t.baseMinor} + ${t.taxMinor} - ${t.discountMinor}`),
  ],
);

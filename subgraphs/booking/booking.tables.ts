import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { defineConsumerDeadLetterTable, defineInboxTable } from "../../lib/messaging/inbox";
import { defineOutboxDeadLetterTable, defineOutboxTable } from "../../lib/messaging/outbox";
import { BOOKING_STATUSES, type BookingStatus } from "./booking/booking.model";
import { AWAITING_PAYMENT, SEATS_FREED_STATUSES } from "./booking/booking.state";

/** Statuses as SQL literals (`'PENDING','CONFIRMED'`), for DDL and fixed predicates: booking.state.ts decides them. */
export const statusList = (statuses: readonly BookingStatus[]) => sql.raw(statuses.map((s) => `'${s}'`).join(","));

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
    /** Snapshots from inventory at reservation: who runs the venue, when the slot starts, the venue's cancellation policy. */
    organizerId: text("organizer_id"),
    guestEmail: text("guest_email"),
    organizerEmail: text("organizer_email"),
    slotStartsAt: timestamp("slot_starts_at", { withTimezone: true }),
    cancellationDeadlineHours: integer("cancellation_deadline_hours"),
    /** The venue's refund tiers at reservation, `[{ hoursBefore, refundPercent }]`; null: full refund. */
    cancellationPolicy: jsonb("cancellation_policy").$type<{ hoursBefore: number; refundPercent: number }[]>(),
    cancelledAt: timestamp("cancelled_at", { withTimezone: true }),
    cancellationReason: text("cancellation_reason"),
    cancellationNotes: text("cancellation_notes"),
    cancelledBy: text("cancelled_by"),
    /** What the cancellation refunded and kept (minor units), fixed when it happened. */
    cancellationRefundPercent: integer("cancellation_refund_percent"),
    cancellationRefundMinor: integer("cancellation_refund_minor"),
    cancellationFeeMinor: integer("cancellation_fee_minor"),
    cancellationFeeWaived: boolean("cancellation_fee_waived"),
    /**
     * Seats added to a paid booking and not paid yet (part of `quantity`): confirmed when the
     * top-up succeeds, given back when it is declined or `top_up_expires_at` passes.
     */
    pendingSeats: integer("pending_seats").notNull().default(0),
    topUpExpiresAt: timestamp("top_up_expires_at", { withTimezone: true }),
    /** Set once inventory confirmed the seats of a finished booking are back; the sweeper retries until then. */
    seatsReleasedAt: timestamp("seats_released_at", { withTimezone: true }),
    // Microsecond precision kept as a string: the keyset cursor compares it exactly.
    createdAt: timestamp("created_at", { withTimezone: true, mode: "string" }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("bookings_reference_key").on(t.reference),
    index("bookings_user_created_idx").on(t.userId, t.createdAt.desc(), t.id.desc()),
    index("bookings_zone_idx").on(t.zoneId),
    index("bookings_unreleased_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} in (${statusList(SEATS_FREED_STATUSES)}) and ${t.seatsReleasedAt} is null`),
    index("bookings_pending_expiry_idx")
      .on(t.expiresAt)
      .where(sql`${t.status} = ${statusList([AWAITING_PAYMENT])}`),
    check("bookings_quantity_check", sql`${t.quantity} > 0`),
    check("bookings_pending_seats_check", sql`${t.pendingSeats} >= 0 and ${t.pendingSeats} < ${t.quantity}`),
    index("bookings_top_up_expiry_idx")
      .on(t.topUpExpiresAt)
      .where(sql`${t.pendingSeats} > 0`),
    check("bookings_status_check", sql`${t.status} in (${statusList(BOOKING_STATUSES)})`),
    check("bookings_total_check", sql`${t.totalMinor} = ${t.baseMinor} + ${t.taxMinor} - ${t.discountMinor}`),
  ],
);

/** Every status transition, kept for audit (never deleted with the booking). */
export const bookingStatusChanges = bookingSchema.table(
  "booking_status_changes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    bookingId: uuid("booking_id")
      .notNull()
      .references(() => bookings.id),
    fromStatus: text("from_status"),
    toStatus: text("to_status").notNull(),
    actor: text("actor").notNull(),
    reason: text("reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("booking_status_changes_booking_idx").on(t.bookingId, t.id)],
);

/**
 * Idempotency keys, scoped per user and operation (seed 002): the first request claims the key
 * and later ones get the same booking back; a different request under the same key is refused.
 */
export const idempotencyKeys = bookingSchema.table(
  "idempotency_keys",
  {
    userId: text("user_id").notNull(),
    operation: text("operation").notNull(),
    key: text("key").notNull(),
    requestHash: text("request_hash").notNull(),
    bookingId: uuid("booking_id").notNull(),
    completed: boolean("completed").notNull().default(false),
    /** While in progress, others wait; past this instant a crashed claim may be taken over. */
    lockedUntil: timestamp("locked_until", { withTimezone: true }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.operation, t.key] }),
    index("idempotency_keys_expires_idx").on(t.expiresAt),
  ],
);

export const bookingOutbox = defineOutboxTable(bookingSchema);
export const bookingOutboxDeadLetters = defineOutboxDeadLetterTable(bookingSchema);

/** The payment saga's inbox and dead letters (it consumes `payment.events`). */
export const bookingInbox = defineInboxTable(bookingSchema);
export const bookingConsumerDeadLetters = defineConsumerDeadLetterTable(bookingSchema);

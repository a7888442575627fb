import { defineConsumerDeadLetterTable, defineInboxTable } from "../../lib/inbox";
import { defineOutboxDeadLetterTable, defineOutboxTable } from "../../lib/outbox";
import { sql } from "drizzle-orm";
import { check, index, integer, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/** Everything the payment subgraph stores lives in the `payment` Postgres schema. */
export const paymentSchema = pgSchema("payment");

export const payments = paymentSchema.table(
  "payments",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    /** One payment per booking. */
    bookingId: uuid("booking_id").notNull(),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    status: text("status").notNull(),
    provider: text("provider").notNull(),
    providerReference: text("provider_reference"),
    failureReason: text("failure_reason"),
    /** Copied from `booking.reserved`: who may pay, and what payment events tell the notification subgraph. */
    userId: text("user_id"),
    bookingReference: text("booking_reference"),
    guestEmail: text("guest_email"),
    /** The client's key of the `payBooking` that started the charge (a retry with it returns the same payment). */
    idempotencyKey: text("idempotency_key"),
    /** Set when the booking ended without being confirmed (CANCELLED, EXPIRED, FAILED): a success then is refunded. */
    bookingClosedAs: text("booking_closed_as"),
    /** Optimistic-locking version, the aggregate version of payment events. */
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("payments_booking_key").on(t.bookingId),
    uniqueIndex("payments_provider_reference_key").on(t.providerReference),
    check("payments_amount_check", sql`${t.amountMinor} >= 0`),
    check(
      "payments_status_check",
      sql`${t.status} in ('REQUIRES_PAYMENT','PROCESSING','SUCCEEDED','FAILED','REFUND_PENDING','REFUNDED')`,
    ),
  ],
);

export const refunds = paymentSchema.table(
  "refunds",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    /** REQUESTED (not yet accepted by the provider), PENDING (accepted), SUCCEEDED. */
    status: text("status").notNull(),
    reason: text("reason").notNull(),
    providerReference: text("provider_reference"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One refund per payment: the whole amount goes back once.
    uniqueIndex("refunds_payment_key").on(t.paymentId),
    index("refunds_requested_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} = 'REQUESTED'`),
    check("refunds_status_check", sql`${t.status} in ('REQUESTED','PENDING','SUCCEEDED')`),
  ],
);

/** Provider webhook events already processed: the same event delivered again changes nothing. */
export const webhookEvents = paymentSchema.table("webhook_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

export const paymentInbox = defineInboxTable(paymentSchema);
export const paymentConsumerDeadLetters = defineConsumerDeadLetterTable(paymentSchema);

/** Payment events for the relay (topic `payment.events`). */
export const paymentOutbox = defineOutboxTable(paymentSchema);
export const paymentOutboxDeadLetters = defineOutboxDeadLetterTable(paymentSchema);

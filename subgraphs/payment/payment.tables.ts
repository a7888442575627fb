import { defineConsumerDeadLetterTable, defineInboxTable } from "../../lib/messaging/inbox";
import { defineOutboxDeadLetterTable, defineOutboxTable } from "../../lib/messaging/outbox";
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
    /** The booking's total as last seen (`booking.reserved`, then `booking.updated`); kept when the booking ends. */
    amountMinor: integer("amount_minor").notNull(),
    /** The booking version `amount_minor` was taken from: an older `booking.updated` changes nothing. */
    bookingVersion: integer("booking_version").notNull().default(0),
    /** Sum of the succeeded charges. */
    amountPaidMinor: integer("amount_paid_minor").notNull().default(0),
    /** Sum of the refunds opened (REQUESTED, PENDING or SUCCEEDED: an opened refund is never abandoned). */
    amountRefundedMinor: integer("amount_refunded_minor").notNull().default(0),
    /** Fees kept by the venue's policy when seats were removed or the booking cancelled (part of what is due). */
    feeMinor: integer("fee_minor").notNull().default(0),
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
      "payments_ledger_check",
      sql`${t.amountPaidMinor} >= 0 and ${t.amountRefundedMinor} >= 0 and ${t.feeMinor} >= 0 and ${t.amountRefundedMinor} <= ${t.amountPaidMinor}`,
    ),
    check(
      "payments_status_check",
      sql`${t.status} in ('REQUIRES_PAYMENT','PROCESSING','SUCCEEDED','FAILED','REFUND_PENDING','REFUNDED','CANCELLED')`,
    ),
  ],
);

/** One attempt to take money for a payment (the first payment, then top-ups); one in flight at a time. */
export const charges = paymentSchema.table(
  "charges",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    amountMinor: integer("amount_minor").notNull(),
    currency: text("currency").notNull(),
    /** PROCESSING (handed to the provider), SUCCEEDED, FAILED. */
    status: text("status").notNull(),
    /** The client's `payBooking` key: the same key again returns the payment, never a second charge. */
    idempotencyKey: text("idempotency_key").notNull(),
    providerReference: text("provider_reference"),
    failureReason: text("failure_reason"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("charges_payment_idempotency_key").on(t.paymentId, t.idempotencyKey),
    // At most one charge in flight per payment: concurrent payBooking calls get one charge.
    uniqueIndex("charges_processing_key")
      .on(t.paymentId)
      .where(sql`${t.status} = 'PROCESSING'`),
    check("charges_amount_check", sql`${t.amountMinor} > 0`),
    check("charges_status_check", sql`${t.status} in ('PROCESSING','SUCCEEDED','FAILED')`),
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
    /** What the venue's policy kept of the amount this refund is for (amount + fee = the amount released). */
    feeMinor: integer("fee_minor").notNull().default(0),
    currency: text("currency").notNull(),
    /** REQUESTED (not yet accepted by the provider), PENDING (accepted), SUCCEEDED. */
    status: text("status").notNull(),
    reason: text("reason").notNull(),
    /**
     * What opened it, unique per payment (`booking.updated:v<version>`, `booking.cancelled`,
     * `charge:<id>`…): a replay of the same cause opens no second refund. Null for refunds opened
     * before the ledger (one per payment then).
     */
    cause: text("cause"),
    providerReference: text("provider_reference"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Several refunds per payment (seats removed, then the booking cancelled…), one per cause.
    uniqueIndex("refunds_payment_cause_key").on(t.paymentId, t.cause),
    index("refunds_payment_idx").on(t.paymentId),
    index("refunds_requested_idx")
      .on(t.updatedAt)
      .where(sql`${t.status} = 'REQUESTED'`),
    check("refunds_amount_check", sql`${t.amountMinor} >= 0 and ${t.feeMinor} >= 0`),
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

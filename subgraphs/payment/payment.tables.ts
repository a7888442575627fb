import { defineOutboxDeadLetterTable, defineOutboxTable } from "../../lib/outbox";
import { sql } from "drizzle-orm";
import { check, integer, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

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
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("payments_booking_key").on(t.bookingId),
    check("payments_amount_check", sql`${t.amountMinor} >= 0`),
    check(
      "payments_status_check",
      sql`${t.status} in ('REQUIRES_PAYMENT','PROCESSING','SUCCEEDED','FAILED','REFUND_PENDING','REFUNDED')`,
    ),
  ],
);

/** Payment events for the relay (topic `payment.events`). */
export const paymentOutbox = defineOutboxTable(paymentSchema);
export const paymentOutboxDeadLetters = defineOutboxDeadLetterTable(paymentSchema);

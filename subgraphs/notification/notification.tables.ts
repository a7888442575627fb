import { defineOutboxDeadLetterTable, defineOutboxTable } from "../../lib/messaging/outbox";
import { defineConsumerDeadLetterTable, defineInboxTable } from "../../lib/messaging/inbox";
import { sql } from "drizzle-orm";
import { check, index, integer, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

/** Everything the notification subgraph stores lives in the `notification` Postgres schema. */
export const notificationSchema = pgSchema("notification");

export const notifications = notificationSchema.table(
  "notifications",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    bookingId: uuid("booking_id"),
    /** User id of the person notified (guest or venue owner). */
    recipientId: text("recipient_id").notNull(),
    /** The channel's address (an e-mail address), copied from the event; null: none known. */
    recipientAddress: text("recipient_address"),
    channel: text("channel").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    status: text("status").notNull(),
    attempts: integer("attempts").notNull().default(0),
    /** Why the last attempt failed (for operators; never shown to other users). */
    lastError: text("last_error"),
    /** A PENDING notification is (re)sent by the retry loop from this time on. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("notifications_booking_idx").on(t.bookingId, t.createdAt),
    index("notifications_recipient_idx").on(t.recipientId, t.createdAt),
    index("notifications_pending_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'PENDING'`),
    check("notifications_channel_check", sql`${t.channel} in ('EMAIL','SMS','PUSH')`),
    check("notifications_status_check", sql`${t.status} in ('PENDING','SENT','FAILED')`),
  ],
);

export const notificationInbox = defineInboxTable(notificationSchema);
export const notificationConsumerDeadLetters = defineConsumerDeadLetterTable(notificationSchema);

/** Notification events for the relay (topic `notification.events`). */
export const notificationOutbox = defineOutboxTable(notificationSchema);
export const notificationOutboxDeadLetters = defineOutboxDeadLetterTable(notificationSchema);

import { bigserial, integer, jsonb, primaryKey, text, timestamp, uuid, type PgSchema } from "drizzle-orm/pg-core";

/**
 * A consumer's inbox: the ids of events it has applied, written in the same transaction as
 * the side effect, so a redelivered event changes nothing.
 */
export function defineInboxTable(schema: PgSchema) {
  return schema.table(
    "inbox",
    {
      consumer: text("consumer").notNull(),
      eventId: uuid("event_id").notNull(),
      eventType: text("event_type").notNull(),
      processedAt: timestamp("processed_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
  );
}

/** Events a consumer gave up on after bounded retries; listable and replayable. */
export function defineConsumerDeadLetterTable(schema: PgSchema) {
  return schema.table("consumer_dead_letters", {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    consumer: text("consumer").notNull(),
    eventId: uuid("event_id").notNull(),
    eventType: text("event_type").notNull(),
    envelope: jsonb("envelope").notNull(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error"),
    deadAt: timestamp("dead_at", { withTimezone: true }).notNull().defaultNow(),
    /** Set by an operator (`npm run outbox -- consumer-dlq replay`); the consumer then tries again. */
    replayRequestedAt: timestamp("replay_requested_at", { withTimezone: true }),
  });
}

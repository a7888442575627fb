import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, text, timestamp, uuid, type PgSchema } from "drizzle-orm/pg-core";

/**
 * The transactional outbox every subgraph keeps in its own schema (ARCHITECTURE.md §6). Rows
 * are written only inside the business transaction; the relay publishes them.
 */
export function defineOutboxTable(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      eventId: uuid("event_id").notNull().unique(),
      eventType: text("event_type").notNull(),
      aggregateType: text("aggregate_type").notNull(),
      aggregateId: text("aggregate_id").notNull(),
      aggregateVersion: integer("aggregate_version").notNull(),
      actor: text("actor"),
      traceparent: text("traceparent"),
      payload: jsonb("payload").notNull(),
      occurredAt: timestamp("occurred_at", { withTimezone: true, mode: "string" })
        .notNull()
        .default(sql`now()`),
    },
    (t) => [index(`${schema.schemaName}_outbox_aggregate_idx`).on(t.aggregateId, t.id)],
  );
}

/** What a service says happened; the envelope fields are added by `outboxRow`. */
export interface DomainEvent {
  eventType: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  actor: string | null;
  payload: Record<string, unknown>;
  traceparent?: string | null;
}

export function outboxRow(event: DomainEvent) {
  return {
    eventId: randomUUID(),
    eventType: event.eventType,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    actor: event.actor,
    traceparent: event.traceparent ?? null,
    payload: event.payload,
  };
}

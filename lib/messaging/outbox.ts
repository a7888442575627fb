import { randomUUID } from "node:crypto";
import type { DomainEvent } from "../contracts/events";
import { currentTraceparent } from "../observability/tracing";
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { bigint, bigserial, index, integer, jsonb, text, timestamp, uuid, type PgSchema } from "drizzle-orm/pg-core";

/** Aggregates are spread over this many partitions; a relay instance claims whole partitions. */
export const OUTBOX_PARTITIONS = 16;

const envelopeColumns = () => ({
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
});

/**
 * The transactional outbox every subgraph keeps in its own schema (README: Events: the outbox relay). Rows
 * are written only inside the business transaction; the relay publishes them.
 */
export function defineOutboxTable(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      ...envelopeColumns(),
      /** Which relay partition the aggregate belongs to (all events of one aggregate share it). */
      partition: integer("partition")
        .notNull()
        .generatedAlwaysAs(sql`(hashtext(aggregate_id) & 2147483647) % ${sql.raw(String(OUTBOX_PARTITIONS))}`),
      publishedAt: timestamp("published_at", { withTimezone: true }),
      attempts: integer("attempts").notNull().default(0),
      lastError: text("last_error"),
      nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    },
    (t) => [
      index(`${schema.schemaName}_outbox_aggregate_idx`).on(t.aggregateId, t.id),
      index(`${schema.schemaName}_outbox_pending_idx`)
        .on(t.partition, t.id)
        .where(sql`${t.publishedAt} is null`),
      index(`${schema.schemaName}_outbox_published_idx`)
        .on(t.publishedAt)
        .where(sql`${t.publishedAt} is not null`),
    ],
  );
}

/** Events the relay gave up on after repeated failures; an operator lists and replays them. */
export function defineOutboxDeadLetterTable(schema: PgSchema) {
  return schema.table("outbox_dead_letters", {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    outboxId: bigint("outbox_id", { mode: "number" }).notNull(),
    ...envelopeColumns(),
    attempts: integer("attempts").notNull(),
    lastError: text("last_error"),
    deadAt: timestamp("dead_at", { withTimezone: true }).notNull().defaultNow(),
  });
}

/** What a service says happened (lib/contracts/events.ts); the envelope fields are added by `outboxRow`. */
export type { DomainEvent };

export function outboxRow(event: DomainEvent) {
  return {
    eventId: randomUUID(),
    eventType: event.eventType,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    actor: event.actor,
    // The operation that wrote the event: the relay and the consumers continue its trace.
    traceparent: event.traceparent ?? currentTraceparent(),
    payload: event.payload,
  };
}

/**
 * The step of a data-modifying CTE that writes `event` into `outbox` for the row the `source` step
 * returned (nothing when it returned none), with that row's new `version` as the aggregate version.
 */
export function outboxInsertFrom(
  outbox: ReturnType<typeof defineOutboxTable>,
  source: string,
  event: ReturnType<typeof outboxRow>,
): SQL {
  const columns = getTableColumns(outbox);
  const fields = Object.keys(event) as (keyof typeof event)[];
  const values = fields.map((field) =>
    field === "aggregateVersion" ? sql.raw("version") : sql.param(event[field], columns[field]),
  );
  return sql`insert into ${outbox} (${sql.join(
    fields.map((field) => sql.identifier(columns[field].name)),
    sql`, `,
  )}) select ${sql.join(values, sql`, `)} from ${sql.identifier(source)}`;
}

import { sql } from "drizzle-orm";
import { queryRows, type AppDatabase } from "../storage/db";
import { SUBGRAPHS } from "../core/services";

/** Operators' view of one subgraph's outbox: backlog, lag, dead letters. */
export async function outboxStatus(db: AppDatabase, schema: string) {
  const table = sql.raw(`"${schema}".outbox`);
  const dead = sql.raw(`"${schema}".outbox_dead_letters`);
  const [row] = await queryRows<{
    pending: number;
    retrying: number;
    published: number;
    lag_seconds: number | null;
    dead_letters: number;
  }>(
    db,
    sql`select (select count(*)::int from ${table} where published_at is null) as pending,
          (select count(*)::int from ${table} where published_at is null and attempts > 0) as retrying,
          (select count(*)::int from ${table} where published_at is not null) as published,
          (select extract(epoch from now() - min(occurred_at))::float from ${table} where published_at is null) as lag_seconds,
          (select count(*)::int from ${dead}) as dead_letters`,
  );
  return { schema, ...row, lag_seconds: row.lag_seconds ?? 0 };
}

export async function listDeadLetters(db: AppDatabase, schema: string, limit = 100) {
  return queryRows<{
    id: number;
    event_id: string;
    event_type: string;
    aggregate_id: string;
    attempts: number;
    last_error: string | null;
    dead_at: Date;
  }>(
    db,
    sql`select id, event_id, event_type, aggregate_id, attempts, last_error, dead_at
        from ${sql.raw(`"${schema}".outbox_dead_letters`)} order by id limit ${limit}`,
  );
}

/**
 * Puts dead letters back into the outbox (same event id, attempts reset) in one statement; the
 * relay picks them up at once. Returns how many were replayed.
 */
export async function replayDeadLetters(db: AppDatabase, schema: string, which: number | "all"): Promise<number> {
  const dead = sql.raw(`"${schema}".outbox_dead_letters`);
  const filter = which === "all" ? sql`true` : sql`id = ${which}`;
  const rows = await queryRows<{ id: number }>(
    db,
    sql`with moved as (delete from ${dead} where ${filter} returning *)
        insert into ${sql.raw(`"${schema}".outbox`)} (event_id, event_type, aggregate_type, aggregate_id, aggregate_version, actor,
          traceparent, payload, occurred_at)
        select event_id, event_type, aggregate_type, aggregate_id, aggregate_version, actor, traceparent, payload, occurred_at
        from moved order by id
        returning id`,
  );
  return rows.length;
}

/** Schemas whose consumers keep dead letters. */
export const CONSUMER_SCHEMAS = SUBGRAPHS;

export async function listConsumerDeadLetters(db: AppDatabase, schema: string, limit = 100) {
  return queryRows<{
    id: number;
    consumer: string;
    event_id: string;
    event_type: string;
    attempts: number;
    last_error: string | null;
    replay_requested_at: Date | null;
  }>(
    db,
    sql`select id, consumer, event_id, event_type, attempts, last_error, replay_requested_at
        from ${sql.raw(`"${schema}".consumer_dead_letters`)} order by id limit ${limit}`,
  );
}

/** Asks the consumers to try these dead letters again (they pick the request up within seconds). */
export async function requestConsumerReplay(db: AppDatabase, schema: string, which: number | "all"): Promise<number> {
  const filter = which === "all" ? sql`true` : sql`id = ${which}`;
  const rows = await queryRows<{ id: number }>(
    db,
    sql`update ${sql.raw(`"${schema}".consumer_dead_letters`)} set replay_requested_at = now() where ${filter} returning id`,
  );
  return rows.length;
}

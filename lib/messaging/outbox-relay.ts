import { createHash } from "node:crypto";
import { ROOT_CONTEXT } from "@opentelemetry/api";
import { contextFrom, SpanKind, startServiceSpan, tracingEnabled } from "../observability/tracing";
import { sql } from "drizzle-orm";
import { Counter, Gauge, type Registry } from "prom-client";
import { queryRows, type Database, type DatabaseSession } from "../storage/db";
import type { EventEnvelope } from "../contracts/events";
import type { EventPublisher, OutgoingMessage } from "./event-publisher";
import { liveMessagesOf } from "../contracts/live";
import type { LiveEvents } from "./live";
import type { Logger } from "../observability/logger";
import { OUTBOX_PARTITIONS } from "./outbox";

export interface RelayOptions {
  /** The subgraph whose `<schema>.outbox` this relay publishes (also the metrics label). */
  schema: string;
  topic: string;
  database: Database;
  publisher: EventPublisher;
  logger: Logger;
  registry?: Registry;
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives. */
  pollMs?: number;
  maxAttempts?: number;
  /** Published rows are deleted after this long. */
  retentionMs?: number;
  /** Cap on partitions one instance claims (leave room for others). Default: all. */
  maxPartitions?: number;
  /**
   * Where the live messages of published events go (subscriptions, README: Live updates). A row
   * counts as published once Kafka and the live streams both took it, so a push is never lost
   * to a crash; absent: no live updates.
   */
  live?: LiveEvents;
}

interface Row {
  id: number;
  event_id: string;
  event_type: string;
  aggregate_type: string;
  aggregate_id: string;
  aggregate_version: number;
  actor: string | null;
  traceparent: string | null;
  payload: object;
  occurred_at: string;
  attempts: number;
  next_attempt_at: Date | null;
}

/** A stable 32-bit advisory-lock namespace per outbox. */
const lockSpace = (schema: string) => createHash("sha256").update(`outbox:${schema}`).digest().readInt32BE(0);

/** The envelope consumers receive (lib/contracts/events.ts). */
const envelopeOf = (row: Row, traceparent = row.traceparent): EventEnvelope<string, object> => ({
  eventId: row.event_id,
  eventType: row.event_type,
  aggregateType: row.aggregate_type,
  aggregateId: row.aggregate_id,
  aggregateVersion: row.aggregate_version,
  occurredAt: new Date(row.occurred_at).toISOString(),
  actor: row.actor,
  traceparent,
  payload: row.payload,
});

/**
 * The Kafka message of an outbox row. `traceparent`: the relay's publish span (tracing on),
 * which consumers continue; it travels in the envelope (the embedded log has no headers) and
 * as the standard `traceparent` header.
 */
const toMessage = (row: Row, traceparent = row.traceparent): OutgoingMessage => ({
  key: row.aggregate_id,
  value: JSON.stringify(envelopeOf(row, traceparent)),
  headers: traceparent
    ? { event_id: row.event_id, event_type: row.event_type, traceparent }
    : { event_id: row.event_id, event_type: row.event_type },
});

/** A producer span per published event, continuing the trace of the operation that wrote it. */
function publishSpan(row: Row, topic: string): { traceparent: string | null; end(error?: unknown): void } {
  const parent = row.traceparent ? contextFrom({ traceparent: row.traceparent }) : ROOT_CONTEXT;
  const span = startServiceSpan("relay", `publish ${row.event_type}`, {
    parent,
    kind: SpanKind.PRODUCER,
    attributes: {
      "messaging.system": "kafka",
      "messaging.operation.type": "send",
      "messaging.destination.name": topic,
      "messaging.message.id": row.event_id,
      "messaging.kafka.message.key": row.aggregate_id,
    },
  });
  return span ?? { traceparent: row.traceparent, end: () => {} };
}

/**
 * The outbox relay (README: Events: the outbox relay).
 * - Never skips a row: it publishes *unpublished rows* in id order rather than following a
 *   growing-id cursor, so a transaction that commits late is simply picked up later.
 * - Per-aggregate order with several instances: aggregates are hashed into partitions and each
 *   partition is claimed by one instance with a session advisory lock (freed if it dies). Inside a
 *   partition rows go out in id order, and an aggregate whose event is waiting to be retried is
 *   held back entirely, so nothing overtakes it.
 * - Wakes on NOTIFY (sent at commit), batches, retries with exponential backoff; a broker outage
 *   only delays (no attempts are counted); an event Kafka keeps refusing goes to the dead-letter
 *   table after `maxAttempts`.
 */
export function createOutboxRelay(options: RelayOptions) {
  const { schema, topic, database, publisher, logger } = options;
  const db = database.db;
  const batchSize = options.batchSize ?? 500;
  const pollMs = options.pollMs ?? 1_000;
  const maxAttempts = options.maxAttempts ?? 5;
  const retentionMs = options.retentionMs ?? 7 * 86_400_000;
  const table = sql.raw(`"${schema}".outbox`);
  const deadLetters = sql.raw(`"${schema}".outbox_dead_letters`);
  const space = lockSpace(schema);

  const metrics = options.registry ? relayMetrics(options.registry) : null;

  let session: DatabaseSession | null = null;
  const held = new Set<number>();
  let running = false;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let lastClaimAt = 0;
  let lastHousekeepingAt = 0;

  async function claimPartitions(): Promise<number[]> {
    if (!session || (Date.now() - lastClaimAt < 2_000 && held.size)) return [...held];
    lastClaimAt = Date.now();
    const limit = options.maxPartitions ?? OUTBOX_PARTITIONS;
    const order = Array.from({ length: OUTBOX_PARTITIONS }, (_, i) => i).sort(() => Math.random() - 0.5);
    for (const partition of order) {
      if (held.size >= limit) break;
      if (!held.has(partition) && (await session.tryAdvisoryLock(space, partition))) held.add(partition);
    }
    return [...held];
  }

  async function markPublished(ids: number[]) {
    if (ids.length === 0) return;
    await db.execute(sql`update ${table} set published_at = now() where id = any(${`{${ids.join(",")}}`}::bigint[])`);
    metrics?.published.inc({ subgraph: schema, status: "success" }, ids.length);
  }

  async function recordFailure(row: Row, error: unknown) {
    const attempts = row.attempts + 1;
    const message = error instanceof Error ? error.message : String(error);
    metrics?.published.inc({ subgraph: schema, status: "failure" });
    metrics?.retries.inc({ subgraph: schema });
    if (attempts >= maxAttempts) {
      await db.execute(sql`with moved as (delete from ${table} where id = ${row.id} returning *)
        insert into ${deadLetters} (outbox_id, event_id, event_type, aggregate_type, aggregate_id, aggregate_version, actor,
          traceparent, payload, occurred_at, attempts, last_error)
        select id, event_id, event_type, aggregate_type, aggregate_id, aggregate_version, actor, traceparent, payload,
          occurred_at, ${attempts}, ${message} from moved`);
      logger.error("outbox event dead-lettered", { schema, eventId: row.event_id, attempts, error: message });
      return;
    }
    const backoffMs = Math.min(100 * 2 ** attempts, 30_000);
    await db.execute(sql`update ${table} set attempts = ${attempts}, last_error = ${message},
      next_attempt_at = now() + ${`${backoffMs} milliseconds`}::interval where id = ${row.id}`);
  }

  /** Publishes one batch; returns how many rows it handled. Throws on a broker outage. */
  async function publishBatch(): Promise<number> {
    const partitions = await claimPartitions();
    if (partitions.length === 0) return 0;
    const rows = await queryRows<Row>(
      db,
      sql`select id, event_id, event_type, aggregate_type, aggregate_id, aggregate_version, actor, traceparent, payload,
            occurred_at::text as occurred_at, attempts, next_attempt_at
          from ${table}
          where published_at is null and partition = any(${`{${partitions.join(",")}}`}::int[])
          order by id limit ${batchSize}`,
    );
    const now = Date.now();
    const waiting = new Set<string>();
    const ready = rows.filter((row) => {
      if (waiting.has(row.aggregate_id)) return false;
      if (row.next_attempt_at && new Date(row.next_attempt_at).getTime() > now) {
        waiting.add(row.aggregate_id); // its later events wait behind it
        return false;
      }
      return true;
    });
    if (ready.length === 0) return 0;
    const spans = tracingEnabled() ? ready.map((row) => publishSpan(row, topic)) : null;
    let published: Row[];
    try {
      await publisher.publish(
        topic,
        spans ? ready.map((row, i) => toMessage(row, spans[i].traceparent)) : ready.map((row) => toMessage(row)),
      );
      spans?.forEach((span) => span.end());
      published = ready;
    } catch (batchError) {
      spans?.forEach((span) => span.end(batchError));
      await publisher.ping().catch(() => {
        throw batchError; // the broker is away: keep everything, back off as a whole
      });
      // The broker is up but refused something: find it, one event at a time, in order.
      published = [];
      const stopped = new Set<string>();
      for (const row of ready) {
        if (stopped.has(row.aggregate_id)) continue;
        try {
          await publisher.publish(topic, [toMessage(row)]);
          published.push(row);
        } catch (error) {
          stopped.add(row.aggregate_id);
          await recordFailure(row, error);
        }
      }
    }
    // Live messages after Kafka took the events, before they are marked: if the live streams
    // cannot be reached the batch is sent again later (consumers and the streams drop what they
    // already have, by event id).
    if (options.live && published.length) {
      await options.live.append(
        published.map((row) => ({
          eventId: row.event_id,
          eventType: row.event_type,
          traceparent: row.traceparent,
          deliveries: liveMessagesOf(envelopeOf(row)),
        })),
      );
    }
    await markPublished(published.map((r) => r.id));
    return ready.length;
  }

  async function housekeeping() {
    if (Date.now() - lastHousekeepingAt < 5_000) return;
    lastHousekeepingAt = Date.now();
    await db.execute(sql`delete from ${table} where id in (
      select id from ${table} where published_at < now() - ${`${retentionMs} milliseconds`}::interval limit 5000)`);
    if (metrics) {
      const [stats] = await queryRows<{ size: number; lag: number | null; dlq: number }>(
        db,
        sql`select (select count(*)::int from ${table} where published_at is null) as size,
              (select extract(epoch from now() - min(occurred_at))::float from ${table} where published_at is null) as lag,
              (select count(*)::int from ${deadLetters}) as dlq`,
      );
      metrics.size.set({ subgraph: schema }, stats.size);
      metrics.lag.set({ subgraph: schema }, stats.lag ?? 0);
      metrics.dlq.set({ subgraph: schema }, stats.dlq);
    }
  }

  /**
   * The session holds the partition locks and the LISTEN. If its connection died (a database
   * restart or network cut), the locks went with it: forget them and open a new session, so
   * another instance's claims are respected and NOTIFY wake-ups resume.
   */
  async function ensureSession() {
    if (session?.alive) return;
    if (session) logger.warn("outbox relay lost its database session; reopening", { schema });
    held.clear();
    await session?.close().catch(() => {});
    session = null;
    const opened = await database.openSession();
    await opened.listen(`${schema}_outbox`, () => wake?.());
    session = opened;
  }

  async function run() {
    let backoff = 0;
    while (running) {
      let handled = 0;
      try {
        await ensureSession();
        handled = await publishBatch();
        await housekeeping();
        backoff = 0;
      } catch (error) {
        backoff = Math.min(Math.max(backoff * 2, 100), 30_000);
        logger.warn("outbox relay backing off", {
          schema,
          backoffMs: backoff,
          error: error instanceof Error ? error.message : String(error),
        });
        await sleep(backoff);
        continue;
      }
      if (handled >= batchSize) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  }

  return {
    async start() {
      await ensureSession();
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await session?.close().catch(() => {});
      session = null;
      held.clear();
    },
    /** Partitions this instance holds (for tests and status). */
    partitions: () => [...held],
  };
}
export type OutboxRelay = ReturnType<typeof createOutboxRelay>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const registered = new WeakMap<Registry, ReturnType<typeof createRelayMetrics>>();

/** One set of metrics per registry, shared by the relays of every outbox (labelled by subgraph). */
function relayMetrics(registry: Registry) {
  let metrics = registered.get(registry);
  if (!metrics) {
    metrics = createRelayMetrics(registry);
    registered.set(registry, metrics);
  }
  return metrics;
}

function createRelayMetrics(registry: Registry) {
  return {
    published: new Counter({
      name: "booking_outbox_events_published_total",
      help: "Outbox events published, by outcome",
      labelNames: ["subgraph", "status"],
      registers: [registry],
    }),
    retries: new Counter({
      name: "booking_outbox_retry_count",
      help: "Outbox publish retries",
      labelNames: ["subgraph"],
      registers: [registry],
    }),
    size: new Gauge({
      name: "booking_outbox_size",
      help: "Unpublished outbox rows",
      labelNames: ["subgraph"],
      registers: [registry],
    }),
    lag: new Gauge({
      name: "booking_outbox_processing_lag_seconds",
      help: "Age of the oldest unpublished event",
      labelNames: ["subgraph"],
      registers: [registry],
    }),
    dlq: new Gauge({
      name: "booking_outbox_dlq_size",
      help: "Events in the outbox dead-letter table",
      labelNames: ["subgraph"],
      registers: [registry],
    }),
  };
}

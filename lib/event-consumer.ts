import { sql } from "drizzle-orm";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { queryRows, type AppDatabase } from "./db";
import type { MemoryEventLog } from "./event-publisher";
import { DomainError, isBackendUnavailable } from "./errors";
import type { Logger } from "./logger";

/** The event envelope (ARCHITECTURE.md §6) as consumers receive it. */
export interface EventEnvelope {
  eventId: string;
  eventType: string;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: string;
  actor: string | null;
  traceparent: string | null;
  payload: Record<string, unknown>;
}

/** Delivers a topic's events to a handler, one at a time, at least once. */
export interface EventSource {
  subscribe(topic: string, group: string, handler: (event: EventEnvelope) => Promise<void>): Promise<Subscription>;
}

export interface Subscription {
  /** Messages on the topic the group has not consumed yet (committed offset to the log's end). */
  lag(): Promise<number>;
  stop(): Promise<void>;
}

/** Kafka consumer groups: the offset is committed after the handler resolved. */
export function createKafkaEventSource(brokers: string[], prefix = ""): EventSource {
  const kafka = new Kafka({ clientId: "booking-platform-consumer", brokers, logLevel: logLevel.NOTHING });
  return {
    async subscribe(topic, group, handler) {
      // Subscribing to a topic nobody created yet fails; make sure it exists (same layout as the relay's).
      const admin = kafka.admin();
      await admin.connect();
      await admin
        .createTopics({
          topics: [{ topic: prefix + topic, numPartitions: 6, replicationFactor: 1 }],
          waitForLeaders: true,
        })
        .catch(() => {});
      await admin.disconnect();
      const consumer: Consumer = kafka.consumer({ groupId: prefix + group });
      await consumer.connect();
      await consumer.subscribe({ topic: prefix + topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => handler(JSON.parse(message.value!.toString()) as EventEnvelope),
      });
      const lagAdmin = kafka.admin();
      let lagAdminConnected: Promise<void> | null = null;
      return {
        async lag() {
          lagAdminConnected ??= lagAdmin.connect();
          await lagAdminConnected;
          const [committed, ends] = await Promise.all([
            lagAdmin.fetchOffsets({ groupId: prefix + group, topics: [prefix + topic] }),
            lagAdmin.fetchTopicOffsets(prefix + topic),
          ]);
          const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
          let lag = 0;
          for (const end of ends) {
            const at = done.get(end.partition) ?? -1;
            // -1: nothing committed yet, so the group starts from the beginning of the log.
            lag += Math.max(0, Number(end.high) - (at < 0 ? Number(end.low) : at));
          }
          return lag;
        },
        async stop() {
          await consumer.disconnect();
          if (lagAdminConnected) await lagAdmin.disconnect().catch(() => {});
        },
      };
    },
  };
}

/** The embedded log: handlers run in order, one event after the other. */
export function createMemoryEventSource(log: MemoryEventLog): EventSource {
  return {
    async subscribe(topic, _group, handler) {
      let chain = Promise.resolve();
      let pending = 0;
      const enqueue = (value: string) => {
        pending++;
        chain = chain
          .then(() => handler(JSON.parse(value)))
          .catch(() => {})
          .finally(() => pending--);
      };
      for (const message of log.topics.get(topic) ?? []) enqueue(message.value);
      const unsubscribe = log.subscribe(topic, (message) => enqueue(message.value));
      return {
        lag: async () => pending,
        async stop() {
          unsubscribe();
          await chain;
        },
      };
    },
  };
}

export interface InboxConsumerOptions {
  /** Consumer name: inbox scope and Kafka group. */
  name: string;
  /** The Postgres schema holding this consumer's `inbox` and `consumer_dead_letters`. */
  schema: string;
  db: AppDatabase;
  logger: Logger;
  maxAttempts?: number;
  /**
   * The side effect, inside the transaction that records the event in the inbox (use `tx` for
   * every write). Effects that are idempotent by themselves and use other connections set
   * `idempotentEffect` instead: they run first and the inbox is written after.
   */
  apply?(tx: AppDatabase, event: EventEnvelope): Promise<void>;
  idempotentEffect?(event: EventEnvelope): Promise<void>;
  /** Runs after the transaction committed (deliveries that must not happen for a rolled-back effect). */
  afterCommit?(event: EventEnvelope): Promise<void>;
  registry?: Registry;
}

const consumerMetrics = new WeakMap<
  Registry,
  { processed: Counter<"consumer" | "outcome">; age: Histogram<"consumer">; lag: Gauge<"consumer" | "topic"> }
>();

/** Processed/duplicate/failed counts and how old events are when applied (consumer lag in time). */
function metricsFor(registry: Registry) {
  let metrics = consumerMetrics.get(registry);
  if (!metrics) {
    metrics = {
      processed: new Counter({
        name: "booking_consumer_events_total",
        help: "Events handled by consumers, by outcome (applied, duplicate, retried, dead_lettered)",
        labelNames: ["consumer", "outcome"],
        registers: [registry],
      }),
      age: new Histogram({
        name: "booking_consumer_event_age_seconds",
        help: "Time from an event's commit to its side effect",
        labelNames: ["consumer"],
        buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
      lag: new Gauge({
        name: "booking_consumer_lag_messages",
        help: "Messages on the topic the consumer group has not consumed yet (log end minus committed offset)",
        labelNames: ["consumer", "topic"],
        registers: [registry],
      }),
    };
    consumerMetrics.set(registry, metrics);
  }
  return metrics;
}

/**
 * Applies each event exactly once (inbox), retrying a failing one with backoff and moving it to
 * the consumer's dead-letter table after `maxAttempts`, so one bad event never blocks the rest.
 */
export function createInboxConsumer(options: InboxConsumerOptions) {
  const { name, db, logger } = options;
  const inbox = sql.raw(`"${options.schema}".inbox`);
  const deadLetters = sql.raw(`"${options.schema}".consumer_dead_letters`);
  const maxAttempts = options.maxAttempts ?? 5;
  const metrics = options.registry ? metricsFor(options.registry) : null;

  async function applyOnce(event: EventEnvelope): Promise<boolean> {
    if (options.idempotentEffect) {
      const seen = await queryRows(
        db,
        sql`select 1 as seen from ${inbox} where consumer = ${name} and event_id = ${event.eventId}`,
      );
      if (seen.length) return false;
      await options.idempotentEffect(event);
      await db.execute(
        sql`insert into ${inbox} (consumer, event_id, event_type) values (${name}, ${event.eventId}, ${event.eventType}) on conflict do nothing`,
      );
      return true;
    }
    return db.transaction(async (tx) => {
      const inserted = await queryRows(
        tx as unknown as AppDatabase,
        sql`insert into ${inbox} (consumer, event_id, event_type) values (${name}, ${event.eventId}, ${event.eventType})
            on conflict do nothing returning event_id`,
      );
      if (inserted.length === 0) return false;
      await options.apply?.(tx as unknown as AppDatabase, event);
      return true;
    });
  }

  async function handle(event: EventEnvelope): Promise<void> {
    let unavailableFor = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await applyOnce(event);
        if (applied) await options.afterCommit?.(event);
        metrics?.processed.inc({ consumer: name, outcome: applied ? "applied" : "duplicate" });
        if (applied) metrics?.age.observe({ consumer: name }, (Date.now() - Date.parse(event.occurredAt)) / 1000);
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // The database (or a service the effect calls) is away: the event is not at fault, so
        // the attempt does not count; wait for the backend to come back, with capped backoff.
        if (isBackendUnavailable(error) || (error instanceof DomainError && error.code === "SERVICE_UNAVAILABLE")) {
          attempt--;
          unavailableFor = Math.min(Math.max(unavailableFor * 2, 200), 5_000);
          if (unavailableFor >= 5_000)
            logger.warn("consumer waiting for its backend", { consumer: name, error: message });
          await new Promise((resolve) => setTimeout(resolve, unavailableFor));
          continue;
        }
        if (attempt >= maxAttempts) {
          await db.execute(sql`insert into ${deadLetters} (consumer, event_id, event_type, envelope, attempts, last_error)
              values (${name}, ${event.eventId}, ${event.eventType}, ${JSON.stringify(event)}::jsonb, ${attempt}, ${message})`);
          logger.error("event dead-lettered by consumer", { consumer: name, eventId: event.eventId, error: message });
          metrics?.processed.inc({ consumer: name, outcome: "dead_lettered" });
          return;
        }
        metrics?.processed.inc({ consumer: name, outcome: "retried" });
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 5_000)));
      }
    }
  }

  return {
    name,
    handle,
    metrics,

    /**
     * Retries the dead letters an operator asked to replay (the cause was fixed); one that still
     * fails comes back as a new dead letter.
     */
    async replayRequested(): Promise<number> {
      const rows = await queryRows<{ id: number; envelope: EventEnvelope }>(
        db,
        sql`select id, envelope from ${deadLetters} where consumer = ${name} and replay_requested_at is not null order by id limit 100`,
      );
      for (const row of rows) {
        // Handled first, deleted after: a crash in between only replays it again (the inbox makes that a no-op).
        await handle(row.envelope);
        await db.execute(sql`delete from ${deadLetters} where id = ${row.id}`);
      }
      return rows.length;
    },
  };
}

export type InboxConsumer = ReturnType<typeof createInboxConsumer>;

/**
 * Runs a consumer: subscribes it to `topic` (its name is the consumer group) and retries the
 * dead letters an operator asked to replay (`npm run outbox -- consumer-dlq replay`). Without an
 * event source (a subgraph started without a broker) only the replays run.
 */
export async function runConsumer(
  events: EventSource | undefined,
  topic: string,
  consumer: InboxConsumer,
  options: { lagIntervalMs?: number } = {},
) {
  const subscription = await events?.subscribe(topic, consumer.name, consumer.handle);
  const replays = setInterval(() => void consumer.replayRequested().catch(() => {}), 2_000);
  replays.unref();
  // Offset lag, measured from the broker's side, so a stuck consumer shows too (not only slow events).
  const measureLag = async () => {
    if (!subscription || !consumer.metrics) return;
    consumer.metrics.lag.set({ consumer: consumer.name, topic }, await subscription.lag());
  };
  const lagTimer = setInterval(() => void measureLag().catch(() => {}), options.lagIntervalMs ?? 5_000);
  lagTimer.unref();
  return {
    async stop() {
      clearInterval(replays);
      clearInterval(lagTimer);
      await subscription?.stop();
    },
  };
}

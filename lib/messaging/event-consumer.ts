import { sql } from "drizzle-orm";
import { contextFrom, linkTo, SpanKind, tracingEnabled, withServiceSpan } from "../observability/tracing";
import { Kafka, logLevel, type Consumer } from "kafkajs";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { queryRows, type AppDatabase } from "../storage/db";
import type { MemoryEventLog } from "./event-publisher";
import { DomainError, isBackendUnavailable } from "../core/errors";
import type { Logger } from "../observability/logger";
import type { EventEnvelope } from "../contracts/events";

/** The event envelope (README: Events: the outbox relay) as consumers receive it: lib/contracts/events.ts. */
export type { EventEnvelope };

/** How far a batch handler got: what the source may commit, and whether it still wants the rest. */
export interface BatchProgress {
  /**
   * The batch's first `count` events are done for good (applied, duplicate, skipped or
   * dead-lettered): their offsets may be committed. Call it in order, with growing counts.
   */
  done(count: number): Promise<void>;
  /** Tells the broker the consumer is alive during a long wait (a database outage). */
  heartbeat(): Promise<void>;
  /** False once the source stops or lost the partition: return; events not done are delivered again. */
  isRunning(): boolean;
}

/** Events of one partition, in log order. Throwing gives the events not done back to the source. */
export type BatchHandler = (events: EventEnvelope[], progress: BatchProgress) => Promise<void>;

/** Delivers a topic's events to a handler, in order per partition, at least once. */
export interface EventSource {
  /**
   * In batches: what one fetch returned for a partition (Kafka), or what was published together
   * (embedded). The offset of an event is committed once the handler reported it done.
   */
  subscribeBatches(topic: string, group: string, handler: BatchHandler): Promise<Subscription>;
}

export interface Subscription {
  /** Messages on the topic the group has not consumed yet (committed offset to the log's end). */
  lag(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Kafka consumer groups, read with `eachBatch`: the handler gets a partition's fetched messages
 * at once and resolves offsets as it finishes them; kafkajs commits the resolved offsets after
 * the batch (and before it gives a failed batch back), so a crash redelivers only what was not done.
 */
export function createKafkaEventSource(brokers: string[], prefix = ""): EventSource {
  const kafka = new Kafka({ clientId: "booking-platform-consumer", brokers, logLevel: logLevel.NOTHING });
  return {
    async subscribeBatches(topic, group, handler) {
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
      for (let attempt = 1; ; attempt++) {
        try {
          await consumer.subscribe({ topic: prefix + topic, fromBeginning: true });
          break;
        } catch (error) {
          // Another process created the topic a moment ago (ours then failed as a duplicate) and
          // the broker's metadata does not list it yet: UNKNOWN_TOPIC_OR_PARTITION, retriable.
          // Seen when all services start at once; it settles within a second or two.
          if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
        }
      }
      await consumer.run({
        eachBatchAutoResolve: false,
        eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
          const events: EventEnvelope[] = [];
          let unreadable: unknown = null;
          for (const message of batch.messages) {
            try {
              events.push(JSON.parse(message.value!.toString()) as EventEnvelope);
            } catch (error) {
              unreadable = error;
              break;
            }
          }
          const running = () => isRunning() && !isStale();
          await handler(events, {
            async done(count) {
              if (count <= 0) return;
              resolveOffset(batch.messages[count - 1].offset);
              await heartbeat();
              await commitOffsetsIfNecessary();
            },
            heartbeat,
            isRunning: running,
          });
          // A message that is not an event stops the partition, as it did one message at a time.
          if (unreadable && running()) throw unreadable;
        },
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

/**
 * The embedded log: one handler call at a time, in order. Messages published together (a relay
 * batch) and those that arrived while the handler was busy are handed over as one batch. A
 * handler that throws loses the event it failed on (there is no broker to redeliver it); the
 * rest of the batch is delivered again.
 */
export function createMemoryEventSource(log: MemoryEventLog): EventSource {
  return {
    async subscribeBatches(topic, _group, handler) {
      const waiting: string[] = [];
      let pending = 0;
      let draining = false;
      let drained = Promise.resolve();
      const drain = async () => {
        try {
          while (waiting.length) {
            let events: EventEnvelope[] = [];
            for (const value of waiting.splice(0)) {
              try {
                events.push(JSON.parse(value) as EventEnvelope);
              } catch {
                pending--; // not an event: dropped
              }
            }
            while (events.length) {
              let doneCount = 0;
              let failed = false;
              try {
                await handler(events, {
                  async done(count) {
                    pending -= Math.max(0, count - doneCount);
                    doneCount = Math.max(doneCount, count);
                  },
                  heartbeat: async () => {},
                  isRunning: () => true,
                });
              } catch {
                failed = true;
              }
              const finished = failed ? Math.min(doneCount + 1, events.length) : events.length;
              pending -= finished - doneCount;
              events = events.slice(finished);
            }
          }
        } finally {
          // No await since the loop found the queue empty: a message enqueued after this starts a new drain.
          draining = false;
        }
      };
      const enqueue = (value: string) => {
        waiting.push(value);
        pending++;
        if (draining) return;
        // Started in a microtask, so the messages of one `publish` call are handed over together.
        draining = true;
        drained = Promise.resolve().then(drain);
      };
      for (const message of log.topics.get(topic) ?? []) enqueue(message.value);
      const unsubscribe = log.subscribe(topic, (message) => enqueue(message.value));
      return {
        lag: async () => pending,
        async stop() {
          unsubscribe();
          await drained;
        },
      };
    },
  };
}

/** Work to do once the effect's transaction committed (a delivery that must not happen for a rolled-back effect). */
export type AfterCommit = () => Promise<void>;

export interface InboxConsumerOptions {
  /** Consumer name: inbox scope and Kafka group. */
  name: string;
  /** The Postgres schema holding this consumer's `inbox` and `consumer_dead_letters`. */
  schema: string;
  db: AppDatabase;
  logger: Logger;
  maxAttempts?: number;
  /**
   * Whether this consumer acts on `event` (its type, sometimes its payload). Other events are
   * skipped before any SQL: no transaction, no inbox row; their offset still advances. Must be
   * pure (the same answer for a redelivery). Default: every event.
   */
  handles?(event: EventEnvelope): boolean;
  /**
   * The side effect, inside the transaction that records the event in the inbox (use `tx` for
   * every write). Several events share one transaction (see `maxBatchSize`), each applied after
   * the previous one, so an effect sees what the earlier events of its batch wrote. It may
   * return what to do after the commit. Effects that are idempotent by themselves and use other
   * connections set `idempotentEffect` instead: they run first and the inbox is written after.
   */
  apply?(tx: AppDatabase, event: EventEnvelope): Promise<void | AfterCommit>;
  /**
   * The side effects of a whole batch at once (multi-row statements), inside the transaction
   * that records the batch in the inbox: `events` are the batch's new events, in order. Used
   * instead of `apply` for batches; a consumer that gives no `apply` gets
   * `applyBatch(tx, [event])` for the one-at-a-time paths (retries, replays). It may return what
   * to do after the commit, for the whole batch; the events are reported done after it. If it
   * throws, the transaction rolls back and the same events are applied again with one effect
   * after the other, which finds the failing event; from there it goes as with `apply`.
   */
  applyBatch?(tx: AppDatabase, events: EventEnvelope[]): Promise<void | AfterCommit>;
  idempotentEffect?(event: EventEnvelope): Promise<void>;
  /** Runs after the transaction committed (deliveries that must not happen for a rolled-back effect). */
  afterCommit?(event: EventEnvelope): Promise<void>;
  /**
   * How many events share one transaction (and one inbox statement). 1: one event per
   * transaction, for effects that cannot share a transaction with other events. Default 100.
   */
  maxBatchSize?: number;
  registry?: Registry;
}

const consumerMetrics = new WeakMap<
  Registry,
  {
    processed: Counter<"consumer" | "outcome">;
    age: Histogram<"consumer">;
    lag: Gauge<"consumer" | "topic">;
    kafkaLag: Gauge<"consumer" | "topic">;
  }
>();

/** Processed/duplicate/failed counts and how old events are when applied (consumer lag in time). */
function metricsFor(registry: Registry) {
  let metrics = consumerMetrics.get(registry);
  if (!metrics) {
    metrics = {
      processed: new Counter({
        name: "booking_consumer_events_total",
        help: "Events handled by consumers, by outcome (applied, duplicate, skipped, retried, dead_lettered)",
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
      // Seed 003 §8.2's name for the same measurement (set together with the one above, which
      // existing dashboards and alerts read).
      kafkaLag: new Gauge({
        name: "kafka_consumer_lag",
        help: "Consumer lag in messages: log end minus the consumer group's committed offset, per topic",
        labelNames: ["consumer", "topic"],
        registers: [registry],
      }),
    };
    consumerMetrics.set(registry, metrics);
  }
  return metrics;
}

/** The database (or a service the effect calls) is away: the event is not at fault. */
const isUnavailable = (error: unknown) =>
  isBackendUnavailable(error) || (error instanceof DomainError && error.code === "SERVICE_UNAVAILABLE");

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wait before attempt `attempt + 1` of a failing event. */
const retryDelay = (attempt: number) => Math.min(100 * 2 ** attempt, 5_000);
/** Inbox key: Postgres returns uuids in lower case. */
const idOf = (event: EventEnvelope) => String(event.eventId).toLowerCase();

/** Thrown out of a batch transaction (rolling it back): the effect of `fresh[index]` failed. */
class EffectFailed extends Error {
  constructor(
    readonly index: number,
    readonly failure: unknown,
  ) {
    super(errorMessage(failure));
  }
}

/** An event of a batch and its place in it. */
interface Item {
  event: EventEnvelope;
  position: number;
}

/**
 * How a batch went: the events applied (and the batch's post-commit step, from `applyBatch`);
 * if an effect failed, which one (-1: unknown, nothing applied).
 */
type BatchOutcome =
  | { applied: Map<Item, AfterCommit | undefined>; after?: AfterCommit; failed: null }
  | { applied: Map<Item, AfterCommit | undefined>; failed: { index: number; error: unknown } }
  | "stopped";

const UNSTOPPABLE: BatchProgress = { done: async () => {}, heartbeat: async () => {}, isRunning: () => true };

/**
 * Applies each event exactly once (inbox), retrying a failing one with backoff and moving it to
 * the consumer's dead-letter table after `maxAttempts`, so one bad event never blocks the rest.
 *
 * `handleBatch` applies a batch in one transaction: one statement claims the batch's event ids
 * in the inbox (`insert … on conflict do nothing returning`: the ids it returns are new, the
 * others duplicates), the effects of the new ones run in order (or all at once: `applyBatch`),
 * then one commit. Events the consumer does not handle never reach the database. If an effect
 * fails, the transaction rolls back, the events before it are applied again as a batch, the
 * failing one goes the one-at-a-time way (the failed batch counts as its first attempt;
 * retries, dead letter), and the rest continue as a batch: a poison event never blocks or
 * duplicates the others.
 */
export function createInboxConsumer(options: InboxConsumerOptions) {
  const { name, db, logger } = options;
  const inbox = sql.raw(`"${options.schema}".inbox`);
  const deadLetters = sql.raw(`"${options.schema}".consumer_dead_letters`);
  const maxAttempts = options.maxAttempts ?? 5;
  const maxBatchSize = Math.max(1, Math.floor(options.maxBatchSize ?? 100));
  const handles = options.handles ?? (() => true);
  const metrics = options.registry ? metricsFor(options.registry) : null;
  const { applyBatch } = options;
  /** One event's effect: `apply`, or the batch hook given a batch of one. */
  const apply = options.apply ?? (applyBatch && ((tx: AppDatabase, event: EventEnvelope) => applyBatch(tx, [event])));

  const count = (outcome: string) => metrics?.processed.inc({ consumer: name, outcome });
  const inboxRows = (events: EventEnvelope[]) =>
    sql.join(
      events.map((event) => sql`(${name}, ${event.eventId}, ${event.eventType})`),
      sql`, `,
    );

  /** The post-commit work of an applied event; a failure is left to the retry loops that own that work. */
  async function afterCommit(event: EventEnvelope, after: AfterCommit | undefined) {
    try {
      await after?.();
      await options.afterCommit?.(event);
    } catch (error) {
      logger.warn("consumer's after-commit step failed", {
        consumer: name,
        eventId: event.eventId,
        error: errorMessage(error),
      });
    }
  }

  function countApplied(event: EventEnvelope) {
    count("applied");
    metrics?.age.observe({ consumer: name }, (Date.now() - Date.parse(event.occurredAt)) / 1000);
  }

  async function deadLetter(event: EventEnvelope, attempts: number, error: unknown) {
    const message = errorMessage(error);
    await db.execute(sql`insert into ${deadLetters} (consumer, event_id, event_type, envelope, attempts, last_error)
        values (${name}, ${event.eventId}, ${event.eventType}, ${JSON.stringify(event)}::jsonb, ${attempts}, ${message})`);
    logger.error("event dead-lettered by consumer", { consumer: name, eventId: event.eventId, error: message });
    count("dead_lettered");
  }

  /** One event in its own transaction (or effect, then inbox row). */
  async function applyOnce(event: EventEnvelope): Promise<{ applied: boolean; after?: AfterCommit }> {
    if (options.idempotentEffect) {
      const seen = await queryRows(
        db,
        sql`select 1 as seen from ${inbox} where consumer = ${name} and event_id = ${event.eventId}`,
      );
      if (seen.length) return { applied: false };
      await options.idempotentEffect(event);
      await db.execute(
        sql`insert into ${inbox} (consumer, event_id, event_type) values (${name}, ${event.eventId}, ${event.eventType}) on conflict do nothing`,
      );
      return { applied: true };
    }
    return db.transaction(async (tx) => {
      const inserted = await queryRows(
        tx as unknown as AppDatabase,
        sql`insert into ${inbox} (consumer, event_id, event_type) values (${name}, ${event.eventId}, ${event.eventType})
            on conflict do nothing returning event_id`,
      );
      if (inserted.length === 0) return { applied: false };
      const after = await apply?.(tx as unknown as AppDatabase, event);
      return { applied: true, after: after ?? undefined };
    });
  }

  /** One event, one attempt after the other from `firstAttempt`, until applied or dead-lettered. */
  async function handleFrom(event: EventEnvelope, firstAttempt: number): Promise<void> {
    if (!handles(event)) {
      count("skipped");
      return;
    }
    let unavailableFor = 0;
    let result: { applied: boolean; after?: AfterCommit };
    for (let attempt = firstAttempt; ; attempt++) {
      try {
        result = await applyOnce(event);
        break;
      } catch (error) {
        // The database (or a service the effect calls) is away: the event is not at fault, so
        // the attempt does not count; wait for the backend to come back, with capped backoff.
        if (isUnavailable(error)) {
          attempt--;
          unavailableFor = Math.min(Math.max(unavailableFor * 2, 200), 5_000);
          if (unavailableFor >= 5_000)
            logger.warn("consumer waiting for its backend", { consumer: name, error: errorMessage(error) });
          await sleep(unavailableFor);
          continue;
        }
        if (attempt >= maxAttempts) return deadLetter(event, attempt, error);
        count("retried");
        await sleep(retryDelay(attempt));
      }
    }
    if (result.applied) {
      await afterCommit(event, result.after);
      countApplied(event);
    } else count("duplicate");
  }

  /** Applies one event on its own (today's path); used for replays and one-at-a-time sources. */
  const handle = (event: EventEnvelope) => handleFrom(event, 1);

  /** The events to act on: handled ones, each id once (a redelivery inside the batch is a duplicate). */
  function freshOf(items: Item[]): Item[] {
    const ids = new Set<string>();
    return items.filter(({ event }) => {
      if (!handles(event) || ids.has(idOf(event))) return false;
      ids.add(idOf(event));
      return true;
    });
  }

  /**
   * Inbox claim and effects of `fresh` in one transaction; waits out a database outage. With
   * `applyBatch`, the effects are one call; if it fails (not an outage), the transaction is run
   * again with one effect after the other, so the failure is pinned on one event (EffectFailed
   * with its index) and handled exactly as with `apply`: the events before it again as a batch,
   * it alone with retries and dead letter (the failed per-event run was its first attempt), the
   * rest as a batch. Nothing of a failed transaction stays (the inbox claim rolls back with the
   * effects), so no event is applied twice.
   */
  async function applyInTransaction(fresh: Item[], progress: BatchProgress): Promise<BatchOutcome> {
    let unavailableFor = 0;
    let batched = !!applyBatch;
    for (;;) {
      try {
        const { applied, after } = await db.transaction(async (txRaw) => {
          const tx = txRaw as unknown as AppDatabase;
          const claimed = await queryRows<{ event_id: string }>(
            tx,
            sql`insert into ${inbox} (consumer, event_id, event_type) values ${inboxRows(fresh.map((i) => i.event))}
                on conflict do nothing returning event_id`,
          );
          const ids = new Set(claimed.map((row) => String(row.event_id).toLowerCase()));
          const done = new Map<Item, AfterCommit | undefined>();
          if (batched) {
            const items = fresh.filter((item) => ids.has(idOf(item.event)));
            if (!items.length) return { applied: done };
            const events = items.map((item) => item.event);
            const after = await applyBatch!(tx, events).catch((error: unknown) => {
              throw new EffectFailed(-1, error);
            });
            for (const item of items) done.set(item, undefined);
            return { applied: done, after: after ?? undefined };
          }
          for (const [index, item] of fresh.entries()) {
            if (!ids.has(idOf(item.event))) continue;
            try {
              done.set(item, (await apply?.(tx, item.event)) ?? undefined);
            } catch (error) {
              throw new EffectFailed(index, error);
            }
          }
          return { applied: done };
        });
        return { applied, after, failed: null };
      } catch (error) {
        const cause = error instanceof EffectFailed ? error.failure : error;
        if (batched && error instanceof EffectFailed && !isUnavailable(cause)) {
          batched = false; // the batch hook failed: find the failing event one effect at a time
          continue;
        }
        if (isUnavailable(cause)) {
          if (!progress.isRunning()) return "stopped";
          unavailableFor = Math.min(Math.max(unavailableFor * 2, 200), 5_000);
          if (unavailableFor >= 5_000)
            logger.warn("consumer waiting for its backend", { consumer: name, error: errorMessage(cause) });
          await sleep(unavailableFor);
          await progress.heartbeat();
          if (!progress.isRunning()) return "stopped";
          continue;
        }
        return {
          applied: new Map(),
          failed: { index: error instanceof EffectFailed ? error.index : -1, error: cause },
        };
      }
    }
  }

  /**
   * Idempotent effects run one after the other (outside any transaction); one statement reads
   * which ids the inbox has, one records the applied ones. After a failing effect, the ones
   * before it are recorded and the outcome says which failed.
   */
  async function applyIdempotent(fresh: Item[]): Promise<BatchOutcome> {
    const unknown = (error: unknown): BatchOutcome => ({ applied: new Map(), failed: { index: -1, error } });
    let seen: Set<string>;
    try {
      const rows = await queryRows<{ event_id: string }>(
        db,
        sql`select event_id from ${inbox} where consumer = ${name} and event_id in (${sql.join(
          fresh.map(({ event }) => sql`${event.eventId}`),
          sql`, `,
        )})`,
      );
      seen = new Set(rows.map((row) => String(row.event_id).toLowerCase()));
    } catch (error) {
      return unknown(error);
    }
    const applied = new Map<Item, AfterCommit | undefined>();
    let failed: { index: number; error: unknown } | null = null;
    for (const [index, item] of fresh.entries()) {
      if (seen.has(idOf(item.event))) continue;
      try {
        await options.idempotentEffect!(item.event);
        applied.set(item, undefined);
      } catch (error) {
        failed = { index, error };
        break;
      }
    }
    if (applied.size) {
      try {
        await db.execute(
          sql`insert into ${inbox} (consumer, event_id, event_type) values ${inboxRows([...applied.keys()].map((i) => i.event))}
              on conflict do nothing`,
        );
      } catch (error) {
        return unknown(error); // one at a time repeats the effects, which are idempotent
      }
    }
    return failed ? { applied, failed } : { applied, failed: null };
  }

  /** Reports `items` done in order: the batch's post-commit work, then that and the metrics of each. */
  async function settle(
    items: Item[],
    applied: Map<Item, AfterCommit | undefined>,
    progress: BatchProgress,
    after?: AfterCommit,
  ) {
    if (after) {
      try {
        await after();
      } catch (error) {
        logger.warn("consumer's after-commit step failed", {
          consumer: name,
          eventIds: [...applied.keys()].map((item) => item.event.eventId),
          error: errorMessage(error),
        });
      }
    }
    for (const item of items) {
      if (!handles(item.event)) count("skipped");
      else if (applied.has(item)) {
        await afterCommit(item.event, applied.get(item));
        countApplied(item.event);
      } else count("duplicate");
      await progress.done(item.position + 1);
    }
  }

  /** A slice of a batch, in order; see `createInboxConsumer`. */
  async function processInOrder(items: Item[], progress: BatchProgress): Promise<void> {
    if (!items.length || !progress.isRunning()) return;
    const fresh = freshOf(items);
    const outcome: BatchOutcome = !fresh.length
      ? { applied: new Map(), failed: null }
      : options.idempotentEffect
        ? await applyIdempotent(fresh)
        : await applyInTransaction(fresh, progress);
    if (outcome === "stopped") return;
    if (!outcome.failed) return settle(items, outcome.applied, progress, outcome.after);
    const { index, error } = outcome.failed;
    if (index < 0) {
      // Not one effect's fault (the inbox statement or the commit failed): one event at a time.
      for (const item of items) {
        if (!progress.isRunning()) return;
        await handle(item.event);
        await progress.done(item.position + 1);
      }
      return;
    }
    const at = items.indexOf(fresh[index]);
    if (options.idempotentEffect) await settle(items.slice(0, at), outcome.applied, progress);
    else await processInOrder(items.slice(0, at), progress); // rolled back: again, without the failing one
    if (!progress.isRunning()) return;
    const failing = items[at];
    // The failed batch was this event's first attempt.
    if (maxAttempts <= 1) await deadLetter(failing.event, 1, error);
    else {
      count("retried");
      await sleep(retryDelay(1));
      await handleFrom(failing.event, 2);
    }
    await progress.done(failing.position + 1);
    await processInOrder(items.slice(at + 1), progress);
  }

  /**
   * Applies a partition's events in order, `maxBatchSize` per transaction, reporting each one
   * done (its offset may be committed) after its post-commit work.
   */
  async function handleBatch(events: EventEnvelope[], progress: BatchProgress = UNSTOPPABLE): Promise<void> {
    for (let start = 0; start < events.length; start += maxBatchSize) {
      if (!progress.isRunning()) return;
      const chunk = events.slice(start, start + maxBatchSize).map((event, i) => ({ event, position: start + i }));
      if (tracingEnabled())
        await withServiceSpan(options.schema, ...processSpan(chunk), () => processInOrder(chunk, progress));
      else await processInOrder(chunk, progress);
    }
  }

  /**
   * The span of a batch's processing: a child of its first event's publish span (so a single
   * event's trace runs on from the relay), linked to every event's span (OpenTelemetry's
   * messaging conventions for a batch).
   */
  function processSpan(chunk: Item[]): [string, Parameters<typeof withServiceSpan>[2]] {
    const types = new Set(chunk.map((item) => item.event.eventType));
    return [
      `process ${types.size === 1 ? chunk[0].event.eventType : "batch"}`,
      {
        parent: contextFrom({ traceparent: chunk[0].event.traceparent }),
        kind: SpanKind.CONSUMER,
        links: chunk.length > 1 ? chunk.flatMap((item) => linkTo(item.event.traceparent)) : [],
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "process",
          "messaging.consumer.group.name": name,
          "messaging.batch.message_count": chunk.length,
          ...(chunk.length === 1 ? { "messaging.message.id": chunk[0].event.eventId } : {}),
        },
      },
    ];
  }

  return {
    name,
    handle,
    handleBatch,
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
 * Runs a consumer: subscribes it to `topic` in batches (its name is the consumer group) and
 * retries the dead letters an operator asked to replay (`npm run outbox -- consumer-dlq replay`).
 * Without an event source (a subgraph started without a broker) only the replays run.
 */
export async function runConsumer(
  events: EventSource | undefined,
  topic: string,
  consumer: InboxConsumer,
  options: { lagIntervalMs?: number } = {},
) {
  const subscription = await events?.subscribeBatches(topic, consumer.name, consumer.handleBatch);
  const replays = setInterval(() => void consumer.replayRequested().catch(() => {}), 2_000);
  replays.unref();
  // Offset lag, measured from the broker's side, so a stuck consumer shows too (not only slow events).
  const measureLag = async () => {
    if (!subscription || !consumer.metrics) return;
    const lag = await subscription.lag();
    consumer.metrics.lag.set({ consumer: consumer.name, topic }, lag);
    consumer.metrics.kafkaLag.set({ consumer: consumer.name, topic }, lag);
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

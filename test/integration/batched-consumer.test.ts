import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { Registry, type Counter, type Gauge } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, sqlStatements, type AppDatabase } from "../../lib/db";
import {
  createInboxConsumer,
  createKafkaEventSource,
  createMemoryEventSource,
  runConsumer,
  type EventEnvelope,
  type InboxConsumer,
} from "../../lib/event-consumer";
import { createKafkaPublisher, createMemoryEventLog } from "../../lib/event-publisher";
import { createLogger } from "../../lib/logger";
import {
  createDelivery,
  createNotificationConsumer,
} from "../../subgraphs/notification/notification/notification.consumer";
import { createBookingEventsConsumer } from "../../subgraphs/payment/payment/payment.consumer";
import type { PaymentProvider } from "../../subgraphs/payment/payment/payment.provider";
import { createPaymentService } from "../../subgraphs/payment/payment/payment.service";
import { backends } from "../support/backends";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";

const logger = createLogger("silent");
/** Statements a transaction adds around its own: BEGIN and COMMIT (PGlite runs them inside `transaction()`, uncounted). */
const BEGIN_COMMIT = backends.databaseUrl ? 2 : 0;
const COUNTED = "test.counted";
const IGNORED = "test.ignored";

function envelope(eventType: string, aggregateId: string, n: number | null): EventEnvelope {
  return {
    eventId: randomUUID(),
    eventType,
    aggregateType: "test",
    aggregateId,
    aggregateVersion: n ?? 0,
    occurredAt: new Date().toISOString(),
    actor: null,
    traceparent: null,
    payload: { n },
  };
}

const toMessage = (event: EventEnvelope) => ({
  key: event.aggregateId,
  value: JSON.stringify(event),
  headers: { event_id: event.eventId, event_type: event.eventType },
});

/** `count` events of `type`, spread over `aggregates` aggregates, numbered in order within each. */
function stream(type: string, count: number, aggregates = 10): EventEnvelope[] {
  const prefix = randomUUID().slice(0, 8);
  return Array.from({ length: count }, (_, i) => envelope(type, `${prefix}-${i % aggregates}`, i));
}

/** Kafka when KAFKA_BROKERS is set (a fresh topic prefix per call), the embedded log otherwise. */
function bus() {
  if (backends.kafkaBrokers) {
    const brokers = backends.kafkaBrokers.split(",");
    const prefix = `batched-${randomUUID().slice(0, 8)}.`;
    return {
      source: createKafkaEventSource(brokers, prefix),
      publisher: createKafkaPublisher(brokers, "batched-consumer-test", prefix),
    };
  }
  const log = createMemoryEventLog();
  return { source: createMemoryEventSource(log), publisher: log };
}

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const counter = registry.getSingleMetric("booking_consumer_events_total") as Counter | undefined;
  const result: Record<string, number> = {};
  for (const value of counter ? (await counter.get()).values : []) result[String(value.labels.outcome)] = value.value;
  return result;
}

async function lagOf(registry: Registry): Promise<number | undefined> {
  const gauge = registry.getSingleMetric("booking_consumer_lag_messages") as Gauge | undefined;
  return gauge ? (await gauge.get()).values[0]?.value : undefined;
}

describe("consumers process events in batches", () => {
  let test: TestDatabase;
  let db: AppDatabase;

  beforeAll(async () => {
    test = await createTestDatabase();
    db = test.database.db;
    await db.execute(
      sql`create table test_effects (seq bigserial primary key, consumer text not null, event_id uuid not null,
          aggregate_id text not null, n integer not null)`,
    );
  });
  afterAll(async () => {
    await test?.drop();
  });

  /** A consumer of COUNTED events: one insert per event; an event with `n: null` fails in SQL (poison). */
  function countingConsumer(name: string, registry?: Registry, maxAttempts?: number) {
    return createInboxConsumer({
      name,
      schema: "notification",
      db,
      logger,
      registry,
      maxAttempts,
      handles: (event) => event.eventType === COUNTED,
      apply: async (tx, event) => {
        await tx.execute(sql`insert into test_effects (consumer, event_id, aggregate_id, n)
            values (${name}, ${event.eventId}, ${event.aggregateId}, ${(event.payload as { n: number | null }).n})`);
      },
    });
  }

  const effects = (consumer: string) =>
    queryRows<{ event_id: string; aggregate_id: string; n: number }>(
      db,
      sql`select event_id, aggregate_id, n from test_effects where consumer = ${consumer} order by seq`,
    );
  const inboxOf = (consumer: string) =>
    queryRows<{ event_id: string; event_type: string }>(
      db,
      sql`select event_id, event_type from notification.inbox where consumer = ${consumer}`,
    );
  const deadLettersOf = (consumer: string) =>
    queryRows<{ event_id: string; attempts: number; last_error: string }>(
      db,
      sql`select event_id, attempts, last_error from notification.consumer_dead_letters where consumer = ${consumer}`,
    );

  /** Subscribed as the platform does; no dead-letter replay polling, so only the consumer's own SQL is counted. */
  async function run(consumer: InboxConsumer, topic: string, source: ReturnType<typeof bus>["source"]) {
    return runConsumer(source, topic, { ...consumer, replayRequested: async () => 0 }, { lagIntervalMs: 100 });
  }

  /** Waits until the group consumed everything (offsets committed) and the outcomes match. */
  async function settled(registry: Registry, done: (o: Record<string, number>) => boolean) {
    const state = await eventually(
      async () => ({ outcomes: await outcomes(registry), lag: await lagOf(registry) }),
      (s) => s.lag === 0 && done(s.outcomes),
      60_000,
    );
    expect(state.lag).toBe(0);
    return state.outcomes;
  }

  describe(`delivered by ${backends.kafkaBrokers ? "Kafka (eachBatch)" : "the embedded log"}`, () => {
    it("applies a batch of N handled events exactly once, in order, with N effect statements plus a constant", async () => {
      const { source, publisher } = bus();
      const name = `counted-${randomUUID().slice(0, 8)}`;
      const registry = new Registry();
      const events = stream(COUNTED, 200);
      await publisher.publish("test.events", events.map(toMessage));
      const before = sqlStatements.count;
      const running = await run(countingConsumer(name, registry), "test.events", source);
      try {
        await settled(registry, (o) => o.applied === 200);
        const statements = sqlStatements.count - before;
        // One per effect, and per batch: BEGIN, one inbox statement, COMMIT (a few batches: partitions, fetches).
        // One event per transaction would be 4 × 200.
        expect(statements - 200).toBeLessThanOrEqual(36);
        const applied = await effects(name);
        expect(applied).toHaveLength(200);
        expect(new Set(applied.map((e) => e.event_id)).size).toBe(200);
        // In order within each aggregate (one partition each).
        for (let a = 0; a < 10; a++) {
          const ns = applied.filter((e) => e.aggregate_id === events[a].aggregateId).map((e) => e.n);
          expect(ns).toEqual([...ns].sort((x, y) => x - y));
        }
        expect((await inboxOf(name)).length).toBe(200);
      } finally {
        await running.stop();
        await publisher.close();
      }
    }, 90_000);

    it("changes nothing when the same batch is delivered again, in a constant number of statements", async () => {
      const { source, publisher } = bus();
      const name = `redelivered-${randomUUID().slice(0, 8)}`;
      const registry = new Registry();
      const events = stream(COUNTED, 200);
      await publisher.publish("test.events", events.map(toMessage));
      const running = await run(countingConsumer(name, registry), "test.events", source);
      try {
        await settled(registry, (o) => o.applied === 200);
        const before = sqlStatements.count;
        await publisher.publish("test.events", events.map(toMessage));
        const after = await settled(registry, (o) => o.duplicate === 200);
        expect(after.applied).toBe(200);
        // Per batch: BEGIN, the inbox statement (claims nothing), COMMIT. One at a time: 3 × 200.
        expect(sqlStatements.count - before).toBeLessThanOrEqual(36);
        expect(await effects(name)).toHaveLength(200);
        expect(await inboxOf(name)).toHaveLength(200);
      } finally {
        await running.stop();
        await publisher.close();
      }
    }, 90_000);

    it("skips event types the consumer does not handle before any SQL, and still moves the offset on", async () => {
      const { source, publisher } = bus();
      const name = `ignoring-${randomUUID().slice(0, 8)}`;
      const registry = new Registry();
      await publisher.publish("test.events", stream(IGNORED, 100).map(toMessage));
      const before = sqlStatements.count;
      const running = await run(countingConsumer(name, registry), "test.events", source);
      try {
        // Lag 0: every offset committed although nothing was written.
        await settled(registry, () => true);
        expect(sqlStatements.count - before).toBe(0);
        expect(await inboxOf(name)).toEqual([]);
        expect((await outcomes(registry)).skipped).toBe(100);

        // Mixed with handled events: only those reach the inbox.
        const mixed = stream(COUNTED, 20).flatMap((e) => [envelope(IGNORED, e.aggregateId, null), e]);
        await publisher.publish("test.events", mixed.map(toMessage));
        await settled(registry, (o) => o.applied === 20 && o.skipped === 120);
        const inbox = await inboxOf(name);
        expect(inbox.map((row) => row.event_type)).toEqual(Array(20).fill(COUNTED));
        expect(await effects(name)).toHaveLength(20);
      } finally {
        await running.stop();
        await publisher.close();
      }
    }, 90_000);

    it("dead-letters one poison event of a batch after the usual attempts and applies the others once, in order", async () => {
      const { source, publisher } = bus();
      const name = `poisoned-${randomUUID().slice(0, 8)}`;
      const registry = new Registry();
      const events = stream(COUNTED, 60, 3);
      const poison = envelope(COUNTED, events[30].aggregateId, null); // n null: its insert fails, every time
      const batch = [...events.slice(0, 31), poison, ...events.slice(31)];
      await publisher.publish("test.events", batch.map(toMessage));
      const running = await run(countingConsumer(name, registry), "test.events", source);
      try {
        await settled(registry, (o) => o.applied === 60 && o.dead_lettered === 1);
        const dead = await deadLettersOf(name);
        expect(dead).toEqual([{ event_id: poison.eventId, attempts: 5, last_error: expect.any(String) }]);
        const applied = await effects(name);
        expect(applied.map((e) => e.event_id).sort()).toEqual(events.map((e) => e.eventId).sort());
        for (const aggregate of new Set(events.map((e) => e.aggregateId))) {
          const ns = applied.filter((e) => e.aggregate_id === aggregate).map((e) => e.n);
          expect(ns).toEqual([...ns].sort((x, y) => x - y));
        }
        const inbox = await inboxOf(name);
        expect(inbox).toHaveLength(60);
        expect(inbox.map((row) => row.event_id)).not.toContain(poison.eventId);
      } finally {
        await running.stop();
        await publisher.close();
      }
    }, 90_000);
  });

  describe("one batch, handed over directly", () => {
    it("uses one transaction and one inbox statement per batch: N effects + BEGIN, inbox, COMMIT; a redelivery only those; ignored events 0", async () => {
      const name = `direct-${randomUUID().slice(0, 8)}`;
      const consumer = countingConsumer(name);
      const events = stream(COUNTED, 100);
      let before = sqlStatements.count;
      await consumer.handleBatch(events);
      expect(sqlStatements.count - before).toBe(100 + 1 + BEGIN_COMMIT);
      expect(await effects(name)).toHaveLength(100);

      before = sqlStatements.count;
      await consumer.handleBatch(events); // redelivered
      expect(sqlStatements.count - before).toBe(1 + BEGIN_COMMIT);
      before = sqlStatements.count;
      await consumer.handleBatch([...events.slice(0, 50), ...events.slice(0, 50)]); // twice within one batch
      expect(sqlStatements.count - before).toBe(1 + BEGIN_COMMIT);

      before = sqlStatements.count;
      await consumer.handleBatch(stream(IGNORED, 100));
      await consumer.handle(envelope(IGNORED, "one", 1));
      expect(sqlStatements.count - before).toBe(0);
      expect(await effects(name)).toHaveLength(100);
      expect(await inboxOf(name)).toHaveLength(100);
    });

    it("reports each event done in order, after its commit, so the source commits only what is applied", async () => {
      const name = `progress-${randomUUID().slice(0, 8)}`;
      const consumer = countingConsumer(name, undefined, 2);
      const events = stream(COUNTED, 10, 1);
      events[6] = envelope(COUNTED, events[0].aggregateId, null); // poison
      const reported: number[] = [];
      await consumer.handleBatch(events, {
        done: async (count) => {
          reported.push(count);
          // Everything reported done is durable: its effect (or its dead letter) is committed.
          const durable = await queryRows<{ event_id: string }>(
            db,
            sql`select event_id from test_effects where consumer = ${name}
                union all select event_id from notification.consumer_dead_letters where consumer = ${name}`,
          );
          const ids = new Set(durable.map((row) => row.event_id));
          expect(events.slice(0, count).filter((e) => !ids.has(e.eventId))).toEqual([]);
        },
        heartbeat: async () => {},
        isRunning: () => true,
      });
      expect(reported).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect((await deadLettersOf(name)).map((d) => d.attempts)).toEqual([2]);
    });

    it("stops between batches when the source asks for it, leaving the rest undone", async () => {
      const name = `stopped-${randomUUID().slice(0, 8)}`;
      const consumer = createInboxConsumer({
        name,
        schema: "notification",
        db,
        logger,
        maxBatchSize: 10,
        apply: async (tx, event) => {
          await tx.execute(sql`insert into test_effects (consumer, event_id, aggregate_id, n)
              values (${name}, ${event.eventId}, ${event.aggregateId}, 0)`);
        },
      });
      let running = true;
      let done = 0;
      await consumer.handleBatch(stream(COUNTED, 50), {
        done: async (count) => {
          done = count;
          if (count === 10) running = false;
        },
        heartbeat: async () => {},
        isRunning: () => running,
      });
      expect(done).toBe(10);
      expect(await effects(name)).toHaveLength(10);
    });

    it("consumers whose effect is idempotent and outside the transaction read and write the inbox once per batch", async () => {
      const name = `idempotent-${randomUUID().slice(0, 8)}`;
      const calls = new Map<string, number>();
      const poisonId = randomUUID();
      const consumer = createInboxConsumer({
        name,
        schema: "notification",
        db,
        logger,
        maxAttempts: 2,
        handles: (event) => event.eventType === COUNTED,
        idempotentEffect: async (event) => {
          calls.set(event.eventId, (calls.get(event.eventId) ?? 0) + 1);
          if (event.eventId === poisonId) throw new Error("always fails");
        },
      });
      const events = stream(COUNTED, 50);
      let before = sqlStatements.count;
      await consumer.handleBatch([...events, ...stream(IGNORED, 50)]);
      expect(sqlStatements.count - before).toBe(2); // which ids are in the inbox; the inbox rows
      expect(await inboxOf(name)).toHaveLength(50);

      before = sqlStatements.count;
      await consumer.handleBatch(events);
      expect(sqlStatements.count - before).toBe(1);
      expect([...calls.values()].every((n) => n === 1)).toBe(true);

      // A failing effect: the ones before it are recorded, it is retried and dead-lettered, the ones after go on.
      const more = stream(COUNTED, 10);
      more[4] = { ...more[4], eventId: poisonId };
      await consumer.handleBatch(more);
      expect(calls.get(poisonId)).toBe(2);
      expect(more.filter((e) => e.eventId !== poisonId).every((e) => calls.get(e.eventId) === 1)).toBe(true);
      expect(await inboxOf(name)).toHaveLength(59);
      expect((await deadLettersOf(name)).map((d) => d.event_id)).toEqual([poisonId]);
    });
  });

  describe("the subgraphs' consumers", () => {
    const reserved = (i: number): EventEnvelope => {
      const bookingId = randomUUID();
      return {
        ...envelope("booking.reserved", bookingId, 1),
        aggregateType: "booking",
        payload: {
          bookingId,
          reference: `BR-20260101-${String(i).padStart(6, "0")}`,
          userId: `guest-${randomUUID()}`,
          guestEmail: `guest-${i}@example.test`,
          quantity: 2,
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
          price: { total: 4200, currency: "EUR" },
        },
      };
    };

    it("payment: intents for a batch of reservations in one transaction; confirmations skipped; refunds started after the commit", async () => {
      const refundCalls: string[] = [];
      const provider = {
        name: "simulated",
        refund: async ({ refundId }: { refundId: string }) => {
          refundCalls.push(refundId);
          return { providerReference: `re_${refundId}` };
        },
      } as unknown as PaymentProvider;
      const payments = createPaymentService({ db, provider, logger });
      const consumer = createBookingEventsConsumer(payments, db, logger);
      const events = Array.from({ length: 100 }, (_, i) => reserved(i));
      let before = sqlStatements.count;
      await consumer.handleBatch(events);
      expect(sqlStatements.count - before).toBe(100 + 1 + BEGIN_COMMIT);
      const ids = events.map((e) => e.aggregateId);
      const count = async () =>
        (
          await queryRows<{ n: number }>(
            db,
            sql`select count(*)::int as n from payment.payments where booking_id in (${sql.join(
              ids.map((id) => sql`${id}`),
              sql`, `,
            )})`,
          )
        )[0].n;
      expect(await count()).toBe(100);

      before = sqlStatements.count;
      await consumer.handleBatch(events.map((e) => ({ ...e, eventId: randomUUID(), eventType: "booking.confirmed" })));
      expect(sqlStatements.count - before).toBe(0);

      // Two bookings paid, then cancelled in one batch: both refunds are opened in the batch and started after it.
      for (const id of ids.slice(0, 2)) {
        await db.execute(
          sql`update payment.payments set status = 'SUCCEEDED', provider_reference = ${`ch_${id}`} where booking_id = ${id}`,
        );
      }
      const cancelled = ids.slice(0, 2).map((id) => ({
        ...envelope("booking.cancelled", id, 2),
        aggregateType: "booking",
        payload: { bookingId: id, reason: "OTHER" },
      }));
      await consumer.handleBatch(cancelled);
      expect(refundCalls).toHaveLength(2);
      const refunds = await queryRows<{ status: string }>(
        db,
        sql`select r.status from payment.refunds r join payment.payments p on p.id = r.payment_id
            where p.booking_id in (${sql.join(
              ids.slice(0, 2).map((id) => sql`${id}`),
              sql`, `,
            )})`,
      );
      expect(refunds.map((r) => r.status)).toEqual(["PENDING", "PENDING"]);
      await consumer.handleBatch(cancelled); // redelivered: no second refund
      expect(refundCalls).toHaveLength(2);
      expect(await count()).toBe(100);
    });

    it("notification: a batch of reservations is stored in one transaction and each e-mail sent once; payment events that notify nobody are skipped", async () => {
      const sent: string[] = [];
      const delivery = createDelivery(db, { send: async (n) => void sent.push(n.subject) }, logger);
      const consumer = createNotificationConsumer({ name: "notification-booking-events", db, delivery, logger });
      const events = Array.from({ length: 100 }, (_, i) => reserved(i));
      let before = sqlStatements.count;
      await consumer.handleBatch(events);
      // One insert per notification and one `SENT` per e-mail, plus BEGIN, the inbox statement, COMMIT.
      expect(sqlStatements.count - before).toBe(2 * 100 + 1 + BEGIN_COMMIT);
      expect(sent).toHaveLength(100);
      expect(new Set(sent).size).toBe(100);

      await consumer.handleBatch(events); // redelivered
      expect(sent).toHaveLength(100);
      const rows = await queryRows<{ n: number; sent: number }>(
        db,
        sql`select count(*)::int as n, count(*) filter (where status = 'SENT')::int as sent from notification.notifications
            where booking_id in (${sql.join(
              events.map((e) => sql`${e.aggregateId}`),
              sql`, `,
            )})`,
      );
      expect(rows[0]).toEqual({ n: 100, sent: 100 });

      const payments = createNotificationConsumer({ name: "notification-payment-events", db, delivery, logger });
      before = sqlStatements.count;
      await payments.handleBatch(
        events.map((e) => ({ ...envelope("payment.succeeded", randomUUID(), 1), payload: e.payload })),
      );
      expect(sqlStatements.count - before).toBe(0);
    });
  });
});

import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { Registry, type Counter, type Gauge } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, sqlStatements, type AppDatabase } from "../../lib/storage/db";
import {
  createInboxConsumer,
  createKafkaEventSource,
  createMemoryEventSource,
  runConsumer,
  type EventEnvelope,
  type InboxConsumer,
} from "../../lib/messaging/event-consumer";
import { createKafkaPublisher, createMemoryEventLog } from "../../lib/messaging/event-publisher";
import { createLogger } from "../../lib/observability/logger";
import {
  createDelivery,
  createNotificationConsumer,
} from "../../subgraphs/notification/notification/notification.consumer";
import { DeliveryError } from "../../subgraphs/notification/notification/notification.sender";
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

    it("applyBatch: one effect statement per batch; a failing batch is applied again one effect at a time, so a poison event is dead-lettered and the others applied once, in order", async () => {
      const name = `batch-hook-${randomUUID().slice(0, 8)}`;
      const afterCommitted: string[] = [];
      const consumer = createInboxConsumer({
        name,
        schema: "notification",
        db,
        logger,
        maxAttempts: 2,
        handles: (event) => event.eventType === COUNTED,
        applyBatch: async (tx, events) => {
          await tx.execute(
            sql`insert into test_effects (consumer, event_id, aggregate_id, n) values ${sql.join(
              events.map(
                (e) => sql`(${name}, ${e.eventId}, ${e.aggregateId}, ${(e.payload as { n: number | null }).n})`,
              ),
              sql`, `,
            )}`,
          );
          return async () => void afterCommitted.push(...events.map((e) => e.eventId));
        },
      });
      const events = stream(COUNTED, 100);
      let before = sqlStatements.count;
      await consumer.handleBatch([...events, ...stream(IGNORED, 20)]);
      expect(sqlStatements.count - before).toBe(1 + 1 + BEGIN_COMMIT);
      expect(await effects(name)).toHaveLength(100);
      expect(afterCommitted).toHaveLength(100);

      before = sqlStatements.count;
      await consumer.handleBatch(events); // redelivered: the hook is not called
      expect(sqlStatements.count - before).toBe(1 + BEGIN_COMMIT);
      expect(afterCommitted).toHaveLength(100);

      const more = stream(COUNTED, 10, 1);
      more[6] = envelope(COUNTED, more[0].aggregateId, null); // poison: the multi-row insert fails
      const reported: number[] = [];
      await consumer.handleBatch(more, {
        done: async (count) => {
          reported.push(count);
          const durable = await queryRows<{ event_id: string }>(
            db,
            sql`select event_id from test_effects where consumer = ${name}
                union all select event_id from notification.consumer_dead_letters where consumer = ${name}`,
          );
          const ids = new Set(durable.map((row) => row.event_id));
          expect(more.slice(0, count).filter((e) => !ids.has(e.eventId))).toEqual([]);
        },
        heartbeat: async () => {},
        isRunning: () => true,
      });
      expect(reported).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const others = more.filter((_, i) => i !== 6).map((e) => e.eventId);
      const applied = await effects(name);
      expect(applied.slice(100).map((e) => e.event_id)).toEqual(others); // once each, in order
      // Post-commit work ran once per applied event, never for a rolled-back batch.
      expect(afterCommitted.slice(100)).toEqual(others);
      expect(await deadLettersOf(name)).toEqual([
        { event_id: more[6].eventId, attempts: 2, last_error: expect.any(String) },
      ]);
      const inbox = await inboxOf(name);
      expect(inbox).toHaveLength(109);
      expect(inbox.map((row) => row.event_id)).not.toContain(more[6].eventId);
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
      // One insert for the 100 intents, plus BEGIN, the inbox statement, COMMIT (one insert each: 100 + 3).
      expect(sqlStatements.count - before).toBe(1 + 1 + BEGIN_COMMIT);
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
          sql`update payment.payments set status = 'SUCCEEDED', amount_paid_minor = amount_minor, provider_reference = ${`ch_${id}`} where booking_id = ${id}`,
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
      // One insert for the 100 notifications and one `SENT` for the 100 e-mails, plus BEGIN, the
      // inbox statement, COMMIT (one insert and one `SENT` each: 2 × 100 + 3).
      expect(sqlStatements.count - before).toBe(2 + 1 + BEGIN_COMMIT);
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

    const cancelledOf = (event: EventEnvelope): EventEnvelope => ({
      ...envelope("booking.cancelled", event.aggregateId, 2),
      aggregateType: "booking",
      payload: { bookingId: event.aggregateId, reason: "OTHER" },
    });
    const paymentsOf = (events: EventEnvelope[]) =>
      queryRows<{ booking_id: string; booking_closed_as: string | null }>(
        db,
        sql`select booking_id, booking_closed_as from payment.payments where booking_id in (${sql.join(
          events.map((e) => sql`${e.aggregateId}`),
          sql`, `,
        )}) order by booking_id`,
      );

    it("payment: a run of reservations is one insert, a cancellation in the same batch still sees its booking's intent; a poison reservation is dead-lettered, the others applied once", async () => {
      const provider = { name: "simulated" } as unknown as PaymentProvider;
      const consumer = createBookingEventsConsumer(createPaymentService({ db, provider, logger }), db, logger);
      const r = Array.from({ length: 4 }, (_, i) => reserved(i));
      let before = sqlStatements.count;
      await consumer.handleBatch([r[0], r[1], r[2], cancelledOf(r[0]), r[3], cancelledOf(r[3])]);
      // Intents of r0–r2 (1), r0 closed (lock, update: 2), intent of r3 (1), r3 closed (2); one per reservation: 8.
      expect(sqlStatements.count - before).toBe(6 + 1 + BEGIN_COMMIT);
      const closed = (events: EventEnvelope[], cancelled: EventEnvelope[]) =>
        events
          .map((e) => ({ booking_id: e.aggregateId, booking_closed_as: cancelled.includes(e) ? "CANCELLED" : null }))
          .sort((a, b) => a.booking_id.localeCompare(b.booking_id));
      expect(await paymentsOf(r)).toEqual(closed(r, [r[0], r[3]]));

      const more = Array.from({ length: 3 }, (_, i) => reserved(10 + i));
      const base = reserved(99);
      const poison = { ...base, payload: { ...base.payload, price: { total: -1, currency: "EUR" } } }; // amount check fails
      await consumer.handleBatch([more[0], more[1], poison, more[2], cancelledOf(more[2])]);
      expect(await paymentsOf([...more, poison])).toEqual(closed(more, [more[2]]));
      const dead = await queryRows<{ attempts: number }>(
        db,
        sql`select attempts from payment.consumer_dead_letters where event_id = ${poison.eventId}`,
      );
      expect(dead).toEqual([{ attempts: 5 }]);
    }, 30_000);

    it("notification: a batch's notifications are one insert and the sent ones one `SENT`; failed sends are counted each; a poison event is dead-lettered, the others stored and sent once", async () => {
      const sent: string[] = [];
      const refused = new Set<string>();
      const delivery = createDelivery(
        db,
        {
          send: async (n) => {
            if (refused.has(n.recipientId)) throw new DeliveryError("mailbox refused", true);
            sent.push(n.subject);
          },
        },
        logger,
      );
      const name = `notification-${randomUUID().slice(0, 8)}`;
      const consumer = createNotificationConsumer({ name, db, delivery, logger });
      const events = Array.from({ length: 20 }, (_, i) => reserved(i));
      for (const e of events.slice(0, 3)) refused.add((e.payload as { userId: string }).userId);
      let before = sqlStatements.count;
      await consumer.handleBatch(events);
      // 1 insert, 3 failed attempts (one each), 1 `SENT` for the other 17; BEGIN, inbox, COMMIT.
      expect(sqlStatements.count - before).toBe(1 + 3 + 1 + 1 + BEGIN_COMMIT);
      expect(sent).toHaveLength(17);
      const statuses = async (of: EventEnvelope[]) =>
        queryRows<{ status: string; n: number }>(
          db,
          sql`select status, count(*)::int as n from notification.notifications
              where booking_id in (${sql.join(
                of.map((e) => sql`${e.aggregateId}`),
                sql`, `,
              )}) group by status order by status`,
        );
      expect(await statuses(events)).toEqual([
        { status: "FAILED", n: 3 },
        { status: "SENT", n: 17 },
      ]);

      sent.length = 0;
      const more = Array.from({ length: 20 }, (_, i) => reserved(100 + i));
      const poison = { ...reserved(200), aggregateId: "not-a-uuid" }; // its booking_id does not fit the column
      await consumer.handleBatch([...more.slice(0, 10), poison, ...more.slice(10)]);
      expect(sent.sort()).toEqual(
        more.map((e) => `Booking ${(e.payload as { reference: string }).reference} is reserved`).sort(),
      );
      expect(await statuses(more)).toEqual([{ status: "SENT", n: 20 }]);
      expect(await deadLettersOf(name)).toEqual([
        { event_id: poison.eventId, attempts: 5, last_error: expect.any(String) },
      ]);
      const inbox = await inboxOf(name);
      expect(inbox).toHaveLength(40);
      expect(inbox.map((row) => row.event_id)).not.toContain(poison.eventId);
    }, 30_000);
  });
});

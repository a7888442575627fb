/**
 * Outbox throughput and commit-to-broker lag: writers commit events (10 per transaction) into a
 * fresh database for `duration`, one relay publishes them, a consumer measures when each arrives.
 * Uses DATABASE_URL and KAFKA_BROKERS when set (a fresh database is created and dropped), PGlite
 * and the in-process log otherwise. Writers, relay and consumer share this process.
 */
import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import pg from "pg";
import {
  connectPostgres,
  migratePgliteDatabase,
  migratePostgres,
  openPglite,
  SUBGRAPHS,
  type Database,
} from "../lib/storage/db";
import { createKafkaPublisher, createMemoryEventLog, type EventPublisher } from "../lib/messaging/event-publisher";
import { createLogger } from "../lib/observability/logger";
import { outboxRow } from "../lib/messaging/outbox";
import { createOutboxRelay } from "../lib/messaging/outbox-relay";
import { bookingOutbox } from "../subgraphs/booking/booking.tables";
import { percentile, printTable, writeResult } from "./support";

export async function outboxBenchmark(options: {
  durationMs: number;
  writers: number;
  databaseUrl?: string;
  kafkaBrokers?: string;
}) {
  const topic = `bench.outbox.${randomUUID()}`;
  let database: Database;
  let drop = async () => {};
  if (options.databaseUrl) {
    const name = `booking_bench_${randomUUID().slice(0, 8)}`;
    const admin = new pg.Client({ connectionString: options.databaseUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(options.databaseUrl);
    url.pathname = `/${name}`;
    for (const s of SUBGRAPHS) await migratePostgres(url.toString(), s);
    database = connectPostgres(url.toString(), { maxConnections: options.writers + 4 });
    drop = async () => {
      const a = new pg.Client({ connectionString: options.databaseUrl });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
  } else {
    const embedded = await openPglite();
    for (const s of SUBGRAPHS) await migratePgliteDatabase(embedded, s);
    database = embedded;
  }

  const committedAt = new Map<string, number>();
  const lags: number[] = [];
  let received = 0;
  const onMessage = (eventId: string) => {
    const at = committedAt.get(eventId);
    if (at !== undefined) {
      lags.push(performance.now() - at);
      committedAt.delete(eventId);
      received++;
    }
  };
  let publisher: EventPublisher;
  let stopConsumer = async () => {};
  if (options.kafkaBrokers) {
    const kafka = new Kafka({
      clientId: "outbox-bench",
      brokers: options.kafkaBrokers.split(","),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: `bench-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => onMessage(String(message.headers!.event_id)) });
    stopConsumer = () => consumer.disconnect();
    publisher = createKafkaPublisher(options.kafkaBrokers.split(","), "outbox-bench");
  } else {
    const log = createMemoryEventLog();
    log.subscribe(topic, (message) => onMessage(message.headers.event_id));
    publisher = log;
  }
  const relay = createOutboxRelay({
    schema: "booking",
    topic,
    database,
    publisher,
    logger: createLogger("silent"),
    batchSize: 1000,
  });
  await relay.start();
  await new Promise((r) => setTimeout(r, 3_000)); // consumer group settles

  let written = 0;
  const end = Date.now() + options.durationMs;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.writers }, async () => {
      while (Date.now() < end) {
        const rows = Array.from({ length: 10 }, () =>
          outboxRow({
            eventType: "bench.event",
            aggregateType: "booking",
            aggregateId: randomUUID(),
            aggregateVersion: 1,
            actor: null,
            payload: { n: 1 },
          }),
        );
        await database.db.insert(bookingOutbox).values(rows);
        const now = performance.now();
        for (const row of rows) committedAt.set(row.eventId, now);
        written += rows.length;
      }
    }),
  );
  const writeSeconds = (performance.now() - started) / 1000;
  const drainDeadline = Date.now() + 60_000;
  while (received < written && Date.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
  const totalSeconds = (performance.now() - started) / 1000;
  await relay.stop();
  await stopConsumer();
  await publisher.close();
  await database.close();
  await drop();

  lags.sort((a, b) => a - b);
  const result = {
    written,
    received,
    lost: written - received,
    writtenPerSecond: written / writeSeconds,
    publishedPerSecond: received / totalSeconds,
    lagP50: percentile(lags, 50),
    lagP99: percentile(lags, 99),
    lagMax: lags.at(-1) ?? 0,
  };
  const mode = `${options.databaseUrl ? "PostgreSQL" : "PGlite"} → ${options.kafkaBrokers ? "Kafka" : "in-process log"}`;
  console.log(`\noutbox: ${mode}, ${options.writers} writers × 10 events per commit, ${options.durationMs / 1000} s`);
  printTable([
    {
      written: result.written,
      received: result.received,
      lost: result.lost,
      "written/s": result.writtenPerSecond,
      "published/s": result.publishedPerSecond,
      "lag p50 ms": result.lagP50,
      "lag p99 ms": result.lagP99,
      "lag max ms": result.lagMax,
    },
  ]);
  console.log(
    `\nwrote ${await writeResult("outbox", { scenario: "outbox", mode, options: { durationMs: options.durationMs, writers: options.writers }, result })}`,
  );
  if (result.lost > 0) process.exitCode = 1;
}

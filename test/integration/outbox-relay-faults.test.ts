import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { sql } from "drizzle-orm";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { queryRows } from "../../lib/storage/db";
import { outboxRow } from "../../lib/messaging/outbox";
import { bookingOutbox } from "../../subgraphs/booking/booking.tables";
import { backends } from "../support/backends";
import { createTestDatabase } from "../support/database";

const ROOT = path.resolve(import.meta.dirname, "../..");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(!!backends.databaseUrl && !!backends.kafkaBrokers)("outbox relay under faults (real processes)", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("loses nothing and never reorders a booking when the relay is SIGKILLed mid-stream and restarted", async () => {
    const test = await createTestDatabase();
    const prefix = `fault-${randomUUID().slice(0, 8)}.`;
    const startRelay = () => {
      // node with tsx's loader, not the tsx CLI: the CLI is a second process that SIGKILL would not reach.
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/start-relay.ts"], {
        cwd: ROOT,
        env: {
          ...process.env,
          DATABASE_URL: test.url!,
          KAFKA_BROKERS: backends.kafkaBrokers!,
          KAFKA_PREFIX: prefix,
          RELAY_PORT: "0",
          LOG_LEVEL: "error",
        },
        stdio: "ignore",
      });
      children.push(child);
      return child;
    };
    const published = async () =>
      (
        await queryRows<{ n: number }>(
          test.database.db,
          sql`select count(*)::int as n from booking.outbox where published_at is not null`,
        )
      )[0].n;
    try {
      const aggregates = Array.from({ length: 200 }, () => randomUUID());
      const writing = (async () => {
        for (let i = 0; i < 50; i++) {
          const rows = Array.from({ length: 100 }, (_, j) => {
            const n = i * 100 + j;
            return outboxRow({
              eventType: "fault.test",
              aggregateType: "booking",
              aggregateId: aggregates[n % 200],
              aggregateVersion: Math.floor(n / 200) + 1,
              actor: null,
              payload: { n },
            });
          });
          await test.database.db.insert(bookingOutbox).values(rows);
          await sleep(40);
        }
      })();
      const first = startRelay();
      const deadline = Date.now() + 60_000;
      while ((await published()) < 1000 && Date.now() < deadline) await sleep(20);
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      const atKill = await published();
      expect(atKill).toBeLessThan(5000);
      await writing;
      startRelay();
      while ((await published()) < 5000 && Date.now() < deadline) await sleep(100);
      expect(await published()).toBe(5000);

      const kafka = new Kafka({
        clientId: "fault-test",
        brokers: backends.kafkaBrokers!.split(","),
        logLevel: logLevel.NOTHING,
      });
      const consumer = kafka.consumer({ groupId: `${prefix}check` });
      await consumer.connect();
      await consumer.subscribe({ topic: `${prefix}booking.events`, fromBeginning: true });
      const seen: { eventId: string; aggregateId: string; version: number }[] = [];
      await consumer.run({
        eachMessage: async ({ message }) => {
          const envelope = JSON.parse(message.value!.toString());
          seen.push({
            eventId: envelope.eventId,
            aggregateId: envelope.aggregateId,
            version: envelope.aggregateVersion,
          });
        },
      });
      const readDeadline = Date.now() + 30_000;
      while (new Set(seen.map((s) => s.eventId)).size < 5000 && Date.now() < readDeadline) await sleep(100);
      await sleep(500);
      await consumer.disconnect();

      const distinct = new Set(seen.map((s) => s.eventId));
      expect(distinct.size).toBe(5000);
      expect(seen.length - distinct.size).toBeLessThanOrEqual(500); // at most one batch re-sent
      const firstSeen = new Map<string, number[]>();
      const counted = new Set<string>();
      for (const s of seen) {
        if (counted.has(s.eventId)) continue;
        counted.add(s.eventId);
        firstSeen.set(s.aggregateId, [...(firstSeen.get(s.aggregateId) ?? []), s.version]);
      }
      for (const versions of firstSeen.values()) expect(versions).toEqual([...versions].sort((a, b) => a - b));
    } finally {
      for (const child of children) child.kill("SIGKILL");
      await sleep(200);
      await test.drop();
    }
  }, 120_000);
});

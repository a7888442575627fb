import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, it } from "vitest";
import { queryRows } from "../../lib/storage/db";
import { createKafkaPublisher } from "../../lib/messaging/event-publisher";
import { backends } from "../support/backends";
import { createTestDatabase } from "../support/database";

const ROOT = path.resolve(import.meta.dirname, "../..");
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.runIf(!!backends.databaseUrl && !!backends.kafkaBrokers)("a consumer under faults (real processes)", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
  });

  it("applies every event exactly once when the consumer is SIGKILLed mid-stream and restarted", async () => {
    const test = await createTestDatabase();
    const prefix = `consumer-fault-${randomUUID().slice(0, 8)}.`;
    const env = {
      ...process.env,
      DATABASE_URL: test.url!,
      KAFKA_BROKERS: backends.kafkaBrokers!,
      KAFKA_PREFIX: prefix,
      SERVICE_SECRET: randomBytes(32).toString("hex"),
      JWT_SECRET: randomBytes(32).toString("hex"),
      NOTIFICATION_PORT: "0",
      LOG_LEVEL: "error",
    };
    const startConsumer = () => {
      // node with tsx's loader, not the tsx CLI: the CLI is a second process that SIGKILL would not reach.
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/start-service.ts", "notification"], {
        cwd: ROOT,
        env,
        stdio: "ignore",
      });
      children.push(child);
      return child;
    };
    const stored = async () =>
      (
        await queryRows<{ n: number; bookings: number }>(
          test.database.db,
          sql`select count(*)::int as n, count(distinct booking_id)::int as bookings from notification.notifications`,
        )
      )[0];
    const publisher = createKafkaPublisher(backends.kafkaBrokers!.split(","), "consumer-fault-test", prefix);
    try {
      const events = Array.from({ length: 2000 }, (_, i) => {
        const bookingId = randomUUID();
        const envelope = {
          eventId: randomUUID(),
          eventType: "booking.reserved",
          aggregateType: "booking",
          aggregateId: bookingId,
          aggregateVersion: 1,
          occurredAt: new Date().toISOString(),
          actor: `guest-${i}`,
          traceparent: null,
          payload: {
            reference: `BR-20260101-${String(i).padStart(6, "0")}`,
            userId: `guest-${i}`,
            quantity: 1,
            expiresAt: new Date().toISOString(),
          },
        };
        return {
          key: bookingId,
          value: JSON.stringify(envelope),
          headers: { event_id: envelope.eventId, event_type: envelope.eventType },
        };
      });
      for (let i = 0; i < events.length; i += 500) await publisher.publish("booking.events", events.slice(i, i + 500));

      const first = startConsumer();
      const deadline = Date.now() + 90_000;
      while ((await stored()).n < 300 && Date.now() < deadline) await sleep(20);
      first.kill("SIGKILL");
      await new Promise((resolve) => first.once("exit", resolve));
      expect((await stored()).n).toBeLessThan(2000);

      startConsumer();
      while ((await stored()).n < 2000 && Date.now() < deadline) await sleep(200);
      await sleep(1_000); // redelivered messages after the restart must not add anything
      expect(await stored()).toEqual({ n: 2000, bookings: 2000 });
      const [inbox] = await queryRows<{ n: number }>(
        test.database.db,
        sql`select count(*)::int as n from notification.inbox`,
      );
      expect(inbox.n).toBe(2000);
    } finally {
      for (const child of children) child.kill("SIGKILL");
      await publisher.close();
      await sleep(200);
      await test.drop();
    }
  }, 120_000);
});

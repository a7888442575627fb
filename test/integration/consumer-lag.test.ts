import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createKafkaEventSource, createMemoryEventSource, type EventSource } from "../../lib/messaging/event-consumer";
import { createKafkaPublisher, createMemoryEventLog, type EventPublisher } from "../../lib/messaging/event-publisher";
import { backends } from "../support/backends";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(100);
  }
}

const message = (i: number) => {
  const eventId = randomUUID();
  return {
    key: `booking-${i % 3}`,
    value: JSON.stringify({ eventId, eventType: "lag.test", aggregateId: `booking-${i % 3}`, payload: { i } }),
    headers: { event_id: eventId, event_type: "lag.test" },
  };
};

/** Consumer lag as the broker sees it: what the group has not consumed, including while it is stuck. */
function lagContract(name: string, make: () => { source: EventSource; publisher: EventPublisher; prefix: string }) {
  it(`${name}: lag counts unconsumed messages while the consumer is stuck, and falls to 0 after`, async () => {
    const { source, publisher } = make();
    const topic = `lag-${randomUUID().slice(0, 8)}`;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let handled = 0;
    const subscription = await source.subscribeBatches(
      topic,
      `lag-group-${randomUUID().slice(0, 8)}`,
      async (events, progress) => {
        for (let i = 0; i < events.length && progress.isRunning(); i++) {
          await gate;
          handled++;
          await progress.done(i + 1);
        }
      },
    );
    try {
      await publisher.publish(
        topic,
        Array.from({ length: 12 }, (_, i) => message(i)),
      );
      // Stuck on its first message: nothing is committed, so every message counts.
      await until(async () => (await subscription.lag()) === 12);
      await sleep(500);
      expect(await subscription.lag()).toBe(12);
      release();
      await until(async () => handled === 12 && (await subscription.lag()) === 0);
    } finally {
      release();
      await subscription.stop();
      await publisher.close();
    }
  }, 60_000);
}

describe("consumer lag", () => {
  lagContract("embedded log", () => {
    const log = createMemoryEventLog();
    return { source: createMemoryEventSource(log), publisher: log, prefix: "" };
  });
  if (backends.kafkaBrokers) {
    lagContract("Kafka consumer group", () => {
      const prefix = `lag-${randomUUID().slice(0, 8)}.`;
      const brokers = backends.kafkaBrokers!.split(",");
      return {
        source: createKafkaEventSource(brokers, prefix),
        publisher: createKafkaPublisher(brokers, "lag-test", prefix),
        prefix,
      };
    });
  }
});

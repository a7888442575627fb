import { randomUUID } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { describe, expect, it } from "vitest";
import { backends } from "../support/backends";

/** Smoke test of the real broker: the outbox relay and consumers build on exactly this. */
describe.runIf(!!backends.kafkaBrokers)("Kafka", () => {
  it("carries one message with key and headers from an idempotent producer to a consumer group", async () => {
    const kafka = new Kafka({
      clientId: "smoke-test",
      brokers: backends.kafkaBrokers!.split(","),
      logLevel: logLevel.NOTHING,
    });
    const topic = `smoke.${randomUUID()}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: `smoke-${randomUUID()}` });
    try {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Promise<{ key: string; value: string; eventType: string }>((resolve) => {
        void consumer.run({
          eachMessage: async ({ message }) =>
            resolve({
              key: message.key!.toString(),
              value: message.value!.toString(),
              eventType: message.headers!.event_type!.toString(),
            }),
        });
      });
      const eventId = randomUUID();
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: "booking-1",
            value: JSON.stringify({ eventId }),
            headers: { event_id: eventId, event_type: "smoke.test" },
          },
        ],
      });
      expect(await received).toEqual({ key: "booking-1", value: JSON.stringify({ eventId }), eventType: "smoke.test" });
    } finally {
      await consumer.disconnect();
      await producer.disconnect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  }, 60_000);
});

import { Kafka, logLevel, type Producer } from "kafkajs";

export interface OutgoingMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** Where the relay sends events: Kafka in production, an in-process log when embedded. */
export interface EventPublisher {
  /** Sends the messages in order; rejects if any was not acknowledged. */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Resolves when the broker answers (tells an outage from a message that is refused). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * kafkajs's idempotent producer (`maxInFlightRequests: 1`, acks from all replicas): a retried
 * send cannot duplicate or reorder messages within a partition.
 */
export function createKafkaPublisher(brokers: string[], clientId: string, topicPrefix = ""): EventPublisher {
  const kafka = new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
  });
  let producer: Producer | null = null;
  const topics = new Set<string>();
  const admin = kafka.admin();
  let adminConnected: Promise<void> | null = null;
  const connectAdmin = () =>
    (adminConnected ??= admin.connect().catch((error) => {
      adminConnected = null;
      throw error;
    }));

  async function ensureTopic(topic: string) {
    if (topics.has(topic)) return;
    await connectAdmin();
    await admin
      .createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 1 }], waitForLeaders: true })
      .catch(() => {});
    topics.add(topic);
  }

  return {
    async publish(logicalTopic, messages) {
      const topic = topicPrefix + logicalTopic;
      if (!producer) {
        const created = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
        await created.connect();
        producer = created;
      }
      await ensureTopic(topic);
      try {
        await producer.send({ topic, acks: -1, messages });
      } catch (error) {
        // After a refused batch the idempotent producer's sequence numbers no longer match the
        // broker's; a new producer (new producer id) starts clean.
        const broken = producer;
        producer = null;
        await broken.disconnect().catch(() => {});
        throw error;
      }
    },
    async ping() {
      await connectAdmin();
      await admin.describeCluster();
    },
    async close() {
      await producer?.disconnect().catch(() => {});
      if (adminConnected) await admin.disconnect().catch(() => {});
    },
  };
}

/** The embedded event log: topics kept in memory, subscribers called in order. */
export interface MemoryEventLog extends EventPublisher {
  readonly topics: Map<string, OutgoingMessage[]>;
  subscribe(topic: string, handler: (message: OutgoingMessage) => void): () => void;
}

/** `maxMessageBytes` refuses larger messages, as a Kafka topic's `max.message.bytes` does. */
export function createMemoryEventLog(
  options: { maxMessageBytes?: number } = {},
): MemoryEventLog & { maxMessageBytes: number } {
  const topics = new Map<string, OutgoingMessage[]>();
  const handlers = new Map<string, Set<(message: OutgoingMessage) => void>>();
  return {
    topics,
    maxMessageBytes: options.maxMessageBytes ?? 1_048_576,
    async publish(topic, messages) {
      if (messages.some((m) => Buffer.byteLength(m.value) > this.maxMessageBytes)) {
        throw new Error("The message is larger than the topic accepts");
      }
      const log = topics.get(topic) ?? [];
      topics.set(topic, log);
      for (const message of messages) {
        log.push(message);
        for (const handler of handlers.get(topic) ?? []) handler(message);
      }
    },
    subscribe(topic, handler) {
      const set = handlers.get(topic) ?? new Set();
      handlers.set(topic, set);
      set.add(handler);
      return () => set.delete(handler);
    },
    ping: async () => {},
    close: async () => {},
  };
}

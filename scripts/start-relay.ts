/**
 * `npm run start:relay`: the outbox relay as its own process (any number of them): publishes the
 * subgraphs' outboxes to Kafka. Needs DATABASE_URL and KAFKA_BROKERS; listens on RELAY_PORT.
 */
import { connectPostgres } from "../lib/storage/db";
import { createKafkaPublisher } from "../lib/messaging/event-publisher";
import { runMain } from "../lib/process/main";
import { startRelays } from "../lib/messaging/relay-runner";
import { loadRelayConfig } from "../lib/core/service-config";
import { listening } from "../lib/core/services";

await runMain(
  {
    config: loadRelayConfig,
    async start(config, logger) {
      // Four relays (one per outbox) share the pool, plus one session each for locks and LISTEN.
      const database = connectPostgres(config.databaseUrl, {
        applicationName: "relay",
        maxConnections: 4,
        onConnectionError: (error) => logger.warn("database connection lost", { service: "relay", error }),
      });
      const publisher = createKafkaPublisher(config.kafkaBrokers, "outbox-relay", config.kafkaPrefix);
      // A busy RELAY_PORT ends the process (lib/process/main.ts) with a message naming the variable.
      const running = await listening("relay", () =>
        startRelays({ database, publisher, logger, host: config.host, port: config.port }),
      );
      logger.info("relay running", { url: running.server.url });
      return {
        async close() {
          await running.close();
          await publisher.close();
          await database.close();
        },
      };
    },
  },
  { service: "relay" },
);

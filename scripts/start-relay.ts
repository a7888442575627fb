/**
 * `npm run start:relay`: the outbox relay as its own process (any number of them): publishes the
 * subgraphs' outboxes to Kafka and their live messages to Redis (subscriptions; REDIS_URL). Needs
 * DATABASE_URL and KAFKA_BROKERS; listens on RELAY_PORT.
 */
import { connectPostgres } from "../lib/storage/db";
import { createKafkaPublisher } from "../lib/messaging/event-publisher";
import { runMain } from "../lib/process/main";
import { startRelays } from "../lib/messaging/relay-runner";
import { loadRelayConfig } from "../lib/core/service-config";
import { listening } from "../lib/core/services";
import { connectRedis } from "../lib/storage/redis";
import { createRedisLiveEvents } from "../lib/messaging/live";

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
      const redis = config.redisUrl ? connectRedis(config.redisUrl, "relay") : null;
      if (!redis) logger.warn("no REDIS_URL: events are published, but subscriptions get no live updates");
      const live = redis ? createRedisLiveEvents(redis, config.redisPrefix, logger) : undefined;
      // A busy RELAY_PORT ends the process (lib/process/main.ts) with a message naming the variable.
      const running = await listening("relay", () =>
        startRelays({ database, publisher, logger, live, host: config.host, port: config.port }),
      );
      logger.info("relay running", { url: running.server.url });
      return {
        async close() {
          await running.close();
          await publisher.close();
          await live?.close();
          await redis?.quit().catch(() => {});
          await database.close();
        },
      };
    },
  },
  { service: "relay" },
);

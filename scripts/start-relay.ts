/** `npm run start:relay`: the outbox relay as its own process (any number of them). Needs DATABASE_URL and KAFKA_BROKERS. */
import { z } from "zod";
import { kafkaBrokers, parseEnv, port, postgresUrl } from "../lib/config";
import { connectPostgres } from "../lib/db";
import { createKafkaPublisher } from "../lib/event-publisher";
import { runMain } from "../lib/main";
import { startRelays } from "../lib/relay-runner";

await runMain(
  async (env, logger) => {
    const config = parseEnv(
      z.object({
        DATABASE_URL: postgresUrl,
        KAFKA_BROKERS: kafkaBrokers,
        KAFKA_PREFIX: z.string().default(""),
        HOST: z.string().default("127.0.0.1"),
        RELAY_PORT: port(4010),
      }),
      env,
    );
    // Four relays (one per outbox) share the pool, plus one session each for locks and LISTEN.
    const database = connectPostgres(config.DATABASE_URL, {
      applicationName: "relay",
      maxConnections: 4,
      onConnectionError: (error) => logger.warn("database connection lost", { service: "relay", error }),
    });
    const publisher = createKafkaPublisher(config.KAFKA_BROKERS, "outbox-relay", config.KAFKA_PREFIX);
    const running = await startRelays({ database, publisher, logger, host: config.HOST, port: config.RELAY_PORT });
    logger.info("relay running", { url: running.server.url });
    return {
      async close() {
        await running.close();
        await publisher.close();
        await database.close();
      },
    };
  },
  { service: "relay" },
);

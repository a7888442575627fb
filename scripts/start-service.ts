/**
 * `npm run start:<service>`: one service as its own process, on PostgreSQL (and Redis when
 * REDIS_URL is set). Subgraphs need DATABASE_URL, SERVICE_SECRET and JWT_SECRET or JWKS_URL;
 * run `npm run db:migrate` first.
 */
import "reflect-metadata";
import { ConfigError } from "../lib/config";
import { connectPostgres } from "../lib/db";
import { createKafkaEventSource } from "../lib/event-consumer";
import { runMain } from "../lib/main";
import { connectRedis } from "../lib/redis";
import { createRedisLiveEvents } from "../lib/live";
import { startSubgraph } from "../lib/service";
import { loadSubgraphConfig } from "../lib/service-config";
import { loadGatewayConfig } from "../gateway/config";
import { startGateway } from "../gateway";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

const name = process.argv[2];

await runMain(
  async (env, logger) => {
    if (name === "gateway") return startGateway(loadGatewayConfig(env), logger);
    const definition = SUBGRAPH_DEFINITIONS.find((d) => d.name === name);
    if (!definition) {
      const known = ["gateway", ...SUBGRAPH_DEFINITIONS.map((d) => d.name)].join(", ");
      throw new ConfigError([`service: expected one of ${known}; got ${name ?? "nothing"}`]);
    }
    const config = loadSubgraphConfig(definition.name, env, { standalone: true });
    const database = connectPostgres(config.databaseUrl!, {
      applicationName: definition.name,
      maxConnections: config.databasePoolMax,
      onConnectionError: (error) => logger.warn("database connection lost", { service: definition.name, error }),
    });
    logger.info("database connections", { service: definition.name, poolMax: config.databasePoolMax });
    const redis = config.redisUrl ? connectRedis(config.redisUrl, definition.name) : null;
    // With a broker, the subgraph's consumers run in this process too.
    const events = config.kafkaBrokers ? createKafkaEventSource(config.kafkaBrokers, config.kafkaPrefix) : undefined;
    // Live updates for subscriptions go to the gateways through Redis pub/sub.
    const live = redis ? createRedisLiveEvents(redis, config.redisPrefix, logger) : undefined;
    const server = await startSubgraph(definition, { config, database, redis, logger, events, live });
    return {
      close: async () => {
        await server.close();
        await database.close();
        await redis?.quit();
      },
    };
  },
  { service: name },
);

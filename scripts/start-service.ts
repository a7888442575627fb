/**
 * `npm run start:<service>`: one service as its own process, on PostgreSQL (and Redis when
 * REDIS_URL is set, Kafka when KAFKA_BROKERS is set). Subgraphs need DATABASE_URL, SERVICE_SECRET
 * and JWT_SECRET or JWKS_URL (payment: PAYMENT_WEBHOOK_SECRET); run `npm run db:migrate` first.
 * Ports and the URLs of the other services come from lib/core/services.ts.
 */
import "reflect-metadata";
import { ConfigError, type Env } from "../lib/core/config";
import { connectPostgres } from "../lib/storage/db";
import { createKafkaEventSource } from "../lib/messaging/event-consumer";
import { runMain } from "../lib/process/main";
import { connectRedis } from "../lib/storage/redis";
import { createRedisLiveEvents } from "../lib/messaging/live";
import { startSubgraph } from "../lib/graphql/service";
import { loadSubgraphConfig, type SubgraphConfig } from "../lib/core/service-config";
import { listening, SERVICE_NAMES } from "../lib/core/services";
import { loadGatewayConfig, type GatewayConfig } from "../gateway/config";
import { startGateway } from "../gateway";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

const name = process.argv[2];
const definition = SUBGRAPH_DEFINITIONS.find((d) => d.name === name);

type ServiceConfig =
  | { kind: "gateway"; gateway: GatewayConfig; logLevel: GatewayConfig["logLevel"] }
  | { kind: "subgraph"; subgraph: SubgraphConfig; logLevel: SubgraphConfig["logLevel"] };

function config(env: Env): ServiceConfig {
  if (name === "gateway") {
    const gateway = loadGatewayConfig(env);
    return { kind: "gateway", gateway, logLevel: gateway.logLevel };
  }
  if (!definition) {
    const known = SERVICE_NAMES.filter((n) => n !== "relay").join(", ");
    throw new ConfigError([
      `service: expected one of ${known}; got ${name ?? "nothing"} (the relay is npm run start:relay)`,
    ]);
  }
  const subgraph = loadSubgraphConfig(definition.name, env, { standalone: true });
  return { kind: "subgraph", subgraph, logLevel: subgraph.logLevel };
}

await runMain(
  {
    config,
    async start(parsed, logger) {
      if (parsed.kind === "gateway") return listening("gateway", () => startGateway(parsed.gateway, logger));
      const { subgraph: config } = parsed;
      const service = definition!.name;
      const database = connectPostgres(config.databaseUrl!, {
        applicationName: service,
        maxConnections: config.databasePoolMax,
        onConnectionError: (error) => logger.warn("database connection lost", { service, error }),
      });
      logger.info("database connections", { service, poolMax: config.databasePoolMax });
      const redis = config.redisUrl ? connectRedis(config.redisUrl, service) : null;
      // With a broker, the subgraph's consumers run in this process too.
      const events = config.kafkaBrokers ? createKafkaEventSource(config.kafkaBrokers, config.kafkaPrefix) : undefined;
      if (!events) {
        logger.warn(
          "no KAFKA_BROKERS: this service consumes no events, so payment intents, confirmations, refunds and notifications do not happen (set KAFKA_BROKERS and run npm run start:relay)",
          { service },
        );
      }
      // Live updates for subscriptions go to the gateways through Redis pub/sub.
      const live = redis ? createRedisLiveEvents(redis, config.redisPrefix, logger) : undefined;
      try {
        const server = await listening(service, () =>
          startSubgraph(definition!, { config, database, redis, logger, events, live }),
        );
        return {
          close: async () => {
            await server.close();
            await database.close();
            await redis?.quit();
          },
        };
      } catch (error) {
        await database.close().catch(() => {});
        redis?.disconnect();
        throw error;
      }
    },
  },
  { service: name },
);

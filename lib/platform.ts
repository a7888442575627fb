import type { Redis } from "ioredis";
import { configureTracing } from "./tracing";
import { z } from "zod";
import { signUserToken } from "./auth";
import { booleanFlag, parseEnv, port, type Env } from "./config";
import { createKafkaEventSource, createMemoryEventSource } from "./event-consumer";
import { createKafkaPublisher, createMemoryEventLog, type EventPublisher } from "./event-publisher";
import { OUTBOX_TOPICS, startRelays } from "./relay-runner";
import {
  connectPostgres,
  migratePgliteDatabase,
  migratePostgres,
  openPglite,
  type Database,
  type SubgraphName,
} from "./db";
import { DEMO_USERS } from "./demo";
import type { RunningServer } from "./http";
import type { Logger } from "./logger";
import { connectRedis } from "./redis";
import { createMemoryLiveEvents, createRedisLiveEvents } from "./live";
import { startSubgraph, type SubgraphDefinition } from "./service";
import { loadSubgraphConfig, randomSecret } from "./service-config";
import { loadGatewayConfig } from "../gateway/config";
import { startGateway } from "../gateway";

export interface Platform {
  mode: "embedded" | "real";
  gateway: RunningServer;
  /** The outbox relay's health and metrics server. */
  relay: RunningServer;
  /** Where the relay publishes: Kafka, or the in-process event log when embedded. */
  publisher: EventPublisher;
  gatewayUrl: string;
  subgraphs: Record<SubgraphName, RunningServer>;
  /** Each subgraph's database handle (operators' scripts and tests read through them). */
  databases: Record<SubgraphName, Database>;
  /** The environment the services were configured from, generated secrets included. */
  env: Env;
  /** Ready-to-paste tokens for the demo users (when tokens are HS256-signed here). */
  demoTokens: Partial<Record<keyof typeof DEMO_USERS, string>>;
  close(): Promise<void>;
}

const launcherSchema = z.object({
  RELAY_PORT: port(4010),
  PGLITE_DATA_DIR: z.string().optional(),
  DEMO_DATA: booleanFlag(true),
  MIGRATE_ON_START: booleanFlag(true),
  /** The explorer page offers the demo users' tokens (default: only in the embedded mode). */
  EXPLORER_DEMO_TOKENS: z.enum(["true", "false"]).optional(),
});

/**
 * Starts the four subgraphs and the gateway in one process: on PostgreSQL and Redis when
 * their URLs are set, otherwise on an embedded PGlite (same SQL, same migrations).
 * Secrets that are not configured are generated for this process, which is safe because
 * every service that shares them lives in it.
 */
export async function startPlatform(
  definitions: SubgraphDefinition[],
  baseEnv: Env,
  logger: Logger,
): Promise<Platform> {
  const launcher = parseEnv(launcherSchema, baseEnv);
  const env: Env = {
    ...baseEnv,
    SERVICE_SECRET: baseEnv.SERVICE_SECRET || randomSecret(),
    JWT_SECRET: baseEnv.JWT_SECRET || (baseEnv.JWKS_URL ? undefined : randomSecret()),
    PAYMENT_WEBHOOK_SECRET: baseEnv.PAYMENT_WEBHOOK_SECRET || randomSecret(),
  };
  const configs = definitions.map((d) => ({
    definition: d,
    config: loadSubgraphConfig(d.name, env, { standalone: false }),
  }));
  const databaseUrl = configs[0].config.databaseUrl;
  const gatewayConfig = loadGatewayConfig(env, { embedded: !databaseUrl });
  const redisUrl = configs[0].config.redisUrl;

  const closers: (() => Promise<unknown>)[] = [];
  // First in, last out: the spans of the shutdown itself are exported too.
  const tracing = configureTracing(env, "gateway");
  if (tracing) closers.push(() => tracing.shutdown());
  const closeAll = async () => {
    for (const close of closers.reverse())
      await close().catch((error) => logger.warn("shutdown step failed", { error }));
  };
  try {
    const databases = await openDatabases(definitions, databaseUrl, launcher, closers, {
      poolMax: configs[0].config.databasePoolMax,
      logger,
    });
    if (launcher.DEMO_DATA) {
      for (const d of definitions) await d.seedDemoData(databases[d.name].db);
    }
    let redis: Redis | null = null;
    if (redisUrl) {
      redis = connectRedis(redisUrl, "platform");
      closers.push(() => redis!.quit());
    }
    // The relay publishes every outbox to Kafka, or to the in-process event log when embedded;
    // consumers read from the same place.
    // Kafka settings are the services' own (parsed with their config).
    const { kafkaBrokers, kafkaPrefix, host } = configs[0].config;
    const memoryLog = kafkaBrokers ? null : createMemoryEventLog();
    const publisher: EventPublisher = memoryLog ?? createKafkaPublisher(kafkaBrokers!, "platform-relay", kafkaPrefix);
    closers.push(() => publisher.close());
    const events = memoryLog ? createMemoryEventSource(memoryLog) : createKafkaEventSource(kafkaBrokers!, kafkaPrefix);
    // Live updates for subscriptions: Redis pub/sub when Redis is configured (any number of
    // gateways), in-process otherwise.
    const live = redis ? createRedisLiveEvents(redis, configs[0].config.redisPrefix, logger) : createMemoryLiveEvents();
    closers.push(() => live.close());
    const subgraphs = {} as Record<SubgraphName, RunningServer>;
    for (const { definition, config } of configs) {
      // Booking calls inventory's internal operations; in one process it is the one just started.
      if (definition.name !== "inventory" && !env.INVENTORY_INTERNAL_URL && subgraphs.inventory) {
        config.reservations.inventoryUrl = subgraphs.inventory.url;
      }
      subgraphs[definition.name] = await startSubgraph(definition, {
        config,
        database: databases[definition.name],
        redis,
        logger,
        events,
        live,
      });
      closers.push(() => subgraphs[definition.name].close());
    }
    for (const name of Object.keys(subgraphs) as SubgraphName[]) {
      gatewayConfig.subgraphUrls[name] ??= `${subgraphs[name].url}/graphql`;
    }
    const demoTokens: Platform["demoTokens"] = {};
    if (env.JWT_SECRET) {
      for (const [key, user] of Object.entries(DEMO_USERS)) {
        demoTokens[key as keyof typeof DEMO_USERS] = await signUserToken(gatewayConfig.auth, user, "24h");
      }
    }
    const offerTokens = (launcher.EXPLORER_DEMO_TOKENS ?? (databaseUrl ? "false" : "true")) === "true";
    const gateway = await startGateway(gatewayConfig, logger, {
      live,
      explorerTokens: offerTokens ? (demoTokens as Record<string, string>) : {},
    });
    closers.push(() => gateway.close());

    const relay = await startRelays({
      database: databases.booking,
      publisher,
      logger,
      host,
      port: launcher.RELAY_PORT,
    });
    closers.push(() => relay.close());

    return {
      mode: databaseUrl ? "real" : "embedded",
      gateway,
      relay: relay.server,
      publisher,
      gatewayUrl: `${gateway.url}/graphql`,
      subgraphs,
      databases,
      env,
      demoTokens,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/**
 * One pool for the whole process: the subgraphs keep to their own Postgres schemas, so they can
 * share connections. Its size plus one session per outbox relay is everything this process
 * opens, so several platforms fit on one server's default `max_connections` (100).
 */
async function openDatabases(
  definitions: SubgraphDefinition[],
  databaseUrl: string | undefined,
  launcher: z.infer<typeof launcherSchema>,
  closers: (() => Promise<unknown>)[],
  pool: { poolMax: number; logger: Logger },
): Promise<Record<SubgraphName, Database>> {
  const databases = {} as Record<SubgraphName, Database>;
  if (databaseUrl) {
    if (launcher.MIGRATE_ON_START) for (const d of definitions) await migratePostgres(databaseUrl, d.name);
    const log = pool.logger.child({ service: "database" });
    const database = connectPostgres(databaseUrl, {
      maxConnections: pool.poolMax,
      applicationName: "booking-platform",
      onConnectionError: (error) => log.warn("database connection lost", { error }),
    });
    closers.push(() => database.close());
    for (const d of definitions) databases[d.name] = database;
    log.info("database connections", {
      poolMax: pool.poolMax,
      relaySessions: Object.keys(OUTBOX_TOPICS).length,
      total: pool.poolMax + Object.keys(OUTBOX_TOPICS).length,
    });
    return databases;
  }
  // One embedded database for all subgraphs; each keeps to its own Postgres schema.
  const embedded = await openPglite(launcher.PGLITE_DATA_DIR);
  closers.push(() => embedded.close());
  for (const d of definitions) {
    await migratePgliteDatabase(embedded, d.name);
    databases[d.name] = embedded;
  }
  return databases;
}

import type { Redis } from "ioredis";
import { configureTracing } from "../lib/observability/tracing";
import { z } from "zod";
import { signUserToken } from "../lib/core/auth";
import { booleanFlag, ConfigError, parseEnv, type Env } from "../lib/core/config";
import { createKafkaEventSource, createMemoryEventSource } from "../lib/messaging/event-consumer";
import { createKafkaPublisher, createMemoryEventLog, type EventPublisher } from "../lib/messaging/event-publisher";
import { OUTBOX_TOPICS, startRelays } from "../lib/messaging/relay-runner";
import {
  connectPostgres,
  migratePgliteDatabase,
  migratePostgres,
  openPglite,
  type PgliteDatabase,
  type Database,
  type SubgraphName,
} from "../lib/storage/db";
import { DEMO_USERS } from "../lib/core/demo";
import type { RunningServer } from "../lib/http/server";
import type { Logger, LogLevel } from "../lib/observability/logger";
import { openMigratedPglite } from "../lib/storage/pglite-snapshot";
import { connectRedis } from "../lib/storage/redis";
import { createMemoryLiveEvents, createRedisLiveEvents } from "../lib/messaging/live";
import { startSubgraph, type SubgraphDefinition } from "../lib/graphql/service";
import { randomSecret, subgraphConfigFrom, subgraphEnv, type SubgraphConfig } from "../lib/core/service-config";
import { listening, SUBGRAPHS, subgraphUrlVariable } from "../lib/core/services";
import { gatewayConfigFrom, gatewayEnv, type GatewayConfig } from "../gateway/config";
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

const launcherEnv = {
  PGLITE_DATA_DIR: z.string().optional(),
  DEMO_DATA: booleanFlag(true),
  MIGRATE_ON_START: booleanFlag(true),
  /** The explorer page offers the demo users' tokens (default: only in the embedded mode). */
  EXPLORER_DEMO_TOKENS: z.enum(["true", "false"]).optional(),
};

/** Everything the one-process platform runs with, parsed once from the environment. */
export interface PlatformConfig {
  mode: "embedded" | "real";
  /** The environment the services were configured from, generated secrets included. */
  env: Env;
  logLevel: LogLevel;
  subgraphs: Record<SubgraphName, SubgraphConfig>;
  gateway: GatewayConfig;
  relay: { host: string; port: number };
  pgliteDataDir?: string;
  demoData: boolean;
  migrateOnStart: boolean;
  explorerDemoTokens: boolean;
  /**
   * URLs set by the operator (INVENTORY_INTERNAL_URL, `<NAME>_URL`); the others point at the
   * services this process starts, wherever they listen (a port of 0 is chosen at start).
   */
  explicitUrls: { inventoryInternal: boolean; subgraphs: Record<SubgraphName, boolean> };
}

const platformSchema = z.object({ ...subgraphEnv, ...gatewayEnv, ...launcherEnv });

/**
 * Parses the environment once for every service of the platform and lists every problem at
 * once. Secrets that are not configured are generated for this process, which is safe because
 * every service that shares them lives in it.
 */
export function loadPlatformConfig(baseEnv: Env): PlatformConfig {
  const env: Env = {
    ...baseEnv,
    SERVICE_SECRET: baseEnv.SERVICE_SECRET || randomSecret(),
    JWT_SECRET: baseEnv.JWT_SECRET || (baseEnv.JWKS_URL ? undefined : randomSecret()),
    PAYMENT_WEBHOOK_SECRET: baseEnv.PAYMENT_WEBHOOK_SECRET || randomSecret(),
  };
  const parsed = parseEnv(platformSchema, env);
  const problems = new Set<string>();
  const collect = <T>(build: () => T): T | undefined => {
    try {
      return build();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      for (const problem of error.problems) problems.add(problem);
      return undefined;
    }
  };
  const subgraphs = Object.fromEntries(
    SUBGRAPHS.map((name) => [name, collect(() => subgraphConfigFrom(name, parsed, { standalone: false }))]),
  ) as Record<SubgraphName, SubgraphConfig>;
  const gateway = collect(() => gatewayConfigFrom(parsed, { embedded: !parsed.DATABASE_URL }));
  if (problems.size) throw new ConfigError([...problems]);
  return {
    mode: parsed.DATABASE_URL ? "real" : "embedded",
    env,
    logLevel: parsed.LOG_LEVEL,
    subgraphs,
    gateway: gateway!,
    relay: { host: parsed.HOST, port: parsed.RELAY_PORT },
    pgliteDataDir: parsed.PGLITE_DATA_DIR,
    demoData: parsed.DEMO_DATA,
    migrateOnStart: parsed.MIGRATE_ON_START,
    explorerDemoTokens: (parsed.EXPLORER_DEMO_TOKENS ?? (parsed.DATABASE_URL ? "false" : "true")) === "true",
    explicitUrls: {
      inventoryInternal: !!parsed.INVENTORY_INTERNAL_URL,
      subgraphs: Object.fromEntries(SUBGRAPHS.map((name) => [name, !!parsed[subgraphUrlVariable(name)]])) as Record<
        SubgraphName,
        boolean
      >,
    },
  };
}

export interface PlatformOptions {
  /** Called with a line for each start-up step (`npm start` prints them). */
  progress?: (line: string) => void;
}

/**
 * Starts the four subgraphs and the gateway in one process: on PostgreSQL and Redis when
 * their URLs are set, otherwise on an embedded PGlite (same SQL, same migrations).
 */
export async function startPlatform(
  definitions: SubgraphDefinition[],
  env: Env,
  logger: Logger,
  options: PlatformOptions = {},
): Promise<Platform> {
  return startPlatformWith(definitions, loadPlatformConfig(env), logger, options);
}

export async function startPlatformWith(
  definitions: SubgraphDefinition[],
  config: PlatformConfig,
  logger: Logger,
  options: PlatformOptions = {},
): Promise<Platform> {
  const progress = options.progress ?? (() => {});
  const { env, gateway: gatewayConfig } = config;
  const configs = definitions.map((d) => ({ definition: d, config: config.subgraphs[d.name] }));
  const databaseUrl = config.mode === "real" ? configs[0].config.databaseUrl : undefined;
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
    const databases = await openDatabases(definitions, databaseUrl, config, closers, {
      poolMax: configs[0].config.databasePoolMax,
      logger,
      progress,
    });
    if (config.demoData) {
      progress("seeding demo data");
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
    const { kafkaBrokers, kafkaPrefix } = configs[0].config;
    const memoryLog = kafkaBrokers ? null : createMemoryEventLog();
    const publisher: EventPublisher = memoryLog ?? createKafkaPublisher(kafkaBrokers!, "platform-relay", kafkaPrefix);
    closers.push(() => publisher.close());
    const events = memoryLog ? createMemoryEventSource(memoryLog) : createKafkaEventSource(kafkaBrokers!, kafkaPrefix);
    // Live updates for subscriptions: Redis pub/sub when Redis is configured (any number of
    // gateways), in-process otherwise.
    const live = redis ? createRedisLiveEvents(redis, configs[0].config.redisPrefix, logger) : createMemoryLiveEvents();
    closers.push(() => live.close());
    const subgraphs = {} as Record<SubgraphName, RunningServer>;
    for (const { definition, config: subgraphConfig } of configs) {
      // Booking calls inventory's internal operations; in one process it is the one just started.
      if (definition.name !== "inventory" && !config.explicitUrls.inventoryInternal && subgraphs.inventory) {
        subgraphConfig.reservations.inventoryUrl = subgraphs.inventory.url;
      }
      progress(`starting ${definition.name}`);
      subgraphs[definition.name] = await listening(definition.name, () =>
        startSubgraph(definition, {
          config: subgraphConfig,
          database: databases[definition.name],
          redis,
          logger,
          events,
          live,
        }),
      );
      closers.push(() => subgraphs[definition.name].close());
      progress(`  ${definition.name.padEnd(13)} ${subgraphs[definition.name].url}`);
    }
    for (const name of Object.keys(subgraphs) as SubgraphName[]) {
      if (!config.explicitUrls.subgraphs[name]) gatewayConfig.subgraphUrls[name] = `${subgraphs[name].url}/graphql`;
    }
    const demoTokens: Platform["demoTokens"] = {};
    if (gatewayConfig.auth.jwtSecret) {
      for (const [key, user] of Object.entries(DEMO_USERS)) {
        demoTokens[key as keyof typeof DEMO_USERS] = await signUserToken(gatewayConfig.auth, user, "24h");
      }
    }
    progress("starting the gateway");
    const gateway = await listening("gateway", () =>
      startGateway(gatewayConfig, logger, {
        live,
        explorerTokens: config.explorerDemoTokens ? (demoTokens as Record<string, string>) : {},
      }),
    );
    closers.push(() => gateway.close());
    progress(`  ${"gateway".padEnd(13)} ${gateway.url}`);

    progress(`starting the outbox relay (to ${kafkaBrokers ? "Kafka" : "the in-process event log"})`);
    const relay = await listening("relay", () =>
      startRelays({
        database: databases.booking,
        publisher,
        logger,
        host: config.relay.host,
        port: config.relay.port,
        live,
      }),
    );
    closers.push(() => relay.close());
    progress(`  ${"relay".padEnd(13)} ${relay.server.url}`);

    return {
      mode: config.mode,
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
  config: PlatformConfig,
  closers: (() => Promise<unknown>)[],
  pool: { poolMax: number; logger: Logger; progress: (line: string) => void },
): Promise<Record<SubgraphName, Database>> {
  const databases = {} as Record<SubgraphName, Database>;
  if (databaseUrl) {
    if (config.migrateOnStart) {
      pool.progress("migrating the database (PostgreSQL)");
      for (const d of definitions) await migratePostgres(databaseUrl, d.name);
    }
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
  pool.progress(`opening the embedded database (${config.pgliteDataDir ?? "in memory"}) and migrating it`);
  let embedded: PgliteDatabase;
  if (config.pgliteDataDir) {
    embedded = await openPglite(config.pgliteDataDir);
    for (const d of definitions) await migratePgliteDatabase(embedded, d.name);
  } else {
    const log = pool.logger.child({ service: "database" });
    ({ database: embedded } = await openMigratedPglite(
      definitions.map((d) => d.name),
      (message, error) => log.warn(message, { error }),
    ));
  }
  closers.push(() => embedded.close());
  for (const d of definitions) databases[d.name] = embedded;
  return databases;
}

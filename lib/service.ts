import type { GraphQLSchema } from "graphql";
import type { Redis } from "ioredis";
import { createTokenVerifier } from "./auth";
import type { AppDatabase, Database, SubgraphName } from "./db";
import type { RunningServer } from "./http";
import type { Logger } from "./logger";
import type { SubgraphConfig } from "./service-config";
import { startSubgraphServer } from "./subgraph";

/** What a subgraph is given by whoever starts it (the launcher or its own main). */
export interface SubgraphDeps {
  config: SubgraphConfig;
  database: Database;
  redis: Redis | null;
  logger: Logger;
}

/** A subgraph as the launcher, the composer and the tests see it. */
export interface SubgraphDefinition {
  name: SubgraphName;
  /** The composition root: repositories → services → resolvers → schema. */
  buildSchema(db: AppDatabase): Promise<GraphQLSchema>;
  /** Inserts the demo rows this subgraph owns; safe to run again. */
  seedDemoData(db: AppDatabase): Promise<void>;
}

export async function startSubgraph(definition: SubgraphDefinition, deps: SubgraphDeps): Promise<RunningServer> {
  const { config, database, redis } = deps;
  const logger = deps.logger.child({ service: definition.name });
  const readiness: Record<string, () => Promise<unknown>> = { database: () => database.ping() };
  if (redis) readiness.redis = () => redis.ping();
  return startSubgraphServer({
    name: definition.name,
    schema: await definition.buildSchema(database.db),
    host: config.host,
    port: config.port,
    serviceSecret: config.auth.serviceSecret,
    verifier: createTokenVerifier(config.auth),
    readiness,
    logger,
  });
}

import type { Registry } from "prom-client";
import type { GraphQLSchema } from "graphql";
import type { EventSource } from "../messaging/event-consumer";
import type { LiveEvents } from "../messaging/live";
import type { Redis } from "ioredis";
import { createTokenVerifier } from "../core/auth";
import type { AppDatabase, Database, SubgraphName } from "../storage/db";
import type { ReadinessChecks, Routes, RunningServer } from "../http/server";
import type { Logger } from "../observability/logger";
import type { SubgraphConfig } from "../core/service-config";
import { startSubgraphServer } from "./subgraph";

/** What a subgraph is given by whoever starts it (the launcher or its own main). */
export interface SubgraphDeps {
  config: SubgraphConfig;
  database: Database;
  redis: Redis | null;
  logger: Logger;
  /** Where the subgraph's consumers read events from (Kafka, or the embedded log); none: no consumers. */
  events?: EventSource;
  /** Where live updates for subscriptions are published (Redis pub/sub, or in-process); none: not published. */
  live?: LiveEvents;
}

/** What a subgraph's composition root produces. */
export interface SubgraphRuntime {
  schema: GraphQLSchema;
  /** Internal HTTP routes (service-to-service operations, webhooks). */
  routes?: Routes;
  /** The subgraph's metrics, served at `GET /metrics` (the HTTP request metrics are added to it). */
  registry?: Registry;
  /** Extra readiness checks (the hold store, for example). */
  readiness?: ReadinessChecks;
  /** The batch loaders of one request (`RequestContext.loaders`), made anew for every request. */
  createLoaders?: () => unknown;
  /** Background work (sweepers); started once the server listens at `server.url`. */
  start?(server: { url: string }): void | Promise<void>;
  stop?(): Promise<void>;
}

/** A subgraph as the launcher, the composer and the tests see it. */
export interface SubgraphDefinition {
  name: SubgraphName;
  /**
   * The composition root: clients → repositories → services → resolvers → schema. Must not
   * touch the database or Redis while building (the composer builds with neither).
   */
  create(deps: SubgraphDeps): Promise<SubgraphRuntime>;
  /** Inserts the demo rows this subgraph owns; safe to run again. */
  seedDemoData(db: AppDatabase): Promise<void>;
}

export async function startSubgraph(definition: SubgraphDefinition, deps: SubgraphDeps): Promise<RunningServer> {
  const { config, database, redis } = deps;
  const logger = deps.logger.child({ service: definition.name });
  const runtime = await definition.create({ ...deps, logger });
  const readiness: ReadinessChecks = { database: () => database.ping(), ...runtime.readiness };
  if (redis) readiness.redis = () => redis.ping();
  const server = await startSubgraphServer({
    name: definition.name,
    schema: runtime.schema,
    host: config.host,
    port: config.port,
    serviceSecret: config.auth.serviceSecret,
    verifier: createTokenVerifier(config.auth),
    readiness,
    routes: runtime.routes,
    registry: runtime.registry,
    createLoaders: runtime.createLoaders,
    logger,
  });
  await runtime.start?.({ url: server.url });
  return {
    ...server,
    close: async () => {
      await runtime.stop?.();
      await server.close();
    },
  };
}

import { EVENT_TOPICS, type OutboxSchema } from "../contracts/events";
import type { Database } from "../storage/db";
import type { EventPublisher } from "./event-publisher";
import type { LiveEvents } from "./live";
import { healthRoutes, startHttpServer, type RunningServer } from "../http/server";
import type { Logger } from "../observability/logger";
import { createMetricsRegistry, metricsRoutes, observeHttpServer } from "../observability/metrics";
import { createOutboxRelay, type OutboxRelay } from "./outbox-relay";

/** The outboxes and their topics (one topic per subgraph, README: Events: the outbox relay): lib/contracts/events.ts. */
export const OUTBOX_TOPICS: Readonly<Record<OutboxSchema, string>> = EVENT_TOPICS;

/**
 * Runs a relay per outbox plus a small HTTP server with `/healthz`, `/readyz` and `/metrics`
 * (backlog, lag, published, retries, dead letters).
 */
export async function startRelays(options: {
  database: Database;
  publisher: EventPublisher;
  logger: Logger;
  host: string;
  port: number;
  pollMs?: number;
  /** The live streams the relay appends published events' live messages to (subscriptions). */
  live?: LiveEvents;
}): Promise<{ relays: OutboxRelay[]; server: RunningServer; close(): Promise<void> }> {
  const logger = options.logger.child({ service: "relay" });
  const registry = createMetricsRegistry("relay");
  const relays = Object.entries(OUTBOX_TOPICS).map(([schema, topic]) =>
    createOutboxRelay({
      schema,
      topic,
      database: options.database,
      publisher: options.publisher,
      logger,
      registry,
      pollMs: options.pollMs,
      live: options.live,
    }),
  );
  for (const relay of relays) await relay.start();
  const server = await startHttpServer({
    host: options.host,
    port: options.port,
    logger,
    routes: {
      ...healthRoutes({ database: () => options.database.ping(), broker: () => options.publisher.ping() }, logger),
      ...metricsRoutes(registry),
    },
  });
  observeHttpServer(server.server, registry);
  return {
    relays,
    server,
    async close() {
      for (const relay of relays) await relay.stop();
      await server.close();
    },
  };
}

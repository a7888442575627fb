import { readFile } from "node:fs/promises";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import fetch from "node-fetch";
import { createTokenVerifier } from "../lib/auth";
import type { SubgraphName } from "../lib/db";
import { createErrorFormatter } from "../lib/errors";
import { graphqlHandler, healthRoutes, startHttpServer, type RunningServer } from "../lib/http";
import type { Logger } from "../lib/logger";
import type { GatewayConfig } from "./config";
import { buildGatewayContext, type GatewayContext } from "./context";
import { keepAliveFetcher, SubgraphDataSource } from "./subgraph-data-source";
import { randomUUID } from "node:crypto";
import type { ExecutionResult, GraphQLSchema } from "graphql";
import type { Redis } from "ioredis";
import { Counter } from "prom-client";
import { createRedisLiveEvents, type LiveEvents } from "../lib/live";
import { createMetricsRegistry, metricsRoutes } from "../lib/metrics";
import { connectRedis } from "../lib/redis";
import { createSubscriptionHub, type QueryExecutor } from "./subscriptions/hub";
import { createSseHandler } from "./subscriptions/sse";
import { explorerRoutes } from "./explorer";
import { inputGuardPlugin } from "./input-guard";
import { attachWebSocketTransport } from "./subscriptions/websocket";

/**
 * The public endpoint: an Apollo Gateway over the supergraph composed ahead of time
 * (`schema/supergraph.graphql`, no introspection of subgraphs at start-up).
 */
export async function startGateway(
  config: GatewayConfig,
  logger: Logger,
  options: { live?: LiveEvents; explorerTokens?: Record<string, string> } = {},
): Promise<RunningServer> {
  const log = logger.child({ service: "gateway" });
  const supergraphSdl = await readFile(config.supergraphPath, "utf8");
  const fetcher = keepAliveFetcher(config.maxSocketsPerSubgraph, config.subgraphTimeoutMs);
  const subgraphUrls = new Map<string, string>();
  const registry = createMetricsRegistry("gateway");
  const subgraphRequests = new Counter({
    name: "gateway_subgraph_requests_total",
    help: "Requests the gateway sent to each subgraph",
    labelNames: ["subgraph"],
    registers: [registry],
  });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const resolved = config.subgraphUrls[name as SubgraphName] ?? url;
      if (!resolved) throw new Error(`No URL for subgraph ${name}`);
      subgraphUrls.set(name, resolved);
      return new SubgraphDataSource(resolved, config.auth.serviceSecret, fetcher, () =>
        subgraphRequests.inc({ subgraph: name }),
      );
    },
  });
  let apiSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(log),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    plugins: [ApolloServerPluginLandingPageDisabled(), inputGuardPlugin()],
  });
  await apollo.start();

  const verifier = createTokenVerifier(config.auth);
  const graphql = graphqlHandler(apollo, (req) => buildGatewayContext(req, verifier, log));
  const readiness = Object.fromEntries(
    [...subgraphUrls].map(([name, url]) => [
      `subgraph:${name}`,
      async () => {
        const response = await fetch(new URL("/healthz", url).toString());
        if (!response.ok) throw new Error(`status ${response.status}`);
      },
    ]),
  );
  // Subscriptions (ARCHITECTURE.md §7): live events from Redis pub/sub (or in-process), payloads
  // resolved through the federated graph as the subscriber, served over WebSocket and SSE.
  let ownRedis: Redis | null = null;
  let live = options.live;
  if (!live && config.redisUrl) {
    ownRedis = connectRedis(config.redisUrl, "gateway");
    live = createRedisLiveEvents(ownRedis, config.redisPrefix, log);
  }
  if (!live) log.warn("no REDIS_URL: subscriptions are accepted but receive no live updates");
  const execute: QueryExecutor = async (query, variables, auth) => {
    const response = await apollo.executeOperation(
      { query, variables },
      { contextValue: { principal: auth.principal, token: auth.token, requestId: randomUUID(), logger: log } },
    );
    if (response.body.kind !== "single") throw new Error("Incremental delivery is not supported here");
    return response.body.singleResult as ExecutionResult;
  };
  const schema = () => {
    if (!apiSchema) throw new Error("The supergraph is not loaded yet");
    return apiSchema;
  };
  const hub = createSubscriptionHub({ live, execute, logger: log, registry });
  const sse = createSseHandler({ schema, hub, execute, verifier });
  const explorer = config.explorerEnabled ? explorerRoutes({ demoTokens: options.explorerTokens ?? {} }) : null;
  const graphqlOrStream: typeof graphql = (req, res) => {
    const accept = req.headers.accept ?? "";
    if (accept.includes("text/event-stream")) return sse(req, res);
    // A browser opening the endpoint gets the explorer; API clients (JSON) get GraphQL.
    if (explorer && req.method === "GET" && accept.includes("text/html") && !req.url?.includes("query="))
      return explorer.page(req, res);
    return graphql(req, res);
  };

  const server = await startHttpServer({
    host: config.host,
    port: config.port,
    logger: log,
    routes: {
      ...healthRoutes(readiness, log),
      ...metricsRoutes(registry),
      ...(explorer ? (({ page: _, ...routes }) => routes)(explorer) : {}),
      "POST /graphql": graphqlOrStream,
      "GET /graphql": graphqlOrStream,
    },
  });
  const ws = attachWebSocketTransport({
    server: server.server,
    path: "/graphql",
    schema,
    hub,
    execute,
    verifier,
    logger: log,
  });
  log.info("gateway listening", { url: `${server.url}/graphql` });
  return {
    ...server,
    close: async () => {
      await ws.close();
      await server.close();
      await apollo.stop();
      if (ownRedis) {
        await live?.close();
        await ownRedis.quit().catch(() => {});
      }
    },
  };
}

import { readFile } from "node:fs/promises";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import fetch from "node-fetch";
import { createTokenVerifier } from "../lib/core/auth";
import type { SubgraphName } from "../lib/storage/db";
import { createErrorFormatter } from "../lib/core/errors";
import { graphqlHandler, healthRoutes, requestId, startHttpServer, type RunningServer } from "../lib/http/server";
import type { Logger } from "../lib/observability/logger";
import type { GatewayConfig } from "./config";
import { buildGatewayContext, type GatewayContext } from "./context";
import { keepAliveFetcher, SubgraphDataSource } from "./subgraph-data-source";
import { randomUUID } from "node:crypto";
import type { ExecutionResult, GraphQLSchema } from "graphql";
import type { Redis } from "ioredis";
import { Counter } from "prom-client";
import { createRedisLiveEvents, type LiveEvents } from "../lib/messaging/live";
import { createMetricsRegistry, metricsRoutes, observeHttpServer } from "../lib/observability/metrics";
import { operationMetricsPlugin } from "./operation-metrics";
import { connectRedis } from "../lib/storage/redis";
import { createSubscriptionHub, type QueryExecutor } from "./subscriptions/hub";
import { createSseHandler, isSseRequest } from "./subscriptions/sse";
import { EXAMPLE_OPERATIONS, explorerRoutes } from "./explorer";
import { inputGuardPlugin } from "./input-guard";
import { startRateLimiter } from "./rate-limit";
import { clientIp, trustedProxies } from "./rate-limit/client-ip";
import { createOperationLimiter, httpOperationCheck, operationLimitsPlugin } from "./operation-limits";
import { attachWebSocketTransport } from "./subscriptions/websocket";
import { corsPolicy, originAllowed } from "./cors";
import { securityHeaders } from "./security-headers";
import { loadTrustedDocuments, trustedDocumentsPlugin } from "./trusted-documents";
import { hideSuggestionsPlugin, introspectionMessagePlugin } from "./schema-visibility";

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
  // Trusted documents (gateway/trusted-documents.ts): a bad manifest fails start-up here.
  const trustedDocuments = config.trustedDocuments
    ? await loadTrustedDocuments({
        ...config.trustedDocuments,
        extraDocuments: config.explorerEnabled ? EXAMPLE_OPERATIONS.map((e) => e.query) : [],
        allowIntrospection: config.introspection,
        logger: log,
      })
    : null;
  const visibility = { introspection: config.introspection, suggestions: config.suggestions };
  const fetcher = keepAliveFetcher(config.maxSocketsPerSubgraph, config.subgraphTimeoutMs);
  const subgraphUrls = new Map<string, string>();
  const registry = createMetricsRegistry("gateway");
  const subgraphRequests = new Counter({
    name: "gateway_subgraph_requests_total",
    help: "Requests the gateway sent to each subgraph",
    labelNames: ["subgraph"],
    registers: [registry],
  });
  const subgraphRequestsDeduplicated = new Counter({
    name: "gateway_subgraph_requests_deduplicated_total",
    help: "Subgraph requests answered by an identical anonymous query already in flight instead of being sent",
    labelNames: ["subgraph"],
    registers: [registry],
  });
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const resolved = config.subgraphUrls[name as SubgraphName] ?? url;
      if (!resolved) throw new Error(`No URL for subgraph ${name}`);
      subgraphUrls.set(name, resolved);
      return new SubgraphDataSource(resolved, {
        serviceSecret: config.auth.serviceSecret,
        fetcher,
        deduplicate: config.deduplicateSubgraphRequests,
        onRequest: () => subgraphRequests.inc({ subgraph: name }),
        onDeduplicated: () => subgraphRequestsDeduplicated.inc({ subgraph: name }),
      });
    },
  });
  let apiSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  const limiter = createOperationLimiter(config.operationLimits);
  // Token buckets per user and IP and the per-IP cap of unpaid seats (gateway/rate-limit/).
  const rateLimits = startRateLimiter(config, log);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(log),
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (lib/process/main.ts drains the servers, then stops Apollo): with its own SIGTERM
    // handler (on unless NODE_ENV=test) Apollo stops first and re-sends the signal, which ends
    // the process with exit code 1 before requests in flight finish.
    stopOnTerminationSignals: false,
    introspection: config.introspection,
    // Automatic persisted queries would let any client register a document: off when only
    // trusted documents may run (their ids are resolved by trustedDocumentsPlugin instead).
    persistedQueries: trustedDocuments?.mode === "enforce" ? false : undefined,
    csrfPrevention: true,
    // graphql-js stops parsing at the token limit (the limiter's own parse refuses it first).
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      operationMetricsPlugin<GatewayContext>(registry),
      // First: the other plugins see the listed text (or the refusal's placeholder).
      ...(trustedDocuments ? [trustedDocumentsPlugin<GatewayContext>(trustedDocuments)] : []),
      ...(config.suggestions ? [] : [hideSuggestionsPlugin<GatewayContext>()]),
      ...(config.introspection ? [] : [introspectionMessagePlugin<GatewayContext>()]),
      operationLimitsPlugin(limiter),
      inputGuardPlugin(),
      ...(rateLimits.limiter ? [rateLimits.limiter.plugin<GatewayContext>()] : []),
    ],
  });
  await apollo.start();

  const verifier = createTokenVerifier(config.auth);
  const graphql = graphqlHandler(
    apollo,
    (req) => buildGatewayContext(req, verifier, log, rateLimits.limiter?.clientIp),
    httpOperationCheck(limiter, () => schema(), trustedDocuments),
  );
  const readiness = Object.fromEntries(
    [...subgraphUrls].map(([name, url]) => [
      `subgraph:${name}`,
      async () => {
        const response = await fetch(new URL("/healthz", url).toString());
        if (!response.ok) throw new Error(`status ${response.status}`);
      },
    ]),
  );
  // Subscriptions (README: Live updates): live events from Redis pub/sub (or in-process), payloads
  // resolved through the federated graph as the subscriber, served over WebSocket and SSE.
  let ownRedis: Redis | null = null;
  let live = options.live;
  if (!live && config.redisUrl) {
    ownRedis = connectRedis(config.redisUrl, "gateway");
    live = createRedisLiveEvents(ownRedis, config.redisPrefix, log);
  }
  if (!live) log.warn("no REDIS_URL: subscriptions are accepted but receive no live updates");
  const execute: QueryExecutor = async (query, variables, auth, clientIp) => {
    const response = await apollo.executeOperation(
      { query, variables },
      {
        contextValue: {
          principal: auth.principal,
          token: auth.token,
          requestId: randomUUID(),
          logger: log,
          ...(clientIp ? { clientIp } : {}),
        },
      },
    );
    if (response.body.kind !== "single") throw new Error("Incremental delivery is not supported here");
    return response.body.singleResult as ExecutionResult;
  };
  const schema = () => {
    if (!apiSchema) throw new Error("The supergraph is not loaded yet");
    return apiSchema;
  };
  const hub = createSubscriptionHub({ live, execute, logger: log, registry });
  const proxies = trustedProxies(config.rateLimit.trustedProxies);
  const sse = createSseHandler({
    schema,
    hub,
    execute,
    verifier,
    limiter,
    rateLimiter: rateLimits.limiter ?? undefined,
    trustedDocuments,
    visibility,
    clientIp: (req) => clientIp(req, proxies),
    logger: log,
  });
  const explorer = config.explorerEnabled ? explorerRoutes({ demoTokens: options.explorerTokens ?? {} }) : null;
  const graphqlOrStream: typeof graphql = (req, res) => {
    // The request id (the client's, or a new one) is echoed, so a client can quote it; the
    // context reads the same header.
    const id = requestId(req);
    req.headers["x-request-id"] = id;
    res.setHeader("x-request-id", id);
    if (isSseRequest(req)) return sse(req, res);
    // A browser opening the endpoint gets the explorer; API clients (JSON) get GraphQL.
    const accept = req.headers.accept ?? "";
    if (explorer && req.method === "GET" && accept.includes("text/html") && !req.url?.includes("query="))
      return explorer.page(req, res);
    return graphql(req, res);
  };

  // Browsers on the allow-list (and the explorer on the gateway's own origin) may call /graphql;
  // /metrics is only for a scraper holding METRICS_TOKEN (this port is public).
  const cors = corsPolicy(config.corsOrigins);
  if (!config.metricsToken) log.info("no METRICS_TOKEN: GET /metrics is off on the gateway");
  const server = await startHttpServer({
    host: config.host,
    port: config.port,
    service: "gateway",
    logger: log,
    headers: securityHeaders(),
    routes: {
      ...healthRoutes(readiness, log),
      ...(config.metricsToken ? metricsRoutes(registry, { token: config.metricsToken }) : {}),
      ...(explorer ? (({ page: _, ...routes }) => routes)(explorer) : {}),
      "OPTIONS /graphql": cors.preflight,
      "POST /graphql": cors.wrap(graphqlOrStream),
      "GET /graphql": cors.wrap(graphqlOrStream),
      // SSE single connection mode: PUT reserves an event stream, DELETE stops one of its operations.
      "PUT /graphql": cors.wrap(graphqlOrStream),
      "DELETE /graphql": cors.wrap(graphqlOrStream),
    },
  });
  observeHttpServer(server.server, registry);
  const ws = attachWebSocketTransport({
    limiter,
    server: server.server,
    path: "/graphql",
    schema,
    hub,
    execute,
    verifier,
    logger: log,
    allowOrigin: (req) => originAllowed(config.corsOrigins, req),
    rateLimiter: rateLimits.limiter ?? undefined,
    trustedDocuments,
    visibility,
    fanout: config.subscriptionFanout,
  });
  log.info("gateway listening", { url: `${server.url}/graphql` });
  return {
    ...server,
    close: async () => {
      await ws.close();
      await server.close();
      await apollo.stop();
      await rateLimits.close();
      if (ownRedis) {
        await live?.close();
        await ownRedis.quit().catch(() => {});
      }
    },
  };
}

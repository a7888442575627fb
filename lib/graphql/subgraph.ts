import type { Registry } from "prom-client";
import type { IncomingMessage } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap, type NonEmptyArray } from "type-graphql";
import { authenticate, isServiceSecret, SERVICE_SECRET_HEADER, type Principal, type TokenVerifier } from "../core/auth";
import { createErrorFormatter } from "../core/errors";
import {
  graphqlHandler,
  healthRoutes,
  requestId,
  sendJson,
  startHttpServer,
  type ReadinessChecks,
  type RunningServer,
  type Routes,
} from "../http/server";
import type { Logger } from "../observability/logger";
import { metricsRoutes, observeHttpServer } from "../observability/metrics";

/** The request context every resolver receives. */
export interface RequestContext<TLoaders = unknown> {
  principal: Principal | null;
  requestId: string;
  logger: Logger;
  /**
   * The serving subgraph's batch loaders (`SubgraphServerOptions.createLoaders`), made anew for
   * every request: they batch the reads of one request and cache them for it only, so nothing
   * one caller loaded is ever served to another.
   */
  loaders: TLoaders;
}

/** Federation directives every subgraph may use: one pinned list, one version. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible", "@tag"])`;

type ResolverClass = new (...args: never[]) => object;
type ReferenceResolvers<TContext> = Record<
  string,
  { __resolveReference: (reference: never, context: TContext) => unknown }
>;

/**
 * Builds a Federation 2 subgraph from type-graphql resolvers: type-graphql builds a schema,
 * its SDL (with directives) and resolver map go to `buildSubgraphSchema`, which adds
 * `_service`, `_entities` and the entity reference resolvers.
 *
 * Resolver instances are passed in (constructed by the composition root), so resolvers get
 * their services through constructors instead of a global container.
 */
/**
 * Subscription fields are declared by the subgraph that owns them (so they are in the
 * supergraph), but served by the gateway's subscription layer (gateway/subscriptions): a
 * subgraph never runs them.
 */
export const SERVED_BY_GATEWAY = (): never => {
  throw new Error("Subscriptions are served by the gateway");
};

/** Every subscription field's `after` argument (README: Live updates, resume). */
export const RESUME_AFTER =
  "Resume: the `extensions.cursor` of the last push you received. The changes since then come first, in order (availability: each changed zone once, as it is now), then live ones; a cursor older than what is kept (24 h, the last 10,000 changes) → CURSOR_EXPIRED: fetch the state and subscribe without it.";
const gatewayServedPubSub = { publish: () => {}, subscribe: SERVED_BY_GATEWAY };

export async function buildSubgraph<TContext extends RequestContext<any> = RequestContext>(options: {
  resolvers: object[];
  orphanedTypes?: Function[];
  references?: ReferenceResolvers<TContext>;
}): Promise<GraphQLSchema> {
  const instances = new Map<Function, object>(options.resolvers.map((r) => [r.constructor, r]));
  const schema = await buildSchema({
    resolvers: options.resolvers.map((r) => r.constructor as ResolverClass) as unknown as NonEmptyArray<Function>,
    orphanedTypes: options.orphanedTypes,
    pubSub: gatewayServedPubSub as never,
    container: {
      get: (cls: Function) => {
        const instance = instances.get(cls);
        if (!instance) throw new Error(`No instance given for resolver ${cls.name}`);
        return instance;
      },
    },
    validate: false,
    skipCheck: true,
  });
  const resolverMap = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, reference] of Object.entries(options.references ?? {})) {
    resolverMap[typeName] = { ...resolverMap[typeName], ...reference };
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
    resolvers: resolverMap as never,
  });
}

export interface SubgraphServerOptions {
  name: string;
  schema: GraphQLSchema;
  host: string;
  port: number;
  serviceSecret: string;
  verifier: TokenVerifier;
  readiness: ReadinessChecks;
  logger: Logger;
  /** Extra HTTP routes (webhooks, internal endpoints). */
  routes?: Routes;
  /** The subgraph's metrics: served at `GET /metrics`, and its HTTP requests counted in them. */
  registry?: Registry;
  /** Makes the batch loaders of one request (`RequestContext.loaders`); called once per request. */
  createLoaders?: () => unknown;
}

/**
 * Serves a subgraph at `POST /graphql`. Only callers holding the service secret (the gateway,
 * other services) get through; the user token they forward is verified again here.
 */
export async function startSubgraphServer(options: SubgraphServerOptions): Promise<RunningServer> {
  const { logger, verifier } = options;
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (lib/process/main.ts drains the servers, then stops Apollo): with its own SIGTERM
    // handler (on unless NODE_ENV=test) Apollo stops first and re-sends the signal, which ends
    // the process with exit code 1 before requests in flight finish.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
  });
  await apollo.start();

  const buildContext = async (req: IncomingMessage): Promise<RequestContext> => {
    const id = requestId(req);
    const { principal } = await authenticate(req.headers.authorization, verifier);
    return {
      principal,
      requestId: id,
      logger: logger.child({ requestId: id }),
      loaders: options.createLoaders?.() ?? {},
    };
  };
  const graphql = graphqlHandler(apollo, buildContext);

  const server = await startHttpServer({
    host: options.host,
    port: options.port,
    service: options.name,
    logger,
    routes: {
      ...healthRoutes(options.readiness, logger),
      ...(options.registry ? metricsRoutes(options.registry) : {}),
      ...options.routes,
      "POST /graphql": async (req, res) => {
        const secret = req.headers[SERVICE_SECRET_HEADER];
        if (!isServiceSecret(typeof secret === "string" ? secret : undefined, options.serviceSecret)) {
          sendJson(res, 401, {
            errors: [{ message: "Missing or invalid service credentials", extensions: { code: "UNAUTHENTICATED" } }],
          });
          return;
        }
        await graphql(req, res);
      },
    },
  });
  // http_requests_total / http_request_duration_seconds on the registry served at /metrics.
  if (options.registry) observeHttpServer(server.server, options.registry);
  logger.info("subgraph listening", { subgraph: options.name, url: `${server.url}/graphql` });
  return {
    ...server,
    close: async () => {
      await server.close();
      await apollo.stop();
    },
  };
}

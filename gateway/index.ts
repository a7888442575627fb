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

/**
 * The public endpoint: an Apollo Gateway over the supergraph composed ahead of time
 * (`schema/supergraph.graphql`, no introspection of subgraphs at start-up).
 */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<RunningServer> {
  const log = logger.child({ service: "gateway" });
  const supergraphSdl = await readFile(config.supergraphPath, "utf8");
  const fetcher = keepAliveFetcher(config.maxSocketsPerSubgraph);
  const subgraphUrls = new Map<string, string>();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const resolved = config.subgraphUrls[name as SubgraphName] ?? url;
      if (!resolved) throw new Error(`No URL for subgraph ${name}`);
      subgraphUrls.set(name, resolved);
      return new SubgraphDataSource(resolved, config.auth.serviceSecret, fetcher);
    },
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(log),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    csrfPrevention: true,
    plugins: [ApolloServerPluginLandingPageDisabled()],
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
  const server = await startHttpServer({
    host: config.host,
    port: config.port,
    logger: log,
    routes: { ...healthRoutes(readiness, log), "POST /graphql": graphql, "GET /graphql": graphql },
  });
  log.info("gateway listening", { url: `${server.url}/graphql` });
  return {
    ...server,
    close: async () => {
      await server.close();
      await apollo.stop();
    },
  };
}

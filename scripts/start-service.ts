/**
 * `npm run start:<service>`: one service as its own process, on PostgreSQL (and Redis when
 * REDIS_URL is set). Subgraphs need DATABASE_URL, SERVICE_SECRET and JWT_SECRET or JWKS_URL;
 * run `npm run db:migrate` first.
 */
import "reflect-metadata";
import { z } from "zod";
import { ConfigError, logLevel, parseEnv } from "../lib/config";
import { connectPostgres } from "../lib/db";
import { processEnv } from "../lib/env";
import type { RunningServer } from "../lib/http";
import { createLogger } from "../lib/logger";
import { connectRedis } from "../lib/redis";
import { startSubgraph } from "../lib/service";
import { loadSubgraphConfig } from "../lib/service-config";
import { loadGatewayConfig } from "../gateway/config";
import { startGateway } from "../gateway";
import { SUBGRAPH_DEFINITIONS } from "../subgraphs";

const name = process.argv[2];
const env = processEnv();
const cleanups: (() => Promise<unknown>)[] = [];

async function start(): Promise<RunningServer> {
  const logger = createLogger(parseEnv(z.object({ LOG_LEVEL: logLevel }), env).LOG_LEVEL);
  if (name === "gateway") return startGateway(loadGatewayConfig(env), logger);
  const definition = SUBGRAPH_DEFINITIONS.find((d) => d.name === name);
  if (!definition) {
    throw new ConfigError([
      `service: expected one of gateway, ${SUBGRAPH_DEFINITIONS.map((d) => d.name).join(", ")}; got ${name ?? "nothing"}`,
    ]);
  }
  const config = loadSubgraphConfig(definition.name, env, { standalone: true });
  const database = connectPostgres(config.databaseUrl!, { applicationName: definition.name });
  cleanups.push(() => database.close());
  const redis = config.redisUrl ? connectRedis(config.redisUrl, definition.name) : null;
  if (redis) cleanups.push(() => redis.quit());
  return startSubgraph(definition, { config, database, redis, logger });
}

try {
  const server = await start();
  const stop = async () => {
    await server.close();
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

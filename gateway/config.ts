import path from "node:path";
import { z } from "zod";
import {
  authEnv,
  ConfigError,
  httpUrl,
  logLevel,
  parseEnv,
  port,
  redisUrl,
  type AuthConfig,
  type Env,
} from "../lib/config";
import type { SubgraphName } from "../lib/db";
import type { LogLevel } from "../lib/logger";
import { authConfigFrom, DEFAULT_PORTS, missingSecrets } from "../lib/service-config";

export interface GatewayConfig {
  host: string;
  port: number;
  supergraphPath: string;
  /** Overrides of the subgraph URLs written in the supergraph file. */
  subgraphUrls: Partial<Record<SubgraphName, string>>;
  /** Upper bound of keep-alive sockets per subgraph. */
  maxSocketsPerSubgraph: number;
  /** Deadline of one subgraph request; past it the request is aborted (SERVICE_UNAVAILABLE). */
  subgraphTimeoutMs: number;
  redisUrl?: string;
  /** Serve the GraphQL explorer at `GET /` (turn off in production if it is not wanted). */
  explorerEnabled: boolean;
  /** Namespace of the Redis channels (the services' REDIS_PREFIX). */
  redisPrefix: string;
  auth: AuthConfig;
  logLevel: LogLevel;
}

const schema = z.object({
  HOST: z.string().default("127.0.0.1"),
  GATEWAY_PORT: port(DEFAULT_PORTS.gateway),
  SUPERGRAPH_PATH: z.string().default(path.resolve(import.meta.dirname, "..", "schema", "supergraph.graphql")),
  BOOKING_URL: httpUrl.optional(),
  INVENTORY_URL: httpUrl.optional(),
  PAYMENT_URL: httpUrl.optional(),
  NOTIFICATION_URL: httpUrl.optional(),
  SUBGRAPH_MAX_SOCKETS: z.coerce.number().int().min(1).max(1024).default(64),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[\w.-]{1,40}$/, "must be 1–40 letters, digits, '.', '_' or '-'")
    .default("bp"),
  EXPLORER_ENABLED: z.enum(["true", "false"]).default("true"),
  LOG_LEVEL: logLevel,
  ...authEnv,
});

export function loadGatewayConfig(env: Env = process.env): GatewayConfig {
  const parsed = parseEnv(schema, env);
  const missing = missingSecrets(parsed);
  if (missing.length) throw new ConfigError(missing);
  const subgraphUrls: Partial<Record<SubgraphName, string>> = {};
  if (parsed.BOOKING_URL) subgraphUrls.booking = parsed.BOOKING_URL;
  if (parsed.INVENTORY_URL) subgraphUrls.inventory = parsed.INVENTORY_URL;
  if (parsed.PAYMENT_URL) subgraphUrls.payment = parsed.PAYMENT_URL;
  if (parsed.NOTIFICATION_URL) subgraphUrls.notification = parsed.NOTIFICATION_URL;
  return {
    host: parsed.HOST,
    port: parsed.GATEWAY_PORT,
    supergraphPath: parsed.SUPERGRAPH_PATH,
    subgraphUrls,
    maxSocketsPerSubgraph: parsed.SUBGRAPH_MAX_SOCKETS,
    subgraphTimeoutMs: parsed.SUBGRAPH_TIMEOUT_MS,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    explorerEnabled: parsed.EXPLORER_ENABLED === "true",
    auth: authConfigFrom(parsed),
    logLevel: parsed.LOG_LEVEL,
  };
}

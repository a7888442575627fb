import path from "node:path";
import { z } from "zod";
import {
  authEnv,
  booleanFlag,
  ConfigError,
  holdTtlSeconds,
  host,
  httpUrl,
  logLevel,
  parseEnv,
  redisPrefix,
  redisUrl,
  type AuthConfig,
  type Env,
} from "../lib/core/config";
import {
  portsEnv,
  portsFrom,
  SUBGRAPHS,
  subgraphUrls,
  subgraphUrlVariable,
  type SubgraphName,
  type SubgraphUrlVariable,
} from "../lib/core/services";
import type { LogLevel } from "../lib/observability/logger";
import { corsOrigins } from "./cors";
import { DEFAULT_OPERATION_LIMITS, type OperationLimits } from "./operation-limits";
import { trustedProxies } from "./rate-limit/client-ip";
import type { RateLimitConfig } from "./rate-limit/limiter";
import { authConfigFrom, missingSecrets, secretsHint } from "../lib/core/service-config";

export interface GatewayConfig {
  host: string;
  port: number;
  supergraphPath: string;
  /**
   * Where each subgraph is called (instead of the URLs written in the supergraph file):
   * `<NAME>_URL`, else `<NAME>_PORT` on this machine (lib/core/services.ts).
   */
  subgraphUrls: Record<SubgraphName, string>;
  /** Upper bound of keep-alive sockets per subgraph. */
  maxSocketsPerSubgraph: number;
  /** Deadline of one subgraph request; past it the request is aborted (SERVICE_UNAVAILABLE). */
  subgraphTimeoutMs: number;
  /**
   * Identical anonymous `query` requests in flight to a subgraph at the same time share one HTTP
   * request (gateway/subgraph-deduplication.ts). `GATEWAY_DEDUPLICATE=false` turns it off.
   */
  deduplicateSubgraphRequests: boolean;
  /**
   * How WebSocket subscription payloads are written (gateway/subscriptions/fanout.ts): `batched`,
   * or `inline` (the former way, kept to compare them). `SUBSCRIPTION_FANOUT`.
   */
  subscriptionFanout: "batched" | "inline";
  redisUrl?: string;
  /** Serve the GraphQL explorer at `GET /` (turn off in production if it is not wanted). */
  explorerEnabled: boolean;
  /** Namespace of the Redis channels (the services' REDIS_PREFIX). */
  redisPrefix: string;
  /** Browser origins allowed besides the gateway's own (CORS and WebSocket `Origin` check). */
  corsOrigins: string[];
  /** `GET /metrics` needs `Authorization: Bearer <metricsToken>`; unset, the gateway serves no metrics. */
  metricsToken?: string;
  auth: AuthConfig;
  logLevel: LogLevel;
  /** Depth, aliases, tokens, directives and cost one operation may have (gateway/operation-limits.ts). */
  operationLimits: OperationLimits;
  /** Trusted documents (gateway/trusted-documents.ts): the manifest, and whether unlisted documents are refused. */
  trustedDocuments: { manifestPath: string; mode: "enforce" | "log" } | null;
  /** Answer `__schema` / `__type`. Default: on in the embedded mode (`npm start` alone), off with real backends. */
  introspection: boolean;
  /** "Did you mean …?" hints in error messages (they reveal field names). Same default as introspection. */
  suggestions: boolean;
  /** Token buckets per user and per IP, and the per-IP cap of unpaid seats (gateway/rate-limit/). */
  rateLimit: RateLimitConfig;
}

/** Every variable the gateway reads (the launcher parses them together with the subgraphs' once). */
export const gatewayEnv = {
  HOST: host,
  ...portsEnv,
  SUPERGRAPH_PATH: z.string().default(path.resolve(import.meta.dirname, "..", "schema", "supergraph.graphql")),
  ...(Object.fromEntries(SUBGRAPHS.map((name) => [subgraphUrlVariable(name), httpUrl.optional()])) as Record<
    SubgraphUrlVariable,
    z.ZodOptional<typeof httpUrl>
  >),
  SUBGRAPH_MAX_SOCKETS: z.coerce.number().int().min(1).max(1024).default(64),
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  GATEWAY_DEDUPLICATE: booleanFlag(true),
  SUBSCRIPTION_FANOUT: z.enum(["batched", "inline"]).default("batched"),
  REDIS_URL: redisUrl.optional(),
  REDIS_PREFIX: redisPrefix,
  EXPLORER_ENABLED: z.enum(["true", "false"]).default("true"),
  TRUSTED_DOCUMENTS: z.string().optional(),
  TRUSTED_DOCUMENTS_MODE: z.enum(["enforce", "log"]).default("enforce"),
  INTROSPECTION: z.enum(["true", "false"]).optional(),
  GRAPHQL_SUGGESTIONS: z.enum(["true", "false"]).optional(),
  CORS_ORIGINS: corsOrigins,
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  OPERATION_MAX_DEPTH: z.coerce.number().int().min(1).max(100).default(DEFAULT_OPERATION_LIMITS.maxDepth),
  OPERATION_MAX_ALIASES: z.coerce.number().int().min(0).max(1_000).default(DEFAULT_OPERATION_LIMITS.maxAliases),
  OPERATION_MAX_DIRECTIVES: z.coerce.number().int().min(0).max(1_000).default(DEFAULT_OPERATION_LIMITS.maxDirectives),
  OPERATION_MAX_TOKENS: z.coerce.number().int().min(100).max(100_000).default(DEFAULT_OPERATION_LIMITS.maxTokens),
  OPERATION_MAX_TYPE_REPEATS: z.coerce.number().int().min(1).max(100).default(DEFAULT_OPERATION_LIMITS.maxTypeRepeats),
  OPERATION_MAX_COST: z.coerce.number().int().min(1).max(10_000_000).default(DEFAULT_OPERATION_LIMITS.maxCost),
  OPERATION_LIST_SIZE: z.coerce.number().int().min(1).max(10_000).default(DEFAULT_OPERATION_LIMITS.listSize),
  RATE_LIMIT_ENABLED: booleanFlag(true),
  RATE_LIMIT_GENERAL_PER_MINUTE: z.coerce.number().min(1).max(1_000_000).default(100),
  RATE_LIMIT_GENERAL_BURST: z.coerce.number().int().min(1).max(100_000).default(20),
  RATE_LIMIT_RESERVATION_PER_MINUTE: z.coerce.number().min(1).max(1_000_000).default(20),
  RATE_LIMIT_RESERVATION_BURST: z.coerce.number().int().min(1).max(100_000).default(10),
  RATE_LIMIT_IP_FACTOR: z.coerce.number().int().min(1).max(10_000).default(1),
  RATE_LIMIT_IP_MAX_HELD_SEATS: z.coerce.number().int().min(0).max(1_000_000).default(20),
  /** The booking service's hold lifetime (same variable): how long an IP's held seats count. */
  HOLD_TTL_SECONDS: holdTtlSeconds,
  TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((v) =>
      v
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .superRefine((entries, ctx) => {
      try {
        trustedProxies(entries);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
      }
    }),
  LOG_LEVEL: logLevel,
  ...authEnv,
};

export type GatewayEnv = z.infer<z.ZodObject<typeof gatewayEnv>>;

const schema = z.object(gatewayEnv);

/**
 * `embedded`: the gateway runs inside `npm start` on embedded backends (a developer's machine),
 * where introspection and suggestions default to on; a standalone gateway or one over real
 * backends is treated as production and keeps them off unless enabled.
 */
export function loadGatewayConfig(env: Env, options: { embedded?: boolean } = {}): GatewayConfig {
  return gatewayConfigFrom(parseEnv(schema, env), options);
}

/** The gateway's configuration from the variables parsed with `gatewayEnv`. */
export function gatewayConfigFrom(parsed: GatewayEnv, options: { embedded?: boolean } = {}): GatewayConfig {
  const missing = missingSecrets(parsed);
  if (missing.length) throw new ConfigError(missing, secretsHint(missing));
  const ports = portsFrom(parsed);
  return {
    host: parsed.HOST,
    port: ports.gateway,
    supergraphPath: parsed.SUPERGRAPH_PATH,
    subgraphUrls: subgraphUrls(parsed, parsed.HOST, ports),
    maxSocketsPerSubgraph: parsed.SUBGRAPH_MAX_SOCKETS,
    subgraphTimeoutMs: parsed.SUBGRAPH_TIMEOUT_MS,
    deduplicateSubgraphRequests: parsed.GATEWAY_DEDUPLICATE,
    subscriptionFanout: parsed.SUBSCRIPTION_FANOUT,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    explorerEnabled: parsed.EXPLORER_ENABLED === "true",
    corsOrigins: parsed.CORS_ORIGINS,
    metricsToken: parsed.METRICS_TOKEN,
    auth: authConfigFrom(parsed),
    logLevel: parsed.LOG_LEVEL,
    operationLimits: {
      maxDepth: parsed.OPERATION_MAX_DEPTH,
      maxAliases: parsed.OPERATION_MAX_ALIASES,
      maxDirectives: parsed.OPERATION_MAX_DIRECTIVES,
      maxTokens: parsed.OPERATION_MAX_TOKENS,
      maxTypeRepeats: parsed.OPERATION_MAX_TYPE_REPEATS,
      maxCost: parsed.OPERATION_MAX_COST,
      listSize: parsed.OPERATION_LIST_SIZE,
    },
    trustedDocuments: parsed.TRUSTED_DOCUMENTS
      ? { manifestPath: path.resolve(parsed.TRUSTED_DOCUMENTS), mode: parsed.TRUSTED_DOCUMENTS_MODE }
      : null,
    introspection: (parsed.INTROSPECTION ?? String(options.embedded ?? false)) === "true",
    suggestions: (parsed.GRAPHQL_SUGGESTIONS ?? String(options.embedded ?? false)) === "true",
    rateLimit: {
      enabled: parsed.RATE_LIMIT_ENABLED,
      general: { perMinute: parsed.RATE_LIMIT_GENERAL_PER_MINUTE, burst: parsed.RATE_LIMIT_GENERAL_BURST },
      reservation: { perMinute: parsed.RATE_LIMIT_RESERVATION_PER_MINUTE, burst: parsed.RATE_LIMIT_RESERVATION_BURST },
      ipFactor: parsed.RATE_LIMIT_IP_FACTOR,
      ipMaxHeldSeats: parsed.RATE_LIMIT_IP_MAX_HELD_SEATS,
      holdTtlSeconds: parsed.HOLD_TTL_SECONDS,
      trustedProxies: parsed.TRUSTED_PROXIES,
    },
  };
}

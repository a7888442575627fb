import { randomBytes } from "node:crypto";
import { signUserToken, type Role } from "../../lib/core/auth";
import type { SQL } from "drizzle-orm";
import { queryRows, type SubgraphName } from "../../lib/storage/db";
import { createLogger, type Logger } from "../../lib/observability/logger";
import { startPlatform, type Platform } from "../../launcher/platform";
import { SUBGRAPH_DEFINITIONS } from "../../subgraphs";
import { backends } from "./backends";
import { createTestDatabase, type TestDatabase } from "./database";

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
}

export interface TestPlatform {
  platform: Platform;
  query<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
  ): Promise<GraphQLResponse<T>>;
  /** Rows of a SQL query on a subgraph's database. */
  sql<T = Record<string, any>>(subgraph: SubgraphName, query: SQL): Promise<T[]>;
  /** A token signed with the platform's JWT_SECRET, valid for `expiresIn` (default 12 h). */
  tokenFor(userId: string, role: Role, email?: string, expiresIn?: string | number): Promise<string>;
  /** The gateway's `/metrics` text (with its METRICS_TOKEN). */
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export interface TestPlatformOptions {
  /** Where the platform logs; silent by default (TEST_LOG_LEVEL=debug… writes to stdout). */
  logger?: Logger;
}

/**
 * The whole platform on ephemeral ports, as real HTTP servers: on a fresh clone of the test
 * database and real Redis when their URLs are set, on embedded PGlite otherwise. Secrets are
 * random unless `overrides` sets them (`tokenFor` signs with the JWT_SECRET in use).
 */
export async function startTestPlatform(
  overrides: Record<string, string> = {},
  options: TestPlatformOptions = {},
): Promise<TestPlatform> {
  const database: TestDatabase | null = backends.databaseUrl ? await createTestDatabase() : null;
  const secrets = {
    JWT_SECRET: overrides.JWT_SECRET ?? randomBytes(32).toString("hex"),
    SERVICE_SECRET: overrides.SERVICE_SECRET ?? randomBytes(32).toString("hex"),
    METRICS_TOKEN: overrides.METRICS_TOKEN ?? randomBytes(24).toString("hex"),
  };
  const platform = await startPlatform(
    SUBGRAPH_DEFINITIONS,
    {
      ...secrets,
      DATABASE_URL: database?.url,
      REDIS_URL: backends.redisUrl,
      // Test files share one Redis; each platform keeps to its own keys.
      REDIS_PREFIX: `test-${randomBytes(6).toString("hex")}`,
      GATEWAY_PORT: "0",
      BOOKING_PORT: "0",
      INVENTORY_PORT: "0",
      PAYMENT_PORT: "0",
      NOTIFICATION_PORT: "0",
      RELAY_PORT: "0",
      KAFKA_BROKERS: backends.kafkaBrokers,
      KAFKA_PREFIX: `test-${randomBytes(6).toString("hex")}.`,
      DEMO_DATA: "true",
      // Tests hammer the gateway from one address; rate-limit tests turn it back on.
      RATE_LIMIT_ENABLED: "false",
      // The gateway serves /metrics only with this token; tests read it with `t.metrics()`.
      METRICS_TOKEN: secrets.METRICS_TOKEN,
      ...overrides,
    },
    options.logger ?? createLogger((process.env.TEST_LOG_LEVEL as "silent") ?? "silent"),
  );
  return {
    platform,
    async query(query, variables, token) {
      const response = await fetch(platform.gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    sql: (subgraph, query) => queryRows(platform.databases[subgraph].db, query),
    async metrics() {
      const response = await fetch(platform.gatewayUrl.replace(/\/graphql$/, "/metrics"), {
        headers: { authorization: `Bearer ${platform.env.METRICS_TOKEN}` },
      });
      if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
      return response.text();
    },
    tokenFor: (userId, role, email, expiresIn) =>
      signUserToken(
        { jwtSecret: secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" },
        { userId, role, email },
        expiresIn,
      ),
    async close() {
      await platform.close();
      await database?.drop();
    },
  };
}

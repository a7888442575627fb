import { Redis, type RedisOptions } from "ioredis";

/**
 * A Redis connection for commands. Requests fail fast while Redis is down (one retry, short
 * offline queue) so callers can answer SERVICE_UNAVAILABLE instead of hanging.
 */
export function connectRedis(url: string, name: string, overrides: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    connectTimeout: 5_000,
    // A command Redis cannot answer in time fails, so callers answer SERVICE_UNAVAILABLE.
    commandTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...overrides,
  });
  // Errors surface on the commands that fail; without a listener ioredis logs every retry.
  redis.on("error", () => {});
  return redis;
}

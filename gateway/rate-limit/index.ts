import type { Logger } from "../../lib/observability/logger";
import { connectRedis } from "../../lib/storage/redis";
import type { GatewayConfig } from "../config";
import { createRateLimiter, type RateLimiter } from "./limiter";
import { createMemoryRateLimitStore } from "./store";
import { createRedisRateLimitStore } from "./store.redis";

/**
 * The gateway's rate limiter: buckets in Redis when REDIS_URL is set (shared by every gateway
 * instance, on a connection of its own), in-process otherwise; none when RATE_LIMIT_ENABLED=false.
 */
export function startRateLimiter(
  config: Pick<GatewayConfig, "rateLimit" | "redisUrl" | "redisPrefix">,
  logger: Logger,
): { limiter: RateLimiter | null; close(): Promise<void> } {
  if (!config.rateLimit.enabled) {
    logger.warn("RATE_LIMIT_ENABLED=false: no rate limits and no cap on seats held per IP (never in production)");
    return { limiter: null, close: async () => {} };
  }
  // A longer deadline than other commands: a gateway flooded by the very attack being limited
  // reads replies late, and a timed-out check would fall back to per-instance buckets.
  const redis = config.redisUrl
    ? connectRedis(config.redisUrl, "gateway-rate-limit", { commandTimeout: 10_000 })
    : null;
  const store = redis ? createRedisRateLimitStore(redis, config.redisPrefix) : createMemoryRateLimitStore();
  return {
    limiter: createRateLimiter(config.rateLimit, store, logger),
    close: async () => {
      await redis?.quit().catch(() => {});
    },
  };
}

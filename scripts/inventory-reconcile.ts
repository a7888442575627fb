/**
 * `npm run inventory:reconcile`: rebuilds the Redis seat counters of every active slot from
 * the Postgres hold ledger and reports each counter it had to repair. Safe while reservations
 * run (holds Redis took that the ledger has not recorded yet are kept). Needs DATABASE_URL and
 * REDIS_URL.
 */
import { z } from "zod";
import { logLevel, parseEnv, postgresUrl, redisPrefix, redisUrl, requireVariables, type Env } from "../lib/core/config";
import { connectPostgres } from "../lib/storage/db";
import { runMain } from "../lib/process/main";
import { connectRedis } from "../lib/storage/redis";
import { createHoldRepository } from "../subgraphs/inventory/hold/hold.repository";
import { createHoldService } from "../subgraphs/inventory/hold/hold.service";
import { createRedisHoldStore } from "../subgraphs/inventory/hold/hold.store.redis";
import { createZoneRepository } from "../subgraphs/inventory/zone/zone.repository";

const schema = z.object({
  DATABASE_URL: postgresUrl,
  REDIS_URL: redisUrl,
  REDIS_PREFIX: redisPrefix,
  LOG_LEVEL: logLevel,
});

function config(env: Env) {
  requireVariables(
    "npm run inventory:reconcile",
    env,
    {
      DATABASE_URL: "the PostgreSQL database with the hold ledger (postgres://user@host:5432/db)",
      REDIS_URL: "the Redis that holds the seat counters (redis://host:6379), with the services' REDIS_PREFIX",
    },
    "Without them (`npm start` on embedded backends) the counters live inside that process, which rebuilds them from the ledger at start-up and every RECONCILE_INTERVAL_MS: there is nothing to reconcile from outside.",
  );
  const parsed = parseEnv(schema, env);
  return {
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    redisPrefix: parsed.REDIS_PREFIX,
    logLevel: parsed.LOG_LEVEL,
  };
}

await runMain({
  config,
  async start(config, logger) {
    const database = connectPostgres(config.databaseUrl, { applicationName: "inventory-reconcile", maxConnections: 2 });
    const redis = connectRedis(config.redisUrl, "inventory-reconcile");
    try {
      const holds = createHoldService({
        store: createRedisHoldStore(redis, config.redisPrefix),
        ledger: createHoldRepository(database.db),
        zones: createZoneRepository(database.db),
        logger,
      });
      const repaired = await holds.reconcile();
      for (const drift of repaired) {
        console.log(
          `repaired slot ${drift.slotId} zone ${drift.zoneId}: counter was ${drift.before}, ledger says ${drift.after}`,
        );
      }
      console.log(
        repaired.length ? `${repaired.length} counter(s) repaired` : "no drift: every counter matches the ledger",
      );
    } finally {
      await redis.quit();
      await database.close();
    }
    return { close: async () => {} };
  },
});
process.exit(0);

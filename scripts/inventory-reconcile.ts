/**
 * `npm run inventory:reconcile`: rebuilds the Redis seat counters of every active slot from
 * the Postgres hold ledger and reports each counter it had to repair. Safe while reservations
 * run (holds Redis took that the ledger has not recorded yet are kept).
 */
import { z } from "zod";
import { parseEnv, postgresUrl, redisUrl } from "../lib/config";
import { connectPostgres } from "../lib/db";
import { runMain } from "../lib/main";
import { connectRedis } from "../lib/redis";
import { createHoldRepository } from "../subgraphs/inventory/hold/hold.repository";
import { createHoldService } from "../subgraphs/inventory/hold/hold.service";
import { createRedisHoldStore } from "../subgraphs/inventory/hold/hold.store.redis";
import { createZoneRepository } from "../subgraphs/inventory/zone/zone.repository";

await runMain(async (env, logger) => {
  const config = parseEnv(
    z.object({ DATABASE_URL: postgresUrl, REDIS_URL: redisUrl, REDIS_PREFIX: z.string().default("bp") }),
    env,
  );
  const database = connectPostgres(config.DATABASE_URL, { applicationName: "inventory-reconcile", maxConnections: 2 });
  const redis = connectRedis(config.REDIS_URL, "inventory-reconcile");
  try {
    const holds = createHoldService({
      store: createRedisHoldStore(redis, config.REDIS_PREFIX),
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
});
process.exit(0);

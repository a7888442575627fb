import "reflect-metadata";
import { EVENT_TOPICS } from "../../lib/contracts";
import { runConsumer } from "../../lib/messaging/event-consumer";
import { createMetricsRegistry } from "../../lib/observability/metrics";
import type { SubgraphDefinition } from "../../lib/graphql/service";
import { CatalogResolver } from "./catalog/catalog.resolver";
import { createCatalogService } from "./catalog/catalog.service";
import { buildSubgraph } from "../../lib/graphql/subgraph";
import { createSeatReleaseConsumer } from "./hold/hold.consumer";
import { createHoldRepository } from "./hold/hold.repository";
import { holdRoutes } from "./hold/hold.routes";
import { createHoldService } from "./hold/hold.service";
import { AvailabilityResolver } from "./zone/availability.resolver";
import { createMemoryHoldStore } from "./hold/hold.store.memory";
import { createRedisHoldStore } from "./hold/hold.store.redis";
import { createHoldWorker } from "./hold/hold.worker";
import { seedInventoryDemoData } from "./inventory.demo";
import { createInventoryLoaders, type InventoryContext } from "./inventory.loaders";
import { createSlotRepository } from "./slot/slot.repository";
import { resolveSlotReference, SlotResolver } from "./slot/slot.resolver";
import { createVenueRepository } from "./venue/venue.repository";
import { resolveVenueReference, VenueResolver } from "./venue/venue.resolver";
import { createZoneRepository } from "./zone/zone.repository";
import { resolveZoneReference, ZoneResolver } from "./zone/zone.resolver";

export const inventorySubgraph: SubgraphDefinition = {
  name: "inventory",
  async create({ config, database, redis, logger, events }) {
    const db = database.db;
    const venues = createVenueRepository(db);
    const slots = createSlotRepository(db);
    const zones = createZoneRepository(db);
    // Redis in production; the in-process store only when no REDIS_URL is configured.
    const store = redis ? createRedisHoldStore(redis, config.redisPrefix) : createMemoryHoldStore();
    // Availability changes reach subscribers through inventory's outbox and the relay (inventory.outbox.ts).
    const holds = createHoldService({ store, ledger: createHoldRepository(db), zones, logger });
    const worker = createHoldWorker(holds, config.reservations, logger);
    const catalog = createCatalogService({ venues, slots, zones, holds });
    const schema = await buildSubgraph<InventoryContext>({
      resolvers: [
        new CatalogResolver(catalog),
        new VenueResolver(venues),
        new SlotResolver(),
        new ZoneResolver(),
        new AvailabilityResolver(),
      ],
      references: {
        Venue: { __resolveReference: resolveVenueReference },
        Slot: { __resolveReference: resolveSlotReference },
        Zone: { __resolveReference: resolveZoneReference },
      },
    });
    const registry = createMetricsRegistry("inventory");
    const seatRelease = createSeatReleaseConsumer(holds, db, logger, registry);
    let running: { stop(): Promise<void> } | null = null;
    return {
      schema,
      routes: holdRoutes(holds, config.auth.serviceSecret, logger),
      registry,
      readiness: { holdStore: () => store.ping() },
      createLoaders: () => createInventoryLoaders({ venues, slots, zones, holds }),
      async start() {
        worker.start();
        running = await runConsumer(events, EVENT_TOPICS.booking, seatRelease);
      },
      async stop() {
        await running?.stop();
        await worker.stop();
      },
    };
  },
  seedDemoData: seedInventoryDemoData,
};

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
import { createWaitlistConsumer, createWaitlistedZones } from "./waitlist/waitlist.consumer";
import { createWaitlistGate } from "./waitlist/waitlist.gate";
import { createOfferMaker } from "./waitlist/waitlist.offers";
import { createWaitlistRepository } from "./waitlist/waitlist.repository";
import { WaitlistResolver } from "./waitlist/waitlist.resolver";
import { createWaitlistService } from "./waitlist/waitlist.service";
import { createWaitlistWorker } from "./waitlist/waitlist.worker";
import { resolveZoneReference, ZoneResolver } from "./zone/zone.resolver";
import { SlotWaitingRoomResolver, WaitingRoomResolver } from "./waiting-room/waiting-room.resolver";
import { createWaitingRoomService } from "./waiting-room/waiting-room.service";
import { createMemoryWaitingRoomStore } from "./waiting-room/waiting-room.store.memory";
import { createRedisWaitingRoomStore } from "./waiting-room/waiting-room.store.redis";

export const inventorySubgraph: SubgraphDefinition = {
  name: "inventory",
  async create({ config, database, redis, logger, events, live }) {
    const db = database.db;
    const venues = createVenueRepository(db);
    const slots = createSlotRepository(db);
    const zones = createZoneRepository(db);
    // Redis in production; the in-process store only when no REDIS_URL is configured.
    const store = redis ? createRedisHoldStore(redis, config.redisPrefix) : createMemoryHoldStore();
    const registry = createMetricsRegistry("inventory");
    // Waiting rooms share the hold store's Redis (keys under the slot's hash tag).
    const waitingRooms = createWaitingRoomService({
      store: redis ? createRedisWaitingRoomStore(redis, config.redisPrefix) : createMemoryWaitingRoomStore(),
      managedSlot: (principal, slotId) => catalog.managedSlot(principal, slotId),
      slotExists: async (slotId) => (await slots.findById(slotId)) !== null,
      seatsLeft: async (slotId) => {
        const slotZones = await zones.listBySlots([slotId]);
        if (slotZones.length === 0) return null;
        return holds.availableOf(slotZones.map((zone) => ({ slotId, zoneId: zone.id })));
      },
      live,
      logger,
      registry,
    });
    // Availability changes reach subscribers through inventory's outbox and the relay (inventory.outbox.ts).
    const waitlistEntries = createWaitlistRepository(db);
    const gate = createWaitlistGate(waitlistEntries);
    const holds = createHoldService({
      store,
      ledger: createHoldRepository(db),
      zones,
      logger,
      requireAdmission: waitingRooms.requireAdmission,
      waitlist: gate,
    });
    const worker = createHoldWorker(holds, config.reservations, logger);
    const offers = createOfferMaker({
      db,
      waitlist: waitlistEntries,
      store,
      holds,
      zones,
      gate,
      offerTtlSeconds: config.reservations.waitlistOfferTtlSeconds,
      logger,
    });
    const waitlist = createWaitlistService({ waitlist: waitlistEntries, zones, holds, store, gate, logger });
    const waitlistedZones = createWaitlistedZones(waitlistEntries);
    const waitlistWorker = createWaitlistWorker(offers, waitlistedZones, config.reservations.sweepIntervalMs, logger);
    const catalog = createCatalogService({ venues, slots, zones, holds });
    const schema = await buildSubgraph<InventoryContext>({
      resolvers: [
        new CatalogResolver(catalog),
        new VenueResolver(venues),
        new SlotResolver(),
        new ZoneResolver(),
        new AvailabilityResolver(),
        new WaitingRoomResolver(waitingRooms),
        new SlotWaitingRoomResolver(waitingRooms),
        new WaitlistResolver(waitlist),
      ],
      references: {
        Venue: { __resolveReference: resolveVenueReference },
        Slot: { __resolveReference: resolveSlotReference },
        Zone: { __resolveReference: resolveZoneReference },
      },
    });
    const seatRelease = createSeatReleaseConsumer(holds, db, logger, registry);
    const waitlistOffers = createWaitlistConsumer({ offers, zones: waitlistedZones, db, logger, registry });
    let running: { stop(): Promise<void> }[] = [];
    return {
      schema,
      routes: holdRoutes(holds, config.auth.serviceSecret, logger),
      registry,
      readiness: { holdStore: () => store.ping() },
      createLoaders: () => createInventoryLoaders({ venues, slots, zones, holds }),
      async start() {
        worker.start();
        waitingRooms.start();
        await waitlistWorker.start();
        running = await Promise.all([
          runConsumer(events, EVENT_TOPICS.booking, seatRelease),
          runConsumer(events, EVENT_TOPICS.inventory, waitlistOffers),
        ]);
      },
      async stop() {
        await Promise.all(running.map((r) => r.stop()));
        await waitingRooms.stop();
        await waitlistWorker.stop();
        await worker.stop();
      },
    };
  },
  seedDemoData: seedInventoryDemoData,
};

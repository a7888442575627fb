import "reflect-metadata";
import type { SubgraphDefinition } from "../../lib/service";
import { buildSubgraph } from "../../lib/subgraph";
import { seedInventoryDemoData } from "./inventory.demo";
import { createSlotRepository } from "./slot/slot.repository";
import { resolveSlotReference, SlotResolver } from "./slot/slot.resolver";
import { createVenueRepository } from "./venue/venue.repository";
import { resolveVenueReference, VenueResolver } from "./venue/venue.resolver";
import { createZoneRepository } from "./zone/zone.repository";
import { resolveZoneReference, ZoneResolver } from "./zone/zone.resolver";

export const inventorySubgraph: SubgraphDefinition = {
  name: "inventory",
  async create({ database }) {
    const db = database.db;
    const venues = createVenueRepository(db);
    const slots = createSlotRepository(db);
    const zones = createZoneRepository(db);
    const schema = await buildSubgraph({
      resolvers: [
        new VenueResolver(venues, slots),
        new SlotResolver(slots, venues, zones),
        new ZoneResolver(zones, slots),
      ],
      references: {
        Venue: { __resolveReference: resolveVenueReference(venues) },
        Slot: { __resolveReference: resolveSlotReference(slots) },
        Zone: { __resolveReference: resolveZoneReference(zones) },
      },
    });
    return { schema };
  },
  seedDemoData: seedInventoryDemoData,
};

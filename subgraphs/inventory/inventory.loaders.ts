import DataLoader from "dataloader";
import { oneRowPerKey, rowsPerKey } from "../../lib/graphql/loaders";
import type { RequestContext } from "../../lib/graphql/subgraph";
import type { HoldService } from "./hold/hold.service";
import type { SlotRepository } from "./slot/slot.repository";
import type { VenueRepository } from "./venue/venue.repository";
import type { ZoneRepository } from "./zone/zone.repository";

/**
 * One request's batch loaders: `venues { slots { zones { available } } }` reads one statement
 * per level and the seats left of every zone in one hold-store round trip, and an `_entities`
 * batch of venues, slots or zones is one statement. They hold plain rows: who may see which field
 * (a venue's contact address) is still decided by the field resolvers, for the request's caller.
 */
export function createInventoryLoaders(deps: {
  venues: VenueRepository;
  slots: SlotRepository;
  zones: ZoneRepository;
  holds: HoldService;
}) {
  const { venues, slots, zones, holds } = deps;
  return {
    venue: oneRowPerKey(venues.findByIds, (venue) => venue.id),
    slot: oneRowPerKey(slots.findByIds, (slot) => slot.id),
    zone: oneRowPerKey(zones.findByIds, (zone) => zone.id),
    slotsOfVenue: rowsPerKey(slots.listByVenues, (slot) => slot.venueId),
    zonesOfSlot: rowsPerKey(zones.listBySlots, (zone) => zone.slotId),
    seatsLeft: new DataLoader<{ slotId: string; zoneId: string }, number, string>(
      async (keys) => holds.availableOf(keys),
      { cacheKeyFn: (key) => key.zoneId },
    ),
  };
}
export type InventoryLoaders = ReturnType<typeof createInventoryLoaders>;

/** The request context inside the inventory subgraph. */
export type InventoryContext = RequestContext<InventoryLoaders>;

import { Arg, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { HoldService } from "../hold/hold.service";
import { isUuid } from "../../../lib/ids";
import { notFound } from "../../../lib/errors";
import type { VenueRepository } from "../venue/venue.repository";
import { VenueType } from "../venue/venue.type";
import type { ZoneRepository } from "../zone/zone.repository";
import { ZoneType } from "../zone/zone.type";
import type { Slot, SlotRepository } from "./slot.repository";
import { SlotType } from "./slot.type";

@Resolver(() => SlotType)
export class SlotResolver {
  constructor(
    private readonly slotsRepo: SlotRepository,
    private readonly venuesRepo: VenueRepository,
    private readonly zonesRepo: ZoneRepository,
    private readonly holds: HoldService,
  ) {}

  @Query(() => SlotType, { nullable: true })
  async slot(@Arg("id", () => ID) id: string): Promise<Slot | null> {
    return isUuid(id) ? this.slotsRepo.findById(id) : null;
  }

  @FieldResolver(() => VenueType)
  async venue(@Root() slot: Slot) {
    const venue = await this.venuesRepo.findById(slot.venueId);
    if (!venue) throw notFound("Venue");
    return venue;
  }

  @FieldResolver(() => Int, { description: "Seats that can still be reserved across all zones." })
  async available(@Root() slot: Slot): Promise<number> {
    const zones = await this.zonesRepo.listBySlot(slot.id);
    const counts = await this.holds.available(
      slot.id,
      zones.map((z) => z.id),
    );
    return counts.reduce((sum, n) => sum + n, 0);
  }

  @FieldResolver(() => [ZoneType])
  async zones(@Root() slot: Slot) {
    return this.zonesRepo.listBySlot(slot.id);
  }
}

export const resolveSlotReference = (slots: SlotRepository) => (ref: { id: string }) =>
  isUuid(ref.id) ? slots.findById(ref.id) : null;

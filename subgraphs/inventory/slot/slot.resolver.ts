import { Arg, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
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

  @FieldResolver(() => [ZoneType])
  async zones(@Root() slot: Slot) {
    return this.zonesRepo.listBySlot(slot.id);
  }
}

export const resolveSlotReference = (slots: SlotRepository) => (ref: { id: string }) =>
  isUuid(ref.id) ? slots.findById(ref.id) : null;

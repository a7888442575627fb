import { Arg, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { isUuid } from "../../../lib/ids";
import { notFound } from "../../../lib/errors";
import type { SlotRepository } from "../slot/slot.repository";
import { SlotType } from "../slot/slot.type";
import type { Zone, ZoneRepository } from "./zone.repository";
import { MoneyType, ZoneType } from "./zone.type";

@Resolver(() => ZoneType)
export class ZoneResolver {
  constructor(
    private readonly zonesRepo: ZoneRepository,
    private readonly slotsRepo: SlotRepository,
  ) {}

  @Query(() => ZoneType, { nullable: true })
  async zone(@Arg("id", () => ID) id: string): Promise<Zone | null> {
    return isUuid(id) ? this.zonesRepo.findById(id) : null;
  }

  @FieldResolver(() => MoneyType)
  price(@Root() zone: Zone): MoneyType {
    return { amount: zone.priceMinor, currency: zone.currency };
  }

  // Holds do not exist yet (reservations come with the hold store), so every seat is free.
  @FieldResolver(() => Int, { description: "Seats that can still be reserved." })
  available(@Root() zone: Zone): number {
    return zone.capacity;
  }

  @FieldResolver(() => SlotType)
  async slot(@Root() zone: Zone) {
    const slot = await this.slotsRepo.findById(zone.slotId);
    if (!slot) throw notFound("Slot");
    return slot;
  }
}

export const resolveZoneReference = (zones: ZoneRepository) => (ref: { id: string }) =>
  isUuid(ref.id) ? zones.findById(ref.id) : null;

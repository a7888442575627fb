import { Arg, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { isUuid } from "../../../lib/ids";
import { notFound } from "../../../lib/errors";
import type { SlotRepository } from "../slot/slot.repository";
import { SlotType } from "../slot/slot.type";
import type { HoldService } from "../hold/hold.service";
import type { Zone, ZoneRepository } from "./zone.repository";
import { MoneyType, ZoneType } from "./zone.type";

@Resolver(() => ZoneType)
export class ZoneResolver {
  constructor(
    private readonly zonesRepo: ZoneRepository,
    private readonly slotsRepo: SlotRepository,
    private readonly holds: HoldService,
  ) {}

  @Query(() => ZoneType, { nullable: true })
  async zone(@Arg("id", () => ID) id: string): Promise<Zone | null> {
    return isUuid(id) ? this.zonesRepo.findById(id) : null;
  }

  @FieldResolver(() => MoneyType)
  price(@Root() zone: Zone): MoneyType {
    return { amount: zone.priceMinor, currency: zone.currency };
  }

  @FieldResolver(() => Int, { description: "Seats that can still be reserved, from the live counters." })
  async available(@Root() zone: Zone): Promise<number> {
    const [available] = await this.holds.available(zone.slotId, [zone.id]);
    return available;
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

import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { isUuid } from "../../../lib/core/ids";
import { notFound } from "../../../lib/core/errors";
import type { InventoryContext } from "../inventory.loaders";
import type { Slot } from "../slot/slot.repository";
import { SlotType } from "../slot/slot.type";
import type { Zone } from "./zone.repository";
import { MoneyType, ZoneType } from "./zone.type";

@Resolver(() => ZoneType)
export class ZoneResolver {
  @Query(() => ZoneType, { nullable: true })
  async zone(@Arg("id", () => ID) id: string, @Ctx() ctx: InventoryContext): Promise<Zone | null> {
    return isUuid(id) ? ctx.loaders.zone.load(id) : null;
  }

  @FieldResolver(() => MoneyType)
  price(@Root() zone: Zone): MoneyType {
    return { amount: zone.priceMinor, currency: zone.currency };
  }

  @FieldResolver(() => Int, { description: "Seats that can still be reserved, from the live counters." })
  async available(@Root() zone: Zone, @Ctx() ctx: InventoryContext): Promise<number> {
    return ctx.loaders.seatsLeft.load({ slotId: zone.slotId, zoneId: zone.id });
  }

  @FieldResolver(() => SlotType)
  async slot(@Root() zone: Zone, @Ctx() ctx: InventoryContext): Promise<Slot> {
    const slot = await ctx.loaders.slot.load(zone.slotId);
    if (!slot) throw notFound("Slot");
    return slot;
  }
}

export const resolveZoneReference = (ref: { id: string }, ctx: InventoryContext) =>
  isUuid(ref.id) ? ctx.loaders.zone.load(ref.id) : null;

import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { isUuid } from "../../../lib/core/ids";
import { notFound } from "../../../lib/core/errors";
import type { InventoryContext } from "../inventory.loaders";
import type { Venue } from "../venue/venue.repository";
import { VenueType } from "../venue/venue.type";
import type { Zone } from "../zone/zone.repository";
import { ZoneType } from "../zone/zone.type";
import type { Slot } from "./slot.repository";
import { SlotType } from "./slot.type";

@Resolver(() => SlotType)
export class SlotResolver {
  @Query(() => SlotType, { nullable: true })
  async slot(@Arg("id", () => ID) id: string, @Ctx() ctx: InventoryContext): Promise<Slot | null> {
    return isUuid(id) ? ctx.loaders.slot.load(id) : null;
  }

  @FieldResolver(() => VenueType)
  async venue(@Root() slot: Slot, @Ctx() ctx: InventoryContext): Promise<Venue> {
    const venue = await ctx.loaders.venue.load(slot.venueId);
    if (!venue) throw notFound("Venue");
    return venue;
  }

  @FieldResolver(() => Int, { description: "Seats that can still be reserved across all zones." })
  async available(@Root() slot: Slot, @Ctx() ctx: InventoryContext): Promise<number> {
    const zones = await ctx.loaders.zonesOfSlot.load(slot.id);
    const counts = await Promise.all(zones.map((z) => ctx.loaders.seatsLeft.load({ slotId: slot.id, zoneId: z.id })));
    return counts.reduce((sum, n) => sum + n, 0);
  }

  @FieldResolver(() => [ZoneType])
  async zones(@Root() slot: Slot, @Ctx() ctx: InventoryContext): Promise<Zone[]> {
    return ctx.loaders.zonesOfSlot.load(slot.id);
  }
}

export const resolveSlotReference = (ref: { id: string }, ctx: InventoryContext) =>
  isUuid(ref.id) ? ctx.loaders.slot.load(ref.id) : null;

import { Arg, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { notFound } from "../../../lib/core/errors";
import type { InventoryContext } from "../inventory.loaders";
import type { Zone } from "../zone/zone.repository";
import { ZoneType } from "../zone/zone.type";
import type { WaitlistEntry } from "./waitlist.repository";
import type { WaitlistService } from "./waitlist.service";
import { WaitlistEntryType } from "./waitlist.type";

const toType = (entry: WaitlistEntry): WaitlistEntryType => ({
  id: entry.id,
  zoneId: entry.zoneId,
  quantity: entry.quantity,
  status: entry.status,
  position: entry.position,
  offer: entry.offer,
  joinedAt: entry.createdAt,
});

/** The per-zone waitlist of sold-out zones (README: Waitlist). Sign-in required. */
@Resolver(() => WaitlistEntryType)
export class WaitlistResolver {
  constructor(private readonly waitlist: WaitlistService) {}

  @Mutation(() => WaitlistEntryType, {
    description:
      "Joins a sold-out zone's waitlist for `quantity` seats (1 to the slot's maxPerUser). Joining again returns your entry (a WAITING one takes the new quantity and keeps its place). Seats that come back are held for the first entries they fit, for a limited time; take them with `reserveSeats`. BAD_USER_INPUT while seats are available to reserve.",
  })
  async joinWaitlist(
    @Arg("zoneId", () => ID) zoneId: string,
    @Arg("quantity", () => Int) quantity: number,
    @Ctx() ctx: InventoryContext,
  ): Promise<WaitlistEntryType> {
    return toType(await this.waitlist.join(ctx.principal, zoneId, quantity));
  }

  @Mutation(() => WaitlistEntryType, {
    description:
      "Leaves the zone's waitlist; seats offered to you go to the next entry. Returns the entry (status LEFT); NOT_FOUND when you are not in it.",
  })
  async leaveWaitlist(
    @Arg("zoneId", () => ID) zoneId: string,
    @Ctx() ctx: InventoryContext,
  ): Promise<WaitlistEntryType> {
    return toType(await this.waitlist.leave(ctx.principal, zoneId));
  }

  @Query(() => [WaitlistEntryType], {
    description: "Your waitlist entries, newest first: the ones in progress and the finished ones.",
  })
  async myWaitlist(@Ctx() ctx: InventoryContext): Promise<WaitlistEntryType[]> {
    return (await this.waitlist.mine(ctx.principal)).map(toType);
  }

  @FieldResolver(() => ZoneType, { description: "The zone whose seats you are waiting for." })
  async zone(@Root() entry: WaitlistEntryType, @Ctx() ctx: InventoryContext): Promise<Zone> {
    const zone = await ctx.loaders.zone.load(entry.zoneId);
    if (!zone) throw notFound("Zone");
    return zone;
  }
}

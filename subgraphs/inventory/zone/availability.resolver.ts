import { Arg, Ctx, Field, GraphQLISODateTime, ID, Int, ObjectType, Query, Resolver, Subscription } from "type-graphql";
import { isUuid } from "../../../lib/core/ids";
import { SERVED_BY_GATEWAY, RESUME_AFTER } from "../../../lib/graphql/subgraph";
import type { InventoryContext } from "../inventory.loaders";
import type { Zone } from "./zone.repository";
import { ZoneType } from "./zone.type";

@ObjectType("ZoneAvailability", { description: "How many seats a zone has left, at a moment." })
export class ZoneAvailabilityType {
  @Field(() => ZoneType)
  zone!: Zone;

  @Field(() => Int, { description: "Seats that can still be reserved." })
  available!: number;

  @Field(() => Int)
  capacity!: number;

  @Field(() => GraphQLISODateTime, { description: "When this count was read." })
  at!: Date;
}

@Resolver(() => ZoneAvailabilityType)
export class AvailabilityResolver {
  @Query(() => ZoneAvailabilityType, { nullable: true, description: "A zone's seats left now (public)." })
  async zoneAvailability(
    @Arg("zoneId", () => ID) zoneId: string,
    @Ctx() ctx: InventoryContext,
  ): Promise<ZoneAvailabilityType | null> {
    const zone = isUuid(zoneId) ? await ctx.loaders.zone.load(zoneId) : null;
    if (!zone) return null;
    const available = await ctx.loaders.seatsLeft.load({ slotId: zone.slotId, zoneId: zone.id });
    return { zone, available, capacity: zone.capacity, at: new Date() };
  }

  @Subscription(() => ZoneAvailabilityType, {
    nullable: true,
    description:
      "Public: a zone of the slot after each change of its seats left (reservations, releases, expiries, capacity edits; a confirmation changes nothing here).",
    subscribe: SERVED_BY_GATEWAY,
  })
  availabilityChanged(
    @Arg("slotId", () => ID) _slotId: string,
    @Arg("after", () => String, { nullable: true, description: RESUME_AFTER }) _after?: string | null,
  ): ZoneAvailabilityType | null {
    return null;
  }
}

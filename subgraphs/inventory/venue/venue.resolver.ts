import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { badInput } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { RequestContext } from "../../../lib/graphql/subgraph";
import type { InventoryContext } from "../inventory.loaders";
import type { Slot } from "../slot/slot.repository";
import { SlotType } from "../slot/slot.type";
import type { Venue, VenueRepository } from "./venue.repository";
import { VenueType } from "./venue.type";

@Resolver(() => VenueType)
export class VenueResolver {
  constructor(private readonly venuesRepo: VenueRepository) {}

  @Query(() => [VenueType], { description: "Venues by name, at most `first` (1–100)." })
  async venues(@Arg("first", () => Int, { defaultValue: 50 }) first: number): Promise<Venue[]> {
    if (first < 1 || first > 100) throw badInput("first must be between 1 and 100", { field: "first" });
    return this.venuesRepo.list(first);
  }

  @Query(() => VenueType, { nullable: true })
  async venue(@Arg("id", () => ID) id: string, @Ctx() ctx: InventoryContext): Promise<Venue | null> {
    return isUuid(id) ? ctx.loaders.venue.load(id) : null;
  }

  /**
   * The organizer's address is personal data: only the venue's owner and admins read it.
   * Everybody else gets null without an error, so lists of venues stay usable. (Booking reads
   * it for notifications through inventory's internal hold operation, not through this field.)
   */
  @FieldResolver(() => String, { nullable: true })
  contactEmail(@Root() venue: Venue, @Ctx() ctx: RequestContext): string | null {
    const who = ctx.principal;
    return who && (who.role === "ADMIN" || who.userId === venue.ownerId) ? venue.contactEmail : null;
  }

  @FieldResolver(() => [SlotType], { description: "Slots of this venue by start time." })
  async slots(@Root() venue: Venue, @Ctx() ctx: InventoryContext): Promise<Slot[]> {
    return ctx.loaders.slotsOfVenue.load(venue.id);
  }
}

export const resolveVenueReference = (ref: { id: string }, ctx: InventoryContext) =>
  isUuid(ref.id) ? ctx.loaders.venue.load(ref.id) : null;

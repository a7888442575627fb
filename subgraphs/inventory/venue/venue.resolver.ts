import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { badInput } from "../../../lib/errors";
import { isUuid } from "../../../lib/ids";
import type { RequestContext } from "../../../lib/subgraph";
import type { SlotRepository } from "../slot/slot.repository";
import { SlotType } from "../slot/slot.type";
import type { Venue, VenueRepository } from "./venue.repository";
import { VenueType } from "./venue.type";

@Resolver(() => VenueType)
export class VenueResolver {
  constructor(
    private readonly venuesRepo: VenueRepository,
    private readonly slotsRepo: SlotRepository,
  ) {}

  @Query(() => [VenueType], { description: "Venues by name, at most `first` (1–100)." })
  async venues(@Arg("first", () => Int, { defaultValue: 50 }) first: number): Promise<Venue[]> {
    if (first < 1 || first > 100) throw badInput("first must be between 1 and 100", { field: "first" });
    return this.venuesRepo.list(first);
  }

  @Query(() => VenueType, { nullable: true })
  async venue(@Arg("id", () => ID) id: string): Promise<Venue | null> {
    return isUuid(id) ? this.venuesRepo.findById(id) : null;
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
  async slots(@Root() venue: Venue) {
    return this.slotsRepo.listByVenue(venue.id);
  }
}

export const resolveVenueReference = (venues: VenueRepository) => (ref: { id: string }) =>
  isUuid(ref.id) ? venues.findById(ref.id) : null;

import { Directive, Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { VENUE_KINDS, type RefundTier, type VenueKind } from "./venue.repository";

export const VenueKindEnum = Object.fromEntries(VENUE_KINDS.map((k) => [k, k])) as { [K in VenueKind]: K };
registerEnumType(VenueKindEnum, {
  name: "VenueKind",
  description: "What is booked at a venue: seats, tables or rooms.",
});

// Also returned by the booking subgraph (the tiers a booking was made under): shareable.
@Directive("@shareable")
@ObjectType("RefundTier", {
  description: "Cancelled at least hoursBefore the slot's start: refundPercent of the price comes back.",
})
export class RefundTierType {
  @Field(() => Int)
  hoursBefore!: number;

  @Field(() => Int)
  refundPercent!: number;
}

@Directive('@key(fields: "id")')
@ObjectType("Venue", { description: "A theatre, restaurant or hotel that sells slots." })
export class VenueType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => VenueKindEnum)
  kind!: VenueKind;

  @Field(() => String)
  city!: string;

  @Field(() => String, { description: "IANA time zone the venue's times are shown in." })
  timezone!: string;

  @Field(() => Int, { nullable: true, description: "Guests cannot cancel within this many hours of a slot's start." })
  cancellationDeadlineHours!: number | null;

  @Field(() => [RefundTierType], {
    description:
      "Refund by how long before a slot's start a booking is cancelled, largest hoursBefore first: the first tier whose hours are still ahead applies, 0 % after the last. Empty: everything is refunded.",
  })
  cancellationPolicy!: RefundTier[];

  @Field(() => String, {
    nullable: true,
    description:
      "Where the venue's notifications (cancellations) are e-mailed. Only the venue's organizer and admins see it; null for everybody else.",
  })
  contactEmail!: string | null;

  ownerId!: string;
}

import { Field, GraphQLISODateTime, ID, InputType, Int } from "type-graphql";
import type { VenueKind } from "../venue/venue.repository";
import { VenueKindEnum } from "../venue/venue.type";

@InputType("RefundTierInput")
export class RefundTierInput {
  @Field(() => Int, { description: "0–8760; no two tiers with the same hours." })
  hoursBefore!: number;

  @Field(() => Int, { description: "0–100." })
  refundPercent!: number;
}

const POLICY_DESCRIPTION =
  "Refund tiers by hours before a slot's start (at most 10), e.g. [{ hoursBefore: 48, refundPercent: 100 }, { hoursBefore: 24, refundPercent: 50 }]: 0 % after the last tier; empty: everything is refunded.";

@InputType("CreateVenueInput")
export class CreateVenueInput {
  @Field(() => String) name!: string;
  @Field(() => VenueKindEnum) kind!: VenueKind;
  @Field(() => String) city!: string;
  @Field(() => String, { defaultValue: "UTC", description: "IANA time zone, e.g. Europe/Lisbon." }) timezone!: string;
  @Field(() => ID, { nullable: true, description: "Admins only: the organizer who will own the venue." })
  ownerId?: string | null;
  @Field(() => Int, { nullable: true, description: "Guests cannot cancel within this many hours of a slot's start." })
  cancellationDeadlineHours?: number | null;
  @Field(() => String, {
    nullable: true,
    description: "Where the venue's notifications are e-mailed; defaults to the e-mail in the creator's token.",
  })
  contactEmail?: string | null;
  @Field(() => [RefundTierInput], { nullable: true, description: POLICY_DESCRIPTION })
  cancellationPolicy?: RefundTierInput[] | null;
}

@InputType("UpdateVenueInput")
export class UpdateVenueInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) city?: string | null;
  @Field(() => String, { nullable: true }) timezone?: string | null;
  @Field(() => Int, { nullable: true }) cancellationDeadlineHours?: number | null;
  @Field(() => String, { nullable: true, description: "An empty string removes it." }) contactEmail?: string | null;
  @Field(() => [RefundTierInput], {
    nullable: true,
    description: `${POLICY_DESCRIPTION} Existing bookings keep the policy they were made under.`,
  })
  cancellationPolicy?: RefundTierInput[] | null;
}

@InputType("CreateSlotInput")
export class CreateSlotInput {
  @Field(() => ID) venueId!: string;
  @Field(() => String) title!: string;
  @Field(() => GraphQLISODateTime) startsAt!: Date;
  @Field(() => GraphQLISODateTime) endsAt!: Date;
  @Field(() => Int, { defaultValue: 4, description: "Most seats one user may hold or buy in this slot." })
  maxPerUser!: number;
  @Field(() => GraphQLISODateTime, { nullable: true, description: "Sales open at this time; open at once if null." })
  saleStartsAt?: Date | null;
}

@InputType("UpdateSlotInput")
export class UpdateSlotInput {
  @Field(() => String, { nullable: true }) title?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) startsAt?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) endsAt?: Date | null;
  @Field(() => Int, { nullable: true }) maxPerUser?: number | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) saleStartsAt?: Date | null;
}

@InputType("CreateZoneInput")
export class CreateZoneInput {
  @Field(() => ID) slotId!: string;
  @Field(() => String) name!: string;
  @Field(() => Int) capacity!: number;
  @Field(() => Int, { description: "Price of one seat in minor units (cents)." }) priceMinor!: number;
  @Field(() => String, { description: "ISO 4217 code, e.g. EUR." }) currency!: string;
}

@InputType("UpdateZoneInput")
export class UpdateZoneInput {
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => Int, { nullable: true, description: "Can be lowered only down to the seats held or sold." })
  capacity?: number | null;
  @Field(() => Int, { nullable: true }) priceMinor?: number | null;
  @Field(() => String, { nullable: true }) currency?: string | null;
}

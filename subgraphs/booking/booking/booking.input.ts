import { Field, ID, InputType, Int } from "type-graphql";
import type { CancellationReason } from "./booking.model";
import { CancellationReasonEnum } from "./booking.type";

@InputType("ReserveSeatsInput")
export class ReserveSeatsInputType {
  @Field(() => ID)
  zoneId!: string;

  @Field(() => Int, { description: "Seats to hold, 1 to the slot's maxPerUser." })
  quantity!: number;

  @Field(() => String, {
    description: "Client-chosen key (8–128 chars); retrying with the same key returns the same booking for 24 h.",
  })
  idempotencyKey!: string;
}

@InputType("CancelBookingInput")
export class CancelBookingInputType {
  @Field(() => ID)
  bookingId!: string;

  @Field(() => CancellationReasonEnum)
  reason!: CancellationReason;

  @Field(() => String, { nullable: true, description: "At most 1000 characters." })
  notes?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "The version you last saw; a different current version → CONFLICT.",
  })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true, description: "Optional; cancelling is idempotent by itself." })
  idempotencyKey?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "The venue's organizer and admins: refund everything, whatever the policy says (guests: FORBIDDEN).",
  })
  waiveFee?: boolean | null;
}

@InputType("BookingTransitionInput")
export class BookingTransitionInputType {
  @Field(() => ID)
  bookingId!: string;

  @Field(() => Int, {
    nullable: true,
    description: "The version you last saw; a different current version → CONFLICT.",
  })
  expectedVersion?: number | null;
}

@InputType("UpdateBookingInput")
export class UpdateBookingInputType {
  @Field(() => ID)
  bookingId!: string;

  @Field(() => Int, {
    nullable: true,
    description: "New number of seats; more are held atomically, fewer are given back.",
  })
  quantity?: number | null;

  @Field(() => String, { nullable: true, description: "At most 500 characters; an empty string clears them." })
  specialRequests?: string | null;

  @Field(() => Int, { description: "The version you last saw; a different current version → CONFLICT." })
  expectedVersion!: number;

  @Field(() => String, {
    nullable: true,
    description: "Optional; a retried update that already applied returns the booking.",
  })
  idempotencyKey?: string | null;
}

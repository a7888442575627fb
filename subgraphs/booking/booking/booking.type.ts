import { Directive, Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { BOOKING_STATUSES, CANCELLATION_REASONS, type BookingStatus, type CancellationReason } from "./booking.model";

export const BookingStatusEnum = Object.fromEntries(BOOKING_STATUSES.map((s) => [s, s])) as { [K in BookingStatus]: K };
registerEnumType(BookingStatusEnum, {
  name: "BookingStatus",
  description: "PENDING holds seats until payment; CONFIRMED is paid; the rest are terminal except CHECKED_IN.",
});

export const CancellationReasonEnum = Object.fromEntries(CANCELLATION_REASONS.map((r) => [r, r])) as {
  [K in CancellationReason]: K;
};
registerEnumType(CancellationReasonEnum, { name: "CancellationReason" });

@ObjectType("BookingStatusChange", { description: "One transition of a booking, kept for audit." })
export class BookingStatusChangeType {
  @Field(() => BookingStatusEnum, { nullable: true, description: "Null for the booking's creation." })
  fromStatus!: BookingStatus | null;

  @Field(() => BookingStatusEnum)
  toStatus!: BookingStatus;

  @Field(() => String, { description: "User id, or 'system' for expiry and payment results." })
  actor!: string;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => GraphQLISODateTime)
  at!: Date;
}

@ObjectType("PriceSnapshot", { description: "The price fixed when the booking was made, in minor units (cents)." })
export class PriceSnapshotType {
  @Field(() => Int)
  base!: number;

  @Field(() => Int)
  tax!: number;

  @Field(() => Int)
  discount!: number;

  @Field(() => Int, { description: "base + tax - discount" })
  total!: number;

  @Field(() => String, { description: "ISO 4217 code, e.g. EUR." })
  currency!: string;
}

@Directive('@key(fields: "id")')
@ObjectType("Booking", { description: "Seats, a table or a room reserved by one user in one zone." })
export class BookingType {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Human reference, BR-YYYYMMDD-XXXXXX." })
  reference!: string;

  @Field(() => ID, { description: "User id of the guest who owns the booking." })
  userId!: string;

  @Field(() => Int)
  quantity!: number;

  @Field(() => BookingStatusEnum)
  status!: BookingStatus;

  @Field(() => Int, { description: "Increases with every change; pass it back as expectedVersion." })
  version!: number;

  @Field(() => PriceSnapshotType)
  price!: PriceSnapshotType;

  @Field(() => String, { nullable: true })
  specialRequests!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  cancelledAt!: Date | null;

  @Field(() => CancellationReasonEnum, { nullable: true })
  cancellationReason!: CancellationReason | null;

  @Field(() => String, { nullable: true })
  cancellationNotes!: string | null;

  @Field(() => ID, { nullable: true, description: "User id of whoever cancelled." })
  cancelledBy!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "Percent of the price the cancellation refunded (the venue's tier then, 100 if waived).",
  })
  cancellationRefundPercent!: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Minor units the cancellation refunded; 0 if nothing had been paid.",
  })
  cancellationRefundMinor!: number | null;

  @Field(() => Int, { nullable: true, description: "Minor units the venue kept as a cancellation fee." })
  cancellationFeeMinor!: number | null;

  @Field(() => Boolean, { nullable: true, description: "The venue's organizer or an admin waived the fee." })
  cancellationFeeWaived!: boolean | null;

  @Field(() => Int, {
    description:
      "Of quantity, seats added to a paid booking whose top-up is not paid yet (pay it with payBooking; they are given back if it is declined or topUpExpiresAt passes).",
  })
  pendingSeats!: number;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: "When unpaid pendingSeats are given back; null when there are none.",
  })
  topUpExpiresAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;

  zoneId!: string;
}

// Also returned by the inventory subgraph (`Venue.cancellationPolicy`): shareable.
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

@ObjectType("CancellationQuote", {
  description: "What cancelling the booking now would refund, by the policy it was booked under (minor units).",
})
export class CancellationQuoteType {
  @Field(() => Int, { description: "The tier in force now: 100 with no policy, 0 below the last tier." })
  refundPercent!: number;

  @Field(() => Int, { description: "What would be refunded; 0 while nothing is paid." })
  refundMinor!: number;

  @Field(() => Int, { description: "What the venue would keep; 0 while nothing is paid." })
  feeMinor!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => Boolean, {
    description: "The venue's cancellation deadline has passed: only its organizer or an admin can cancel.",
  })
  deadlinePassed!: boolean;

  @Field(() => Int, { nullable: true, description: "hoursBefore of the tier in force; null: no policy or none left." })
  tierHoursBefore!: number | null;
}

@ObjectType("BookingEdge")
export class BookingEdgeType {
  @Field(() => String)
  cursor!: string;

  @Field(() => BookingType)
  node!: BookingType;
}

@ObjectType("PageInfo")
export class PageInfoType {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType("BookingConnection")
export class BookingConnectionType {
  @Field(() => [BookingEdgeType])
  edges!: BookingEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}

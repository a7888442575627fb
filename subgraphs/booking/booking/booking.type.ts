import { Directive, Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { ZoneReference } from "../zone/zone.type";
import { BOOKING_STATUSES, type BookingStatus } from "./booking.model";

export const BookingStatusEnum = Object.fromEntries(BOOKING_STATUSES.map((s) => [s, s])) as { [K in BookingStatus]: K };
registerEnumType(BookingStatusEnum, {
  name: "BookingStatus",
  description: "PENDING holds seats until payment; CONFIRMED is paid; the rest are terminal except CHECKED_IN.",
});

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

  @Field(() => GraphQLISODateTime, { nullable: true, description: "When an unpaid hold lapses." })
  expiresAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;

  zoneId!: string;
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

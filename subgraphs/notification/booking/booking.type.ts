import { Directive, Field, ID, ObjectType } from "type-graphql";

/** The booking subgraph's Booking, extended here with its notifications. */
@Directive('@key(fields: "id")')
@ObjectType("Booking")
export class BookingReference {
  @Field(() => ID)
  id!: string;
}

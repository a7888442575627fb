import { Field, ID, InputType, Int } from "type-graphql";

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

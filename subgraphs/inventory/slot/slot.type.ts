import { Directive, Field, GraphQLISODateTime, ID, Int, ObjectType } from "type-graphql";

@Directive('@key(fields: "id")')
@ObjectType("Slot", { description: "A show, a sitting or a night at a venue." })
export class SlotType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => GraphQLISODateTime)
  startsAt!: Date;

  @Field(() => GraphQLISODateTime)
  endsAt!: Date;

  @Field(() => Int, { description: "Most seats one user may hold or buy for this slot." })
  maxPerUser!: number;

  @Field(() => GraphQLISODateTime, { nullable: true, description: "Sales open at this time; null when open now." })
  saleStartsAt!: Date | null;

  venueId!: string;
}

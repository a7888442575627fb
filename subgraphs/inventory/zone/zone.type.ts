import { Directive, Field, ID, Int, ObjectType } from "type-graphql";

@ObjectType("Money", { description: "An amount in minor units (cents) of an ISO 4217 currency." })
export class MoneyType {
  @Field(() => Int, { description: "Minor units: 1250 with EUR is €12.50." })
  amount!: number;

  @Field(() => String, { description: "ISO 4217 code, e.g. EUR." })
  currency!: string;
}

@Directive('@key(fields: "id")')
@ObjectType("Zone", { description: "A capacity pool inside a slot with one price per seat." })
export class ZoneType {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => Int)
  capacity!: number;

  @Field(() => MoneyType, { description: "Price of one seat." })
  price!: MoneyType;

  slotId!: string;
}

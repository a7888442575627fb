import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { PAYMENT_STATUSES, type PaymentStatus } from "./payment.repository";

export const PaymentStatusEnum = Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, s])) as { [K in PaymentStatus]: K };
registerEnumType(PaymentStatusEnum, { name: "PaymentStatus" });

@ObjectType("Payment", { description: "The payment of one booking." })
export class PaymentType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "Minor units (cents)." })
  amount!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => PaymentStatusEnum)
  status!: PaymentStatus;

  @Field(() => String, { nullable: true })
  failureReason!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { PAYMENT_STATUSES, REFUND_STATUSES, type PaymentStatus, type RefundStatus } from "./payment.repository";

export const PaymentStatusEnum = Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, s])) as { [K in PaymentStatus]: K };
registerEnumType(PaymentStatusEnum, { name: "PaymentStatus" });
export const RefundStatusEnum = Object.fromEntries(REFUND_STATUSES.map((s) => [s, s])) as { [K in RefundStatus]: K };
registerEnumType(RefundStatusEnum, {
  name: "RefundStatus",
  valuesConfig: {
    REQUESTED: { description: "Opened; the provider has not accepted it yet." },
    PENDING: { description: "Accepted by the provider; the money is on its way back." },
    SUCCEEDED: { description: "The money is back on the payment method." },
  },
});

@ObjectType("Refund", { description: "Money given back for a payment (the whole amount)." })
export class RefundType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "Minor units (cents)." })
  amount!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => RefundStatusEnum)
  status!: RefundStatus;

  @Field(() => String, { description: "Why: the booking was cancelled, or ended before the payment arrived." })
  reason!: string;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

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

  @Field(() => String, { nullable: true, description: "Why the provider declined it (e.g. card_declined)." })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: "The provider's reference of the charge." })
  providerReference!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@InputType("PayBookingInput")
export class PayBookingInputType {
  @Field(() => ID)
  bookingId!: string;

  @Field(() => String, {
    description:
      "The card token from the provider's client library. Simulated provider: tok_success, tok_decline, tok_insufficient_funds, tok_delayed_<ms>.",
  })
  paymentMethodToken!: string;

  @Field(() => String, { description: "Client-chosen key (8–128 chars); retrying with it returns the same payment." })
  idempotencyKey!: string;
}

import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import {
  CHARGE_STATUSES,
  PAYMENT_STATUSES,
  REFUND_STATUSES,
  type ChargeStatus,
  type PaymentStatus,
  type RefundStatus,
} from "./payment.repository";

export const PaymentStatusEnum = Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, s])) as { [K in PaymentStatus]: K };
registerEnumType(PaymentStatusEnum, {
  name: "PaymentStatus",
  valuesConfig: {
    REQUIRES_PAYMENT: { description: "Nothing paid yet; payBooking charges the amount due." },
    PROCESSING: { description: "A charge is with the provider." },
    SUCCEEDED: { description: "Paid (a positive balance means a top-up is owed)." },
    FAILED: { description: "The charge was declined and nothing was paid; the booking failed." },
    REFUND_PENDING: { description: "A refund is on its way back to the payment method." },
    REFUNDED: { description: "Everything paid went back, or the booking ended and its refund is done." },
    CANCELLED: { description: "The booking ended (expired, cancelled) before anything was paid." },
  },
});
export const ChargeStatusEnum = Object.fromEntries(CHARGE_STATUSES.map((s) => [s, s])) as { [K in ChargeStatus]: K };
registerEnumType(ChargeStatusEnum, { name: "ChargeStatus" });
export const RefundStatusEnum = Object.fromEntries(REFUND_STATUSES.map((s) => [s, s])) as { [K in RefundStatus]: K };
registerEnumType(RefundStatusEnum, {
  name: "RefundStatus",
  valuesConfig: {
    REQUESTED: { description: "Opened; the provider has not accepted it yet." },
    PENDING: { description: "Accepted by the provider; the money is on its way back." },
    SUCCEEDED: { description: "The money is back on the payment method." },
  },
});

@ObjectType("Refund", { description: "Money given back for a payment (all of it, or the price of removed seats)." })
export class RefundType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "What goes back, minor units (cents)." })
  amount!: number;

  @Field(() => Int, { description: "What the venue's cancellation policy kept of the amount released, minor units." })
  fee!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => RefundStatusEnum)
  status!: RefundStatus;

  @Field(() => String, {
    description: "Why: seats removed, the booking cancelled or ended before the payment arrived, an overpayment.",
  })
  reason!: string;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType("Charge", { description: "One attempt to take money for a payment: the first payment or a top-up." })
export class ChargeType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: "Minor units (cents)." })
  amount!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => ChargeStatusEnum)
  status!: ChargeStatus;

  @Field(() => String, { nullable: true, description: "Why the provider declined it." })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: "The provider's reference of the charge." })
  providerReference!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
}

@ObjectType("Payment", {
  description:
    "The payment of one booking: the account its charges and refunds are booked to. All amounts are minor units (cents) of `currency`.",
})
export class PaymentType {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, {
    description: "The booking's total as last seen (follows seat changes; kept when the booking ends). Minor units.",
  })
  amount!: number;

  @Field(() => Int, {
    description:
      "What the guest owes in all: the booking's current total while it is live (0 once it ended), plus the fees the venue's policy kept.",
  })
  amountDue!: number;

  @Field(() => Int, { description: "Sum of the succeeded charges." })
  amountPaid!: number;

  @Field(() => Int, {
    description: "Sum of the refunds opened (requested, pending or succeeded: an opened refund is always completed).",
  })
  amountRefunded!: number;

  @Field(() => Int, { description: "Fees kept by the venue's cancellation policy (part of amountDue)." })
  fee!: number;

  @Field(() => Int, {
    description:
      "amountDue − amountPaid + amountRefunded. Positive: the guest owes it (payBooking charges it); 0: settled; negative: we owe it back (a refund follows).",
  })
  balance!: number;

  @Field(() => String)
  currency!: string;

  @Field(() => PaymentStatusEnum)
  status!: PaymentStatus;

  @Field(() => String, {
    nullable: true,
    description: "Why the provider declined the latest declined charge (e.g. card_declined); cleared by a success.",
  })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: "The provider's reference of the latest charge." })
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

  @Field(() => String, {
    description:
      "Client-chosen key (8–128 chars), one per charge: retrying with it returns the same payment and never charges twice; a top-up needs a new key.",
  })
  idempotencyKey!: string;
}

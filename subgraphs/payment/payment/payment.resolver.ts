import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../../lib/graphql/subgraph";
import type { PaymentContext } from "../payment.loaders";
import type { Charge, Payment, Refund } from "./payment.repository";
import type { PaymentService } from "./payment.service";
import { ChargeType, PayBookingInputType, PaymentType, RefundType } from "./payment.type";
import { BookingReference } from "../booking/booking.type";

@Resolver(() => PaymentType)
export class PaymentResolver {
  constructor(private readonly payments: PaymentService) {}

  @Mutation(() => PaymentType, {
    description:
      "The booking's guest pays what is owed (the payment's balance: the booking's total, or a top-up after seats were added). Answers PROCESSING at once; a PENDING booking becomes CONFIRMED (or FAILED) when the provider reports the outcome. Nothing owed or a charge in flight → CONFLICT.",
  })
  payBooking(@Arg("input", () => PayBookingInputType) input: PayBookingInputType, @Ctx() ctx: RequestContext) {
    return this.payments.payBooking(ctx.principal, input);
  }

  @FieldResolver(() => BookingReference, { description: "The booking this payment is for." })
  booking(@Root() payment: Payment): BookingReference {
    return { id: payment.bookingId };
  }

  @FieldResolver(() => RefundType, { nullable: true, description: "The latest refund, once one was opened." })
  async refund(@Root() payment: Payment, @Ctx() ctx: PaymentContext): Promise<Refund | null> {
    const refunds = await ctx.loaders.refundsOfPayment.load(payment.id);
    return refunds.at(-1) ?? null;
  }

  @FieldResolver(() => [RefundType], { description: "Every refund, oldest first." })
  refunds(@Root() payment: Payment, @Ctx() ctx: PaymentContext): Promise<Refund[]> {
    return ctx.loaders.refundsOfPayment.load(payment.id);
  }

  @FieldResolver(() => [ChargeType], { description: "Every charge (the first payment, top-ups), oldest first." })
  charges(@Root() payment: Payment, @Ctx() ctx: PaymentContext): Promise<Charge[]> {
    return ctx.loaders.chargesOfPayment.load(payment.id);
  }
}

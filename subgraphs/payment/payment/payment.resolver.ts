import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { RequestContext } from "../../../lib/subgraph";
import type { PaymentContext } from "../payment.loaders";
import type { Payment, Refund } from "./payment.repository";
import type { PaymentService } from "./payment.service";
import { PayBookingInputType, PaymentType, RefundType } from "./payment.type";
import { BookingReference } from "../booking/booking.type";

@Resolver(() => PaymentType)
export class PaymentResolver {
  constructor(private readonly payments: PaymentService) {}

  @Mutation(() => PaymentType, {
    description:
      "The booking's guest pays a PENDING booking. Answers PROCESSING at once; the booking becomes CONFIRMED (or FAILED) when the provider reports the outcome.",
  })
  payBooking(@Arg("input", () => PayBookingInputType) input: PayBookingInputType, @Ctx() ctx: RequestContext) {
    return this.payments.payBooking(ctx.principal, input);
  }

  @FieldResolver(() => BookingReference, { description: "The booking this payment is for." })
  booking(@Root() payment: Payment): BookingReference {
    return { id: payment.bookingId };
  }

  @FieldResolver(() => RefundType, { nullable: true, description: "The refund, once one was opened." })
  refund(@Root() payment: Payment, @Ctx() ctx: PaymentContext): Promise<Refund | null> {
    return ctx.loaders.refundOfPayment.load(payment.id);
  }
}

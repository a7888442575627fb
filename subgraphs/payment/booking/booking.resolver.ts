import { Ctx, FieldResolver, Int, Resolver, Root } from "type-graphql";
import { isUuid } from "../../../lib/core/ids";
import type { PaymentContext } from "../payment.loaders";
import type { Payment } from "../payment/payment.repository";
import { PaymentType } from "../payment/payment.type";
import { BookingReference } from "./booking.type";

/**
 * `Booking.payment`. The gateway reaches this field only through a Booking that the booking
 * subgraph has already shown to the caller, so visibility is decided there.
 */
@Resolver(() => BookingReference)
export class BookingPaymentResolver {
  @FieldResolver(() => PaymentType, { nullable: true, description: "Null until payment starts." })
  payment(@Root() booking: BookingReference, @Ctx() ctx: PaymentContext): Promise<Payment | null> | null {
    return isUuid(booking.id) ? ctx.loaders.paymentOfBooking.load(booking.id) : null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description:
      "What the guest owes for the booking in all (its current total, plus any fee kept by the venue's policy), minor units. Null until the payment exists.",
  })
  async amountDue(@Root() booking: BookingReference, @Ctx() ctx: PaymentContext): Promise<number | null> {
    return (await this.payment(booking, ctx))?.amountDue ?? null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "What the guest has paid (succeeded charges), minor units. Null until the payment exists.",
  })
  async amountPaid(@Root() booking: BookingReference, @Ctx() ctx: PaymentContext): Promise<number | null> {
    return (await this.payment(booking, ctx))?.amountPaid ?? null;
  }

  @FieldResolver(() => Int, {
    nullable: true,
    description: "What was (or is being) refunded, minor units. Null until the payment exists.",
  })
  async amountRefunded(@Root() booking: BookingReference, @Ctx() ctx: PaymentContext): Promise<number | null> {
    return (await this.payment(booking, ctx))?.amountRefunded ?? null;
  }
}

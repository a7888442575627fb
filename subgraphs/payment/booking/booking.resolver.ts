import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { isUuid } from "../../../lib/ids";
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
}

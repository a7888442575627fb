import { oneRowPerKey } from "../../lib/loaders";
import type { RequestContext } from "../../lib/subgraph";
import type { PaymentRepository } from "./payment/payment.repository";

/** One request's batch loaders: the payments (and refunds) of an `_entities` batch of bookings in one statement. */
export function createPaymentLoaders(payments: PaymentRepository) {
  return {
    paymentOfBooking: oneRowPerKey(payments.findByBookings, (payment) => payment.bookingId),
    refundOfPayment: oneRowPerKey(payments.refundsOf, (refund) => refund.paymentId),
  };
}
export type PaymentLoaders = ReturnType<typeof createPaymentLoaders>;

/** The request context inside the payment subgraph. */
export type PaymentContext = RequestContext<PaymentLoaders>;

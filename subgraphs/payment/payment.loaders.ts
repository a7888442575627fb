import { oneRowPerKey, rowsPerKey } from "../../lib/graphql/loaders";
import type { RequestContext } from "../../lib/graphql/subgraph";
import type { PaymentRepository } from "./payment/payment.repository";

/** One request's batch loaders: the payments (and their refunds, charges) of an `_entities` batch of bookings in one statement each. */
export function createPaymentLoaders(payments: PaymentRepository) {
  return {
    paymentOfBooking: oneRowPerKey(payments.findByBookings, (payment) => payment.bookingId),
    refundsOfPayment: rowsPerKey(payments.refundsOf, (refund) => refund.paymentId),
    chargesOfPayment: rowsPerKey(payments.chargesOf, (charge) => charge.paymentId),
  };
}
export type PaymentLoaders = ReturnType<typeof createPaymentLoaders>;

/** The request context inside the payment subgraph. */
export type PaymentContext = RequestContext<PaymentLoaders>;

import type { AppDatabase } from "../../lib/storage/db";
import { DEMO_IDS as ids, DEMO_USERS } from "../../lib/core/demo";
import { createPaymentRepository } from "./payment/payment.repository";

/** The demo guest's paid booking, and the intent of the booking that awaits payment (try `payBooking`). */
export async function seedPaymentDemoData(db: AppDatabase): Promise<void> {
  const payments = createPaymentRepository(db);
  const guest = { userId: DEMO_USERS.guest.userId, guestEmail: DEMO_USERS.guest.email, bookingClosedAs: null };
  await payments.insert({
    ...guest,
    id: ids.confirmedPayment,
    bookingId: ids.confirmedBooking,
    bookingReference: "BR-20261101-DEMQK5",
    amount: 11_070,
    amountPaid: 11_070,
    currency: "EUR",
    status: "SUCCEEDED",
    provider: "simulated",
    providerReference: "sim_demo_0001",
    failureReason: null,
    idempotencyKey: "demo-payment-0001",
  });
  // Its charge, so the payment's history shows what was paid (seeding again adds none).
  if (!(await payments.findChargeByKey(ids.confirmedPayment, "demo-payment-0001"))) {
    const charge = await payments.insertCharge({
      paymentId: ids.confirmedPayment,
      amount: 11_070,
      currency: "EUR",
      idempotencyKey: "demo-payment-0001",
    });
    await payments.updateCharge(charge.id, { status: "SUCCEEDED", providerReference: "sim_demo_0001" });
  }
  await payments.insert({
    ...guest,
    id: ids.pendingPayment,
    bookingId: ids.pendingBooking,
    bookingReference: "BR-20261102-PEND42",
    amount: 3_075,
    currency: "EUR",
    status: "REQUIRES_PAYMENT",
    provider: "simulated",
    providerReference: null,
    failureReason: null,
    idempotencyKey: null,
  });
}

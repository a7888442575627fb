import type { AppDatabase } from "../../lib/db";
import { DEMO_IDS as ids } from "../../lib/demo";
import { createPaymentRepository } from "./payment/payment.repository";

export async function seedPaymentDemoData(db: AppDatabase): Promise<void> {
  await createPaymentRepository(db).insert({
    id: ids.confirmedPayment,
    bookingId: ids.confirmedBooking,
    amount: 11_070,
    currency: "EUR",
    status: "SUCCEEDED",
    provider: "simulated",
    providerReference: "sim_demo_0001",
    failureReason: null,
  });
}

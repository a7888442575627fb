import { eq } from "drizzle-orm";
import type { AppDatabase } from "../../../lib/db";
import { payments } from "../payment.tables";

export const PAYMENT_STATUSES = [
  "REQUIRES_PAYMENT",
  "PROCESSING",
  "SUCCEEDED",
  "FAILED",
  "REFUND_PENDING",
  "REFUNDED",
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export interface Payment {
  id: string;
  bookingId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  provider: string;
  providerReference: string | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

const toPayment = (row: typeof payments.$inferSelect): Payment => ({
  id: row.id,
  bookingId: row.bookingId,
  amount: row.amountMinor,
  currency: row.currency,
  status: row.status as PaymentStatus,
  provider: row.provider,
  providerReference: row.providerReference,
  failureReason: row.failureReason,
  createdAt: row.createdAt,
  updatedAt: row.updatedAt,
});

export function createPaymentRepository(db: AppDatabase) {
  return {
    async findByBooking(bookingId: string): Promise<Payment | null> {
      const [row] = await db.select().from(payments).where(eq(payments.bookingId, bookingId));
      return row ? toPayment(row) : null;
    },
    async insert(payment: Omit<Payment, "createdAt" | "updatedAt">): Promise<void> {
      const { amount, ...rest } = payment;
      await db
        .insert(payments)
        .values({ ...rest, amountMinor: amount })
        .onConflictDoNothing();
    },
  };
}
export type PaymentRepository = ReturnType<typeof createPaymentRepository>;

import { and, eq, inArray, sql } from "drizzle-orm";
import { queryRows, type AppDatabase } from "../../../lib/db";
import { outboxRow, type DomainEvent } from "../../../lib/outbox";
import { paymentOutbox, payments, refunds } from "../payment.tables";

export const PAYMENT_STATUSES = [
  "REQUIRES_PAYMENT",
  "PROCESSING",
  "SUCCEEDED",
  "FAILED",
  "REFUND_PENDING",
  "REFUNDED",
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ["REQUESTED", "PENDING", "SUCCEEDED"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export interface Payment {
  id: string;
  bookingId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  provider: string;
  providerReference: string | null;
  failureReason: string | null;
  userId: string | null;
  bookingReference: string | null;
  guestEmail: string | null;
  idempotencyKey: string | null;
  bookingClosedAs: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Refund {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string;
  providerReference: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

const toPayment = ({ amountMinor, ...row }: typeof payments.$inferSelect): Payment => ({
  ...row,
  amount: amountMinor,
  status: row.status as PaymentStatus,
});

const toRefund = ({ amountMinor, lastError: _, ...row }: typeof refunds.$inferSelect): Refund => ({
  ...row,
  amount: amountMinor,
  status: row.status as RefundStatus,
});

/** A payment event: keyed by the payment, carrying what the booking saga and the notifications need. */
export function paymentEvent(eventType: string, payment: Payment, extra: Record<string, unknown> = {}): DomainEvent {
  return {
    eventType,
    aggregateType: "payment",
    aggregateId: payment.id,
    aggregateVersion: payment.version,
    actor: null,
    payload: {
      paymentId: payment.id,
      bookingId: payment.bookingId,
      reference: payment.bookingReference,
      userId: payment.userId,
      guestEmail: payment.guestEmail,
      amountMinor: payment.amount,
      currency: payment.currency,
      status: payment.status,
      failureReason: payment.failureReason,
      ...extra,
    },
  };
}

type NewPayment = Omit<Payment, "createdAt" | "updatedAt" | "version"> & { version?: number };

export function createPaymentRepository(db: AppDatabase) {
  /** `insert` for several bookings, in one statement. */
  async function insertMany(intents: NewPayment[]): Promise<void> {
    if (!intents.length) return;
    await db
      .insert(payments)
      .values(intents.map(({ amount, ...rest }) => ({ ...rest, amountMinor: amount })))
      .onConflictDoNothing();
  }
  return {
    async findByBooking(bookingId: string): Promise<Payment | null> {
      const [row] = await db.select().from(payments).where(eq(payments.bookingId, bookingId));
      return row ? toPayment(row) : null;
    },
    async findByBookings(bookingIds: string[]): Promise<Payment[]> {
      const rows = await db.select().from(payments).where(inArray(payments.bookingId, bookingIds));
      return rows.map(toPayment);
    },
    async findById(id: string, options: { forUpdate?: boolean } = {}): Promise<Payment | null> {
      const query = db.select().from(payments).where(eq(payments.id, id));
      const [row] = options.forUpdate ? await query.for("update") : await query;
      return row ? toPayment(row) : null;
    },
    async findByBookingForUpdate(bookingId: string): Promise<Payment | null> {
      const [row] = await db.select().from(payments).where(eq(payments.bookingId, bookingId)).for("update");
      return row ? toPayment(row) : null;
    },
    /** The payment intent of a new booking; one per booking, whatever the redeliveries. */
    insert: (payment: NewPayment) => insertMany([payment]),
    insertMany,
    /** Applies `patch` to the payment, bumps its version and writes `event` (built from the result) to the outbox. */
    async update(
      id: string,
      patch: Partial<
        Pick<Payment, "status" | "providerReference" | "failureReason" | "idempotencyKey" | "bookingClosedAs">
      >,
      event?: (payment: Payment) => DomainEvent,
      where?: { status?: PaymentStatus },
    ): Promise<Payment | null> {
      const [row] = await db
        .update(payments)
        .set({ ...patch, version: sql`${payments.version} + 1`, updatedAt: sql`now()` })
        .where(and(eq(payments.id, id), where?.status ? eq(payments.status, where.status) : undefined))
        .returning();
      if (!row) return null;
      const payment = toPayment(row);
      if (event) await db.insert(paymentOutbox).values(outboxRow(event(payment)));
      return payment;
    },
    async refundsOf(paymentIds: string[]): Promise<Refund[]> {
      const rows = await db.select().from(refunds).where(inArray(refunds.paymentId, paymentIds));
      return rows.map(toRefund);
    },
    async findRefund(id: string, options: { forUpdate?: boolean } = {}): Promise<Refund | null> {
      const query = db.select().from(refunds).where(eq(refunds.id, id));
      const [row] = options.forUpdate ? await query.for("update") : await query;
      return row ? toRefund(row) : null;
    },
    /** Records a refund of the whole payment (one per payment); null if one exists already. */
    async insertRefund(payment: Payment, reason: string): Promise<Refund | null> {
      const [row] = await db
        .insert(refunds)
        .values({
          paymentId: payment.id,
          amountMinor: payment.amount,
          currency: payment.currency,
          status: "REQUESTED",
          reason,
        })
        .onConflictDoNothing()
        .returning();
      return row ? toRefund(row) : null;
    },
    async updateRefund(
      id: string,
      patch: { status?: RefundStatus; providerReference?: string; lastError?: string | null; failedAttempt?: boolean },
      where?: { status?: RefundStatus },
    ): Promise<Refund | null> {
      const { failedAttempt, ...rest } = patch;
      const [row] = await db
        .update(refunds)
        .set({
          ...rest,
          ...(failedAttempt && { attempts: sql`${refunds.attempts} + 1` }),
          updatedAt: sql`now()`,
        })
        .where(and(eq(refunds.id, id), where?.status ? eq(refunds.status, where.status) : undefined))
        .returning();
      return row ? toRefund(row) : null;
    },
    /**
     * Refunds the provider has not accepted yet whose next try is due (backoff 5 s × 2^attempts);
     * each is leased for a minute so two instances do not start the same one at once.
     */
    async claimDueRefunds(limit: number): Promise<string[]> {
      const rows = await queryRows<{ id: string }>(
        db,
        sql`update payment.refunds set updated_at = now() + interval '1 minute'
            where id in (select id from payment.refunds
                         where status = 'REQUESTED' and updated_at <= now() - interval '5 seconds' * power(2, least(attempts, 8))
                         order by updated_at limit ${limit} for update skip locked)
            returning id`,
      );
      return rows.map((r) => r.id);
    },
  };
}
export type PaymentRepository = ReturnType<typeof createPaymentRepository>;

import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { queryRows, type AppDatabase } from "../../../lib/storage/db";
import {
  paymentDomainEvent,
  type DomainEvent,
  type PaymentEventExtra,
  type PaymentEventType,
} from "../../../lib/contracts";
import { outboxRow } from "../../../lib/messaging/outbox";
import { charges, paymentOutbox, payments, refunds, webhookEvents } from "../payment.tables";

export const PAYMENT_STATUSES = [
  "REQUIRES_PAYMENT",
  "PROCESSING",
  "SUCCEEDED",
  "FAILED",
  "REFUND_PENDING",
  "REFUNDED",
  "CANCELLED",
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const REFUND_STATUSES = ["REQUESTED", "PENDING", "SUCCEEDED"] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

export const CHARGE_STATUSES = ["PROCESSING", "SUCCEEDED", "FAILED"] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];

/** The payment of one booking: the account its charges and refunds are booked to. */
export interface Payment {
  id: string;
  bookingId: string;
  /** The booking's total as last seen (kept when the booking ends). */
  amount: number;
  bookingVersion: number;
  /** Succeeded charges. */
  amountPaid: number;
  /** Refunds opened (requested, pending or succeeded). */
  amountRefunded: number;
  /** Fees kept by the venue's policy. */
  fee: number;
  /** What the guest owes in all: the booking's total while it is live (0 once it ended), plus the fees kept. */
  amountDue: number;
  /** amountDue − amountPaid + amountRefunded: positive, the guest owes it; negative, we owe it back. */
  balance: number;
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
  fee: number;
  cause: string | null;
  providerReference: string | null;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Charge {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: ChargeStatus;
  idempotencyKey: string;
  providerReference: string | null;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What is due for a booking: its total while it is live (an ended booking owes nothing for its seats), plus the fees kept. */
export const amountDueOf = (p: { amount: number; fee: number; bookingClosedAs: string | null }) =>
  (p.bookingClosedAs ? 0 : p.amount) + p.fee;

const toPayment = ({
  amountMinor,
  amountPaidMinor,
  amountRefundedMinor,
  feeMinor,
  ...row
}: typeof payments.$inferSelect): Payment => {
  // Rows written before the ledger existed were given their amounts by migration 0004_ledger.
  const amountDue = amountDueOf({ amount: amountMinor, fee: feeMinor, bookingClosedAs: row.bookingClosedAs });
  return {
    ...row,
    amount: amountMinor,
    amountPaid: amountPaidMinor,
    amountRefunded: amountRefundedMinor,
    fee: feeMinor,
    amountDue,
    balance: amountDue - amountPaidMinor + amountRefundedMinor,
    status: row.status as PaymentStatus,
  };
};

const toRefund = ({ amountMinor, feeMinor, lastError: _, ...row }: typeof refunds.$inferSelect): Refund => ({
  ...row,
  amount: amountMinor,
  fee: feeMinor,
  status: row.status as RefundStatus,
});

const toCharge = ({ amountMinor, ...row }: typeof charges.$inferSelect): Charge => ({
  ...row,
  amount: amountMinor,
  status: row.status as ChargeStatus,
});

/**
 * A payment event: keyed by the payment, carrying what the booking saga and the notifications need
 * (every event's `extra` names the `amountMinor` it is about).
 */
export function paymentEvent<K extends PaymentEventType>(
  eventType: K,
  payment: Payment,
  extra: PaymentEventExtra<K>,
): DomainEvent {
  return paymentDomainEvent(eventType, payment, null, {
    paymentId: payment.id,
    bookingId: payment.bookingId,
    reference: payment.bookingReference,
    userId: payment.userId,
    guestEmail: payment.guestEmail,
    currency: payment.currency,
    status: payment.status,
    failureReason: payment.failureReason,
    amountDueMinor: payment.amountDue,
    amountPaidMinor: payment.amountPaid,
    amountRefundedMinor: payment.amountRefunded,
    feeMinor: payment.fee,
    balanceMinor: payment.balance,
    ...extra,
  });
}

type NewPayment = Omit<
  Payment,
  | "createdAt"
  | "updatedAt"
  | "version"
  | "amountPaid"
  | "amountRefunded"
  | "fee"
  | "amountDue"
  | "balance"
  | "bookingVersion"
> & {
  version?: number;
  bookingVersion?: number;
  amountPaid?: number;
};

/** The payment columns a money movement sets (absolute values, computed under the row lock). */
export type PaymentPatch = Partial<
  Pick<
    Payment,
    | "status"
    | "providerReference"
    | "failureReason"
    | "idempotencyKey"
    | "bookingClosedAs"
    | "amount"
    | "bookingVersion"
    | "amountPaid"
    | "amountRefunded"
    | "fee"
  >
>;

export function createPaymentRepository(db: AppDatabase) {
  /** `insert` for several bookings, in one statement. */
  async function insertMany(intents: NewPayment[]): Promise<void> {
    if (!intents.length) return;
    await db
      .insert(payments)
      .values(
        intents.map(({ amount, amountPaid, ...rest }) => ({
          ...rest,
          amountMinor: amount,
          ...(amountPaid !== undefined && { amountPaidMinor: amountPaid }),
        })),
      )
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
      patch: PaymentPatch,
      event?: (payment: Payment) => DomainEvent,
      where?: { status?: PaymentStatus },
    ): Promise<Payment | null> {
      const { amount, amountPaid, amountRefunded, fee, ...rest } = patch;
      const [row] = await db
        .update(payments)
        .set({
          ...rest,
          ...(amount !== undefined && { amountMinor: amount }),
          ...(amountPaid !== undefined && { amountPaidMinor: amountPaid }),
          ...(amountRefunded !== undefined && { amountRefundedMinor: amountRefunded }),
          ...(fee !== undefined && { feeMinor: fee }),
          version: sql`${payments.version} + 1`,
          updatedAt: sql`now()`,
        })
        .where(and(eq(payments.id, id), where?.status ? eq(payments.status, where.status) : undefined))
        .returning();
      if (!row) return null;
      const payment = toPayment(row);
      if (event) await db.insert(paymentOutbox).values(outboxRow(event(payment)));
      return payment;
    },
    /** Writes `event` (built from `payment`) to the outbox without changing the payment. */
    async emit(event: DomainEvent): Promise<void> {
      await db.insert(paymentOutbox).values(outboxRow(event));
    },
    /** The refunds of the payments, oldest first. */
    async refundsOf(paymentIds: string[]): Promise<Refund[]> {
      const rows = await db
        .select()
        .from(refunds)
        .where(inArray(refunds.paymentId, paymentIds))
        .orderBy(asc(refunds.createdAt), asc(refunds.id));
      return rows.map(toRefund);
    },
    /** The charges of the payments, oldest first. */
    async chargesOf(paymentIds: string[]): Promise<Charge[]> {
      const rows = await db
        .select()
        .from(charges)
        .where(inArray(charges.paymentId, paymentIds))
        .orderBy(asc(charges.createdAt), asc(charges.id));
      return rows.map(toCharge);
    },
    async findChargeByKey(paymentId: string, idempotencyKey: string): Promise<Charge | null> {
      const [row] = await db
        .select()
        .from(charges)
        .where(and(eq(charges.paymentId, paymentId), eq(charges.idempotencyKey, idempotencyKey)));
      return row ? toCharge(row) : null;
    },
    /** The charge a provider event is about: by id, or (events that do not name one) the payment's charge in flight. */
    async findChargeForUpdate(paymentId: string, chargeId?: string): Promise<Charge | null> {
      const [row] = await db
        .select()
        .from(charges)
        .where(
          and(eq(charges.paymentId, paymentId), chargeId ? eq(charges.id, chargeId) : eq(charges.status, "PROCESSING")),
        )
        .for("update");
      return row ? toCharge(row) : null;
    },
    async insertCharge(charge: {
      paymentId: string;
      amount: number;
      currency: string;
      idempotencyKey: string;
    }): Promise<Charge> {
      const [row] = await db
        .insert(charges)
        .values({
          paymentId: charge.paymentId,
          amountMinor: charge.amount,
          currency: charge.currency,
          idempotencyKey: charge.idempotencyKey,
          status: "PROCESSING",
        })
        .returning();
      return toCharge(row);
    },
    async updateCharge(
      id: string,
      patch: { status?: ChargeStatus; providerReference?: string; failureReason?: string | null },
      where?: { status?: ChargeStatus },
    ): Promise<Charge | null> {
      const [row] = await db
        .update(charges)
        .set({ ...patch, updatedAt: sql`now()` })
        .where(and(eq(charges.id, id), where?.status ? eq(charges.status, where.status) : undefined))
        .returning();
      return row ? toCharge(row) : null;
    },
    /** Forgets a charge the provider refused outright (nothing was taken; its key may be used again). */
    async deleteCharge(id: string): Promise<void> {
      await db.delete(charges).where(and(eq(charges.id, id), eq(charges.status, "PROCESSING")));
    },
    /** How many of the payment's refunds are still on their way. */
    async refundsInFlight(paymentId: string): Promise<number> {
      const rows = await db
        .select({ id: refunds.id })
        .from(refunds)
        .where(and(eq(refunds.paymentId, paymentId), ne(refunds.status, "SUCCEEDED")));
      return rows.length;
    },
    async findRefund(id: string, options: { forUpdate?: boolean } = {}): Promise<Refund | null> {
      const query = db.select().from(refunds).where(eq(refunds.id, id));
      const [row] = options.forUpdate ? await query.for("update") : await query;
      return row ? toRefund(row) : null;
    },
    /** Records a refund (one per payment and cause); null if that cause opened one already. */
    async insertRefund(
      payment: Payment,
      refund: { amount: number; fee: number; reason: string; cause: string },
    ): Promise<Refund | null> {
      const [row] = await db
        .insert(refunds)
        .values({
          paymentId: payment.id,
          amountMinor: refund.amount,
          feeMinor: refund.fee,
          currency: payment.currency,
          status: "REQUESTED",
          reason: refund.reason,
          cause: refund.cause,
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
    /** Records a provider event's id; false if it was recorded before (a redelivery). */
    async recordProviderEvent(id: string, type: string): Promise<boolean> {
      const fresh = await db.insert(webhookEvents).values({ id, type }).onConflictDoNothing().returning();
      return fresh.length > 0;
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

/** What the payment service does with payments: the repository without the read model's batch reads. */
export type PaymentRepositoryPort = Omit<PaymentRepository, "findByBookings" | "refundsOf" | "chargesOf" | "insert">;

/** Where the payment service keeps payments: a repository, and transactions over it. */
export interface PaymentStore {
  /** The repository outside any transaction. */
  readonly repo: PaymentRepositoryPort;
  /** Runs `work` in one transaction, with a repository bound to it. */
  transaction<T>(work: (repo: PaymentRepositoryPort) => Promise<T>): Promise<T>;
  /** The repository on a transaction the caller opened (a consumer's inbox transaction). */
  within(tx: AppDatabase): PaymentRepositoryPort;
}

/** Payments in PostgreSQL. */
export function createPaymentStore(db: AppDatabase): PaymentStore {
  return {
    repo: createPaymentRepository(db),
    transaction: (work) => db.transaction((tx) => work(createPaymentRepository(tx as unknown as AppDatabase))),
    within: createPaymentRepository,
  };
}

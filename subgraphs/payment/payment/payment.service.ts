import { randomUUID } from "node:crypto";
import type { Principal } from "../../../lib/auth";
import type { AppDatabase } from "../../../lib/db";
import { badInput, DomainError, forbidden, notFound, unauthenticated } from "../../../lib/errors";
import type { EventEnvelope } from "../../../lib/event-consumer";
import { isUuid } from "../../../lib/ids";
import type { Logger } from "../../../lib/logger";
import { webhookEvents } from "../payment.tables";
import { InvalidPaymentMethod, type PaymentProvider, type ProviderEvent } from "./payment.provider";
import { createPaymentRepository, paymentEvent, type Payment, type Refund } from "./payment.repository";

export interface PayBookingInput {
  bookingId: string;
  paymentMethodToken: string;
  idempotencyKey: string;
}

/** Booking events after which the booking can no longer be confirmed: a payment that succeeds is refunded. */
const CLOSING_EVENTS: Record<string, string> = {
  "booking.cancelled": "CANCELLED",
  "booking.expired": "EXPIRED",
  "booking.failed": "FAILED",
};

/** The booking events `applyBookingEvents` acts on; its consumer skips the others before any SQL. */
export const PAYMENT_BOOKING_EVENTS: ReadonlySet<string> = new Set([
  "booking.reserved",
  ...Object.keys(CLOSING_EVENTS),
]);

/**
 * Payments: the intent created from `booking.reserved`, `payBooking` handing the charge to the
 * provider, the provider's webhooks recording the outcome (with `payment.succeeded|failed` in the
 * same transaction), and refunds of payments whose booking ended without being confirmed or was
 * cancelled after it was paid.
 */
export function createPaymentService(deps: {
  db: AppDatabase;
  provider: PaymentProvider;
  logger: Logger;
  /** How long `payBooking` waits for the intent of a booking reserved a moment ago. */
  intentWaitMs?: number;
}) {
  const { db, provider, logger } = deps;
  const repo = createPaymentRepository(db);
  const intentWaitMs = deps.intentWaitMs ?? 5_000;

  /** Opens a refund of the whole payment inside `tx` (REFUND_PENDING + `payment.refund_requested`). */
  async function openRefund(tx: AppDatabase, payment: Payment, reason: string): Promise<Refund | null> {
    const txRepo = createPaymentRepository(tx);
    const refund = await txRepo.insertRefund(payment, reason);
    if (!refund) return null;
    await txRepo.update(
      payment.id,
      { status: "REFUND_PENDING" },
      (p) => paymentEvent("payment.refund_requested", p, { refundId: refund.id, reason }),
      { status: "SUCCEEDED" },
    );
    return refund;
  }

  /** Asks the provider to refund; a failure is retried by `retryRefunds` with backoff. */
  async function startRefund(refundId: string): Promise<void> {
    const refund = await repo.findRefund(refundId);
    if (!refund || refund.status !== "REQUESTED") return;
    const payment = await repo.findById(refund.paymentId);
    if (!payment?.providerReference) return;
    try {
      const { providerReference } = await provider.refund({
        refundId: refund.id,
        paymentId: payment.id,
        providerReference: payment.providerReference,
        amountMinor: refund.amount,
        currency: refund.currency,
      });
      await repo.updateRefund(
        refund.id,
        { status: "PENDING", providerReference, lastError: null },
        { status: "REQUESTED" },
      );
    } catch (error) {
      await repo.updateRefund(refund.id, { failedAttempt: true, lastError: (error as Error).message });
      logger.warn("refund not accepted by the provider yet; retrying", { refundId, error });
    }
  }

  async function waitForIntent(bookingId: string): Promise<Payment | null> {
    const deadline = Date.now() + intentWaitMs;
    for (;;) {
      const payment = await repo.findByBooking(bookingId);
      if (payment || Date.now() >= deadline) return payment;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function refuseFor(payment: Payment): never {
    if (payment.status === "FAILED")
      throw new DomainError(
        "PAYMENT_FAILED",
        `The payment was declined (${payment.failureReason ?? "unknown reason"}); the booking's seats were released, please book again`,
        { reason: payment.failureReason },
      );
    if (payment.bookingClosedAs)
      throw new DomainError("INVALID_STATUS", `The booking is ${payment.bookingClosedAs} and can no longer be paid`, {
        currentStatus: payment.bookingClosedAs,
      });
    throw new DomainError("CONFLICT", `The booking's payment is already ${payment.status}`, {
      currentStatus: payment.status,
    });
  }

  return {
    startRefund,

    async payBooking(principal: Principal | null, input: PayBookingInput): Promise<Payment> {
      if (!principal) throw unauthenticated();
      if (!isUuid(input.bookingId)) throw badInput("bookingId must be a booking id", { field: "bookingId" });
      const token = input.paymentMethodToken.trim();
      if (token.length === 0 || token.length > 200)
        throw badInput("paymentMethodToken must be 1–200 characters", { field: "paymentMethodToken" });
      const key = input.idempotencyKey.trim();
      if (key.length < 8 || key.length > 128)
        throw badInput("idempotencyKey must be 8–128 characters", { field: "idempotencyKey" });

      const payment = await waitForIntent(input.bookingId);
      if (!payment) throw notFound("Booking");
      if (payment.userId !== principal.userId) throw forbidden("Only the booking's guest can pay for it");
      // The same request again (a retry after a timeout): the payment as it is now.
      if (payment.idempotencyKey === key) return payment;
      if (payment.status !== "REQUIRES_PAYMENT" || payment.bookingClosedAs) refuseFor(payment);

      const processing = await db.transaction(async (tx) => {
        const txRepo = createPaymentRepository(tx as unknown as AppDatabase);
        const locked = await txRepo.findById(payment.id, { forUpdate: true });
        if (!locked || locked.status !== "REQUIRES_PAYMENT" || locked.bookingClosedAs) return locked;
        return txRepo.update(payment.id, { status: "PROCESSING", idempotencyKey: key, failureReason: null });
      });
      if (!processing || processing.idempotencyKey !== key) {
        if (processing) refuseFor(processing);
        throw notFound("Booking");
      }
      try {
        const { providerReference } = await provider.charge({
          paymentId: payment.id,
          amountMinor: payment.amount,
          currency: payment.currency,
          paymentMethodToken: token,
        });
        return (
          (await repo.update(payment.id, { providerReference }, undefined, { status: "PROCESSING" })) ??
          (await repo.findById(payment.id))!
        );
      } catch (error) {
        // Nothing was charged: the payment can be started again.
        await repo.update(payment.id, { status: "REQUIRES_PAYMENT", idempotencyKey: null }, undefined, {
          status: "PROCESSING",
        });
        if (error instanceof InvalidPaymentMethod) throw badInput(error.message, { field: "paymentMethodToken" });
        logger.error("payment provider unreachable", { paymentId: payment.id, error });
        throw new DomainError("SERVICE_UNAVAILABLE", "The payment provider is unreachable, please retry shortly");
      }
    },

    /**
     * A verified provider event, applied once: the event id is recorded in the same transaction
     * as the payment's change and its outbox event, so a redelivery (or ten at once) changes
     * nothing. Returns whether this delivery applied it.
     */
    async handleProviderEvent(event: ProviderEvent): Promise<{ applied: boolean }> {
      let refundToStart: string | null = null;
      const applied = await db.transaction(async (txRaw) => {
        const tx = txRaw as unknown as AppDatabase;
        const fresh = await tx
          .insert(webhookEvents)
          .values({ id: event.id, type: event.type })
          .onConflictDoNothing()
          .returning();
        if (fresh.length === 0) return false;
        const txRepo = createPaymentRepository(tx);
        const payment = await txRepo.findById(event.data.paymentId, { forUpdate: true });
        if (!payment) {
          logger.warn("webhook for an unknown payment", { eventId: event.id, paymentId: event.data.paymentId });
          return true;
        }
        switch (event.type) {
          case "payment.succeeded": {
            if (payment.status !== "PROCESSING") return true; // out of order or already decided
            const succeeded = await txRepo.update(
              payment.id,
              { status: "SUCCEEDED", providerReference: event.data.providerReference },
              (p) => paymentEvent("payment.succeeded", p),
            );
            // The booking ended while the payment was processing: give the money back.
            if (succeeded?.bookingClosedAs) {
              const refund = await openRefund(
                tx,
                succeeded,
                `booking ${succeeded.bookingClosedAs.toLowerCase()} before payment`,
              );
              refundToStart = refund?.id ?? null;
            }
            return true;
          }
          case "payment.failed":
            if (payment.status !== "PROCESSING") return true;
            await txRepo.update(
              payment.id,
              { status: "FAILED", failureReason: event.data.failureReason.slice(0, 200) },
              (p) => paymentEvent("payment.failed", p),
            );
            return true;
          case "refund.succeeded": {
            const refund = await txRepo.findRefund(event.data.refundId, { forUpdate: true });
            if (!refund || refund.status === "SUCCEEDED") return true;
            await txRepo.updateRefund(refund.id, {
              status: "SUCCEEDED",
              providerReference: event.data.providerReference,
            });
            await txRepo.update(
              payment.id,
              { status: "REFUNDED" },
              (p) => paymentEvent("payment.refunded", p, { refundId: refund.id, reason: refund.reason }),
              { status: "REFUND_PENDING" },
            );
            return true;
          }
        }
      });
      if (refundToStart) await startRefund(refundToStart);
      return { applied };
    },

    /**
     * Booking events, in order, inside the consumer's inbox transaction: `booking.reserved`
     * creates the intent; a booking that ends unconfirmed or is cancelled marks its payment
     * closed and, if the money was taken, opens a refund. The intents of consecutive
     * reservations are stored in one statement, before the next other event (which may close
     * one of them). Returns the refunds to start after the commit.
     */
    async applyBookingEvents(tx: AppDatabase, events: EventEnvelope[]): Promise<string[]> {
      const txRepo = createPaymentRepository(tx);
      const intents: Parameters<typeof txRepo.insertMany>[0] = [];
      const refundIds: string[] = [];
      const storeIntents = () => txRepo.insertMany(intents.splice(0));
      for (const event of events) {
        const p = event.payload as {
          reference?: string;
          userId?: string;
          guestEmail?: string | null;
          price?: { total: number; currency: string };
          reason?: string;
        };
        if (event.eventType === "booking.reserved") {
          if (!p.price || !p.userId) continue;
          intents.push({
            id: randomUUID(),
            bookingId: event.aggregateId,
            amount: p.price.total,
            currency: p.price.currency,
            status: "REQUIRES_PAYMENT",
            provider: provider.name,
            providerReference: null,
            failureReason: null,
            userId: p.userId,
            bookingReference: p.reference ?? null,
            guestEmail: p.guestEmail ?? null,
            idempotencyKey: null,
            bookingClosedAs: null,
          });
          continue;
        }
        const closedAs = CLOSING_EVENTS[event.eventType];
        if (!closedAs) continue;
        await storeIntents();
        const payment = await txRepo.findByBookingForUpdate(event.aggregateId);
        if (!payment || payment.bookingClosedAs) continue;
        const closed = await txRepo.update(payment.id, { bookingClosedAs: closedAs });
        if (closed?.status !== "SUCCEEDED") continue; // nothing taken (yet): a later success is refunded then
        const reason =
          closedAs === "CANCELLED"
            ? `booking cancelled (${p.reason ?? "no reason"})`
            : `booking ${closedAs.toLowerCase()}`;
        const refund = await openRefund(tx, closed, reason);
        if (refund) refundIds.push(refund.id);
      }
      await storeIntents();
      return refundIds;
    },

    /** Starts refunds whose provider call failed or never happened (crash after commit). */
    async retryRefunds(limit = 20): Promise<number> {
      const ids = await repo.claimDueRefunds(limit);
      for (const id of ids) await startRefund(id);
      return ids.length;
    },
  };
}
export type PaymentService = ReturnType<typeof createPaymentService>;

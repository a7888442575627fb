import { randomUUID } from "node:crypto";
import type { Principal } from "../../../lib/core/auth";
import {
  BOOKING_ENDING_EVENT_TYPES,
  BOOKING_ENDING_EVENTS,
  isEvent,
  type BookingEventType,
  type EventEnvelope,
} from "../../../lib/contracts";
import type { AppDatabase } from "../../../lib/storage/db";
import { badInput, DomainError, forbidden, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { Logger } from "../../../lib/observability/logger";
import { InvalidPaymentMethod, type PaymentProvider, type ProviderEvent } from "./payment.provider";
import {
  amountDueOf,
  createPaymentStore,
  paymentEvent,
  type Charge,
  type Payment,
  type PaymentPatch,
  type PaymentRepositoryPort,
  type PaymentStatus,
  type PaymentStore,
  type Refund,
} from "./payment.repository";

export interface PayBookingInput {
  bookingId: string;
  paymentMethodToken: string;
  idempotencyKey: string;
}

/**
 * Booking events after which the booking can no longer be confirmed (lib/contracts/events.ts): a
 * payment that succeeds is refunded.
 */
const CLOSING_EVENTS = BOOKING_ENDING_EVENT_TYPES;

/** The booking events `applyBookingEvents` acts on; its consumer skips the others before any SQL. */
export const PAYMENT_BOOKING_EVENTS: ReadonlySet<BookingEventType> = new Set<BookingEventType>([
  "booking.reserved",
  "booking.updated",
  ...CLOSING_EVENTS,
]);

/**
 * The policy's refund of `released` minor units: `round(released × refundBps / 10000)`, the rest
 * is the fee kept. `refundBps`: the share of the released amount that goes back (0–10000), the
 * venue's policy tier at that moment; absent: all. `feeWaived`: an organizer or admin waived the
 * policy's fee, everything released goes back.
 */
export function policyRefund(
  released: number,
  p: { refundBps?: number | null; feeWaived?: boolean | null },
): { amount: number; fee: number } {
  const bps =
    p.feeWaived || typeof p.refundBps !== "number" || !Number.isFinite(p.refundBps)
      ? 10_000
      : Math.min(10_000, Math.max(0, Math.round(p.refundBps)));
  const amount = Math.round((released * bps) / 10_000);
  return { amount, fee: released - amount };
}

/**
 * A payment's status, derived from its ledger: a charge in flight → PROCESSING; else a refund on
 * its way → REFUND_PENDING; else nothing paid → FAILED (its charge was declined), CANCELLED (the
 * booking ended) or REQUIRES_PAYMENT; else REFUNDED (everything, or — the booking ended — part
 * of it, went back) or SUCCEEDED.
 */
export function settledStatus(
  p: Pick<Payment, "amountPaid" | "amountRefunded" | "bookingClosedAs" | "status">,
  now: { chargeInFlight: boolean; refundsInFlight: boolean; declined?: boolean },
): PaymentStatus {
  if (now.chargeInFlight) return "PROCESSING";
  if (now.refundsInFlight) return "REFUND_PENDING";
  if (p.amountPaid === 0) {
    if (now.declined || p.status === "FAILED") return "FAILED";
    return p.bookingClosedAs ? "CANCELLED" : "REQUIRES_PAYMENT";
  }
  if (p.amountRefunded >= p.amountPaid || (p.bookingClosedAs && p.amountRefunded > 0)) return "REFUNDED";
  return "SUCCEEDED";
}

/** `payment` with the ledger columns of `patch` applied: the derived amounts recomputed. */
function withLedger(payment: Payment, patch: PaymentPatch): Payment {
  const next = { ...payment, ...patch };
  const amountDue = amountDueOf(next);
  return { ...next, amountDue, balance: amountDue - next.amountPaid + next.amountRefunded };
}

/**
 * Payments: one per booking, the account its charges and refunds are booked to. The intent is
 * created from `booking.reserved` and follows the booking's total (`booking.updated`);
 * `payBooking` charges what is owed (the balance) through the provider; the provider's webhooks
 * record the outcome (with `payment.succeeded|failed` in the same transaction); seats removed
 * from a paid booking, a paid booking that ends, or a charge that overpays open refunds.
 * Payments are kept in `store` (the composition root's), or in PostgreSQL at `db`.
 */
export function createPaymentService(
  deps: ({ store: PaymentStore } | { db: AppDatabase }) & {
    provider: PaymentProvider;
    logger: Logger;
    /** How long `payBooking` waits for the intent of a booking reserved a moment ago. */
    intentWaitMs?: number;
  },
) {
  const { provider, logger } = deps;
  const store = "store" in deps ? deps.store : createPaymentStore(deps.db);
  const repo = store.repo;
  const intentWaitMs = deps.intentWaitMs ?? 5_000;

  /**
   * Opens a refund inside `tx`, with its `payment.refund_requested` event: the payment's
   * `amountRefunded` (and fee) grow at once and it becomes REFUND_PENDING (PROCESSING while a
   * charge is in flight). `payment` must be locked; null if `cause` opened a refund already.
   */
  async function openRefund(
    txRepo: PaymentRepositoryPort,
    payment: Payment,
    refund: { amount: number; fee: number; reason: string; cause: string },
    patch: PaymentPatch = {},
  ): Promise<{ refund: Refund; payment: Payment } | null> {
    const opened = await txRepo.insertRefund(payment, refund);
    if (!opened) return null;
    const next = withLedger(payment, {
      ...patch,
      amountPaid: patch.amountPaid ?? payment.amountPaid,
      amountRefunded: payment.amountRefunded + refund.amount,
      fee: (patch.fee ?? payment.fee) + refund.fee,
    });
    const updated = await txRepo.update(
      payment.id,
      {
        ...patch,
        amountPaid: next.amountPaid,
        amountRefunded: next.amountRefunded,
        fee: next.fee,
        status: settledStatus(next, { chargeInFlight: next.status === "PROCESSING", refundsInFlight: true }),
      },
      (p) => paymentEvent("payment.refund_requested", p, refundDetails(opened)),
    );
    return { refund: opened, payment: updated! };
  }

  /** What refund events carry about the refund (`amountMinor`/`feeMinor` are the refund's, not the payment's). */
  const refundDetails = (refund: Refund) => ({
    refundId: refund.id,
    reason: refund.reason,
    cause: refund.cause,
    amountMinor: refund.amount,
    feeMinor: refund.fee,
  });
  const chargeDetails = (charge: Charge, topUp: boolean) => ({
    chargeId: charge.id,
    amountMinor: charge.amount,
    chargeAmountMinor: charge.amount,
    topUp,
  });

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

  /** Throws why `payment` cannot be charged now; returns if it can (something is owed, nothing in flight). */
  function assertChargeable(payment: Payment): void {
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
    if (payment.status === "PROCESSING")
      throw new DomainError("CONFLICT", "A payment for this booking is already processing", {
        currentStatus: payment.status,
      });
    if (payment.balance <= 0)
      throw new DomainError("CONFLICT", `The booking's payment is already ${payment.status}: nothing is owed`, {
        currentStatus: payment.status,
        balance: payment.balance,
      });
  }

  /** After a charge ended: refunds an overpayment (in full), or tells that a top-up is owed. */
  async function afterCharge(txRepo: PaymentRepositoryPort, payment: Payment, charge: Charge): Promise<string | null> {
    if (payment.balance < 0) {
      const reason = payment.bookingClosedAs
        ? `booking ${payment.bookingClosedAs.toLowerCase()} before payment`
        : "overpaid: the booking's total went down while the payment was processing";
      const opened = await openRefund(txRepo, payment, {
        amount: -payment.balance,
        fee: 0,
        reason,
        cause: `charge:${charge.id}`,
      });
      return opened?.refund.id ?? null;
    }
    if (payment.balance > 0 && payment.amountPaid > 0 && !payment.bookingClosedAs && payment.status !== "PROCESSING")
      await txRepo.emit(topUpRequired(payment));
    return null;
  }

  const topUpRequired = (payment: Payment) =>
    paymentEvent("payment.topup_required", payment, {
      amountMinor: payment.balance,
      bookingVersion: payment.bookingVersion,
    });

  return {
    startRefund,

    /**
     * Charges what the guest owes now (the balance: the booking's total, or the top-up after
     * seats were added), handing it to the provider. The same key again returns the payment (one
     * charge per key); concurrent calls are serialized on the payment row, so one charge starts
     * and the others are told CONFLICT (or get that charge's payment, with the same key).
     */
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
      if (await repo.findChargeByKey(payment.id, key)) return payment;
      assertChargeable(payment);

      const started = await store.transaction(async (txRepo) => {
        const locked = await txRepo.findById(payment.id, { forUpdate: true });
        if (!locked) throw notFound("Booking");
        if (await txRepo.findChargeByKey(payment.id, key)) return { payment: locked, charge: null };
        assertChargeable(locked);
        const charge = await txRepo.insertCharge({
          paymentId: locked.id,
          amount: locked.balance,
          currency: locked.currency,
          idempotencyKey: key,
        });
        const processing = await txRepo.update(locked.id, {
          status: "PROCESSING",
          idempotencyKey: key,
          failureReason: null,
        });
        return { payment: processing!, charge };
      });
      const { charge } = started;
      if (!charge) return started.payment;
      try {
        const { providerReference } = await provider.charge({
          paymentId: payment.id,
          chargeId: charge.id,
          amountMinor: charge.amount,
          currency: charge.currency,
          paymentMethodToken: token,
        });
        await repo.updateCharge(charge.id, { providerReference }, { status: "PROCESSING" });
        return (
          (await repo.update(payment.id, { providerReference }, undefined, { status: "PROCESSING" })) ??
          (await repo.findById(payment.id))!
        );
      } catch (error) {
        // Nothing was charged: the charge is forgotten and the payment can be started again.
        await store.transaction(async (txRepo) => {
          const locked = await txRepo.findById(payment.id, { forUpdate: true });
          await txRepo.deleteCharge(charge.id);
          if (!locked || locked.status !== "PROCESSING") return;
          const refundsInFlight = (await txRepo.refundsInFlight(locked.id)) > 0;
          await txRepo.update(locked.id, {
            status: settledStatus(locked, { chargeInFlight: false, refundsInFlight }),
          });
        });
        if (error instanceof InvalidPaymentMethod) throw badInput(error.message, { field: "paymentMethodToken" });
        logger.error("payment provider unreachable", { paymentId: payment.id, error });
        throw new DomainError("SERVICE_UNAVAILABLE", "The payment provider is unreachable, please retry shortly");
      }
    },

    /**
     * A verified provider event, applied once: the event id is recorded in the same transaction
     * as the charge's or refund's change, the payment's ledger and its outbox event, so a
     * redelivery (or ten at once) changes nothing. Returns whether this delivery applied it.
     */
    async handleProviderEvent(event: ProviderEvent): Promise<{ applied: boolean }> {
      let refundToStart: string | null = null;
      const applied = await store.transaction(async (txRepo) => {
        if (!(await txRepo.recordProviderEvent(event.id, event.type))) return false;
        const payment = await txRepo.findById(event.data.paymentId, { forUpdate: true });
        if (!payment) {
          logger.warn("webhook for an unknown payment", { eventId: event.id, paymentId: event.data.paymentId });
          return true;
        }
        switch (event.type) {
          case "payment.succeeded":
          case "payment.failed": {
            const charge = await txRepo.findChargeForUpdate(payment.id, event.data.chargeId);
            if (charge?.status !== "PROCESSING") return true; // out of order or already decided
            const topUp = payment.amountPaid > 0;
            const refundsInFlight = (await txRepo.refundsInFlight(payment.id)) > 0;
            if (event.type === "payment.succeeded") {
              const done = await txRepo.updateCharge(charge.id, {
                status: "SUCCEEDED",
                providerReference: event.data.providerReference,
              });
              const next = withLedger(payment, { amountPaid: payment.amountPaid + charge.amount });
              const succeeded = await txRepo.update(
                payment.id,
                {
                  amountPaid: next.amountPaid,
                  providerReference: event.data.providerReference,
                  failureReason: null,
                  status: settledStatus(next, { chargeInFlight: false, refundsInFlight }),
                },
                (p) => paymentEvent("payment.succeeded", p, chargeDetails(done!, topUp)),
              );
              refundToStart = await afterCharge(txRepo, succeeded!, done!);
              return true;
            }
            const failureReason = event.data.failureReason.slice(0, 200);
            const done = await txRepo.updateCharge(charge.id, { status: "FAILED", failureReason });
            await txRepo.update(
              payment.id,
              {
                failureReason,
                amountPaid: payment.amountPaid,
                status: settledStatus(payment, { chargeInFlight: false, refundsInFlight, declined: true }),
              },
              (p) => paymentEvent("payment.failed", p, chargeDetails(done!, topUp)),
            );
            return true;
          }
          case "refund.succeeded": {
            const refund = await txRepo.findRefund(event.data.refundId, { forUpdate: true });
            if (!refund || refund.paymentId !== payment.id || refund.status === "SUCCEEDED") return true;
            await txRepo.updateRefund(refund.id, {
              status: "SUCCEEDED",
              providerReference: event.data.providerReference,
            });
            const refundsInFlight = (await txRepo.refundsInFlight(payment.id)) > 0;
            await txRepo.update(
              payment.id,
              {
                amountPaid: payment.amountPaid,
                status: settledStatus(payment, { chargeInFlight: payment.status === "PROCESSING", refundsInFlight }),
              },
              (p) => paymentEvent("payment.refunded", p, refundDetails(refund)),
            );
            return true;
          }
        }
      });
      if (refundToStart) await startRefund(refundToStart);
      return { applied };
    },

    /**
     * Booking events, in order, inside the consumer's inbox transaction:
     * - `booking.reserved` creates the intent (consecutive ones in one statement, stored before
     *   the next other event, which may be about one of them);
     * - `booking.updated` (newer than the booking version stored) sets the amount due; on a paid
     *   booking, a lower total refunds the removed amount that was paid (by the policy's
     *   `refundBps`), a higher one asks for a top-up (`payment.topup_required`);
     * - a booking that ends unconfirmed or is cancelled closes its payment: nothing paid →
     *   CANCELLED; money held → refunded (cancellations by the policy, the rest in full).
     * Returns the refunds to start after the commit.
     */
    async applyBookingEvents(tx: AppDatabase, events: EventEnvelope[]): Promise<string[]> {
      const txRepo = store.within(tx);
      const intents: Parameters<typeof txRepo.insertMany>[0] = [];
      const refundIds: string[] = [];
      const storeIntents = () => txRepo.insertMany(intents.splice(0));
      for (const event of events) {
        if (isEvent(event, "booking.reserved")) {
          const p = event.payload;
          if (!p.price || !p.userId) continue;
          intents.push({
            id: randomUUID(),
            bookingId: event.aggregateId,
            amount: p.price.total,
            bookingVersion: event.aggregateVersion,
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
        if (isEvent(event, "booking.updated")) {
          const p = event.payload;
          await storeIntents();
          const payment = await txRepo.findByBookingForUpdate(event.aggregateId);
          if (!payment || payment.bookingClosedAs || !p.price) continue;
          if (event.aggregateVersion <= payment.bookingVersion) continue; // older than what we know
          const total = p.price.total;
          const patch: PaymentPatch = { amount: total, bookingVersion: event.aggregateVersion };
          // Money held for seats beyond the new total, of which the removed seats' part goes back.
          const held = payment.amountPaid - payment.amountRefunded - payment.fee;
          const released = Math.min(Math.max(0, payment.amount - total), Math.max(0, held - total));
          if (released > 0) {
            const refund = policyRefund(released, p);
            if (refund.amount > 0) {
              const opened = await openRefund(
                txRepo,
                payment,
                {
                  ...refund,
                  reason: `seats removed (${p.previousQuantity ?? "?"} → ${p.quantity ?? "?"})`,
                  cause: `booking.updated:v${event.aggregateVersion}`,
                },
                patch,
              );
              if (opened) refundIds.push(opened.refund.id);
              continue;
            }
            patch.fee = payment.fee + refund.fee; // all of it kept: nothing to send back
          }
          const next = withLedger(payment, patch);
          const owesTopUp = next.balance > 0 && next.amountPaid > 0 && next.status !== "PROCESSING";
          await txRepo.update(
            payment.id,
            { ...patch, amountPaid: next.amountPaid },
            owesTopUp ? topUpRequired : undefined,
          );
          continue;
        }
        if (!isEvent(event, CLOSING_EVENTS)) continue;
        const p = event.payload;
        const closedAs = BOOKING_ENDING_EVENTS[event.eventType];
        await storeIntents();
        const payment = await txRepo.findByBookingForUpdate(event.aggregateId);
        if (!payment || payment.bookingClosedAs) continue;
        const patch: PaymentPatch = {
          bookingClosedAs: closedAs,
          bookingVersion: Math.max(payment.bookingVersion, event.aggregateVersion),
        };
        const held = payment.amountPaid - payment.amountRefunded - payment.fee;
        if (held > 0) {
          // Cancellations refund by the venue's policy; an expired or failed booking gets everything back.
          const refund =
            event.eventType === "booking.cancelled" ? policyRefund(held, event.payload) : { amount: held, fee: 0 };
          if (refund.amount > 0) {
            const reason =
              closedAs === "CANCELLED"
                ? `booking cancelled (${p.reason ?? "no reason"})`
                : `booking ${closedAs.toLowerCase()}`;
            const opened = await openRefund(
              txRepo,
              payment,
              { ...refund, reason, cause: `booking.${closedAs.toLowerCase()}` },
              patch,
            );
            if (opened) refundIds.push(opened.refund.id);
            continue;
          }
          patch.fee = payment.fee + refund.fee;
        }
        // Nothing (more) to give back: a payment that was never paid ends CANCELLED; a charge
        // still in flight is refunded in full when it succeeds.
        const next = withLedger(payment, patch);
        await txRepo.update(payment.id, {
          ...patch,
          amountPaid: next.amountPaid,
          status: settledStatus(next, {
            chargeInFlight: payment.status === "PROCESSING",
            refundsInFlight: payment.status === "REFUND_PENDING",
          }),
        });
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

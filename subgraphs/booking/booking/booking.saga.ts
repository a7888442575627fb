import type { Registry } from "prom-client";
import { isEvent, type DomainEvent, type EventEnvelope, type KnownEvent } from "../../../lib/contracts";
import type { AppDatabase } from "../../../lib/storage/db";
import { createInboxConsumer } from "../../../lib/messaging/event-consumer";
import type { Logger } from "../../../lib/observability/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingExpired, bookingTransitioned } from "./booking.events";
import type { Booking } from "./booking.model";
import type { BookingRepository } from "./booking.repository";
import { createSeatRelease } from "./booking.seats";
import { HOLD_EXPIRED, isAwaitingPayment, PAYMENT_FAILED, PAYMENT_SUCCEEDED } from "./booking.state";
import { createTopUps } from "./booking.topup";

/** The payment events the saga acts on; other payment events (refunds…) are skipped before any SQL. */
const PAYMENT_OUTCOMES = ["payment.succeeded", "payment.failed"] as const;
type PaymentOutcome = KnownEvent<(typeof PAYMENT_OUTCOMES)[number]>;

/**
 * The confirmation saga: the booking subgraph's side of a payment's outcome.
 *
 * - `payment.succeeded` for a PENDING booking whose hold has not run out: the held seats are
 *   sold first (inventory refuses if the hold is gone), then PENDING → CONFIRMED with a
 *   `booking.confirmed` event. A hold that is gone, or a booking past its `expiresAt`, expires
 *   instead; the payment subgraph refunds payments of bookings that ended unpaid.
 * - `payment.failed` for a PENDING booking: PENDING → FAILED with `booking.failed`, seats released.
 * - A top-up (`topUp`: seats added to a CONFIRMED booking): a success confirms the added seats,
 *   a decline gives them back (booking.topup.ts).
 * - Anything else (a booking already cancelled, expired, failed or confirmed) changes nothing here.
 *
 * Every step is conditional on the booking's status and version, so a redelivered or replayed
 * event, or two consumers at once, change the booking once. Transient failures (inventory
 * unreachable) throw: the consumer retries with backoff and dead-letters after 5 attempts.
 */
export function createPaymentOutcomes(deps: {
  bookings: Pick<
    BookingRepository,
    "findById" | "transitionWithOutbox" | "updateWithOutbox" | "listTopUpsDue" | "markSeatsReleased"
  >;
  inventory: Pick<InventoryClient, "sellHold" | "releaseHold" | "resizeHold">;
  logger: Logger;
  now?: () => Date;
}) {
  const { bookings, inventory, logger } = deps;
  const releaseSeats = createSeatRelease(deps);
  const topUps = createTopUps(deps);
  const now = deps.now ?? (() => new Date());

  /**
   * PENDING → `to` at the version that was read. If the booking changed meanwhile and is still
   * PENDING, throws so the consumer retries with the new version; otherwise returns null (the
   * booking's new state decides).
   */
  async function leavePending(
    booking: Booking,
    { from, to }: typeof PAYMENT_SUCCEEDED | typeof PAYMENT_FAILED | typeof HOLD_EXPIRED,
    reason: string,
    event: (next: Booking) => DomainEvent,
  ): Promise<Booking | null> {
    const changed = await bookings.transitionWithOutbox({
      bookingId: booking.id,
      expectedVersion: booking.version,
      from,
      to,
      actor: "payment",
      reason,
      current: booking,
      event,
    });
    if (changed) return changed;
    const latest = await bookings.findById(booking.id);
    if (latest && isAwaitingPayment(latest.status))
      throw new Error(`booking changed while moving it to ${to}; retrying`);
    return null;
  }

  async function pendingBookingOf(event: PaymentOutcome): Promise<Booking | null> {
    const { bookingId } = event.payload;
    const booking = bookingId ? await bookings.findById(bookingId) : null;
    return booking && isAwaitingPayment(booking.status) ? booking : null;
  }

  async function succeeded(event: KnownEvent<"payment.succeeded">) {
    const p = event.payload;
    if (p.topUp && p.bookingId) {
      await topUps.confirm(p.bookingId, p.balanceMinor);
      return;
    }
    const booking = await pendingBookingOf(event);
    if (!booking) return;
    const inTime = booking.expiresAt !== null && booking.expiresAt > now();
    const { sold } = inTime ? await inventory.sellHold(booking.id) : { sold: false };
    if (!sold) {
      // Too late: the booking expires here (unless the sweeper got there first) and the payment
      // subgraph refunds the payment when it sees `booking.expired`.
      if (await leavePending(booking, HOLD_EXPIRED, "paid after the hold ran out", bookingExpired))
        await releaseSeats(booking.id);
      return;
    }
    const confirmed = await leavePending(booking, PAYMENT_SUCCEEDED, "payment succeeded", (next) =>
      bookingTransitioned("booking.confirmed", next, "payment", { paymentId: p.paymentId ?? null }),
    );
    if (!confirmed) logger.info("payment succeeded for a booking that changed meanwhile", { bookingId: booking.id });
  }

  async function failed(event: KnownEvent<"payment.failed">) {
    const p = event.payload;
    if (p.topUp && p.bookingId) {
      await topUps.giveBack(p.bookingId, `top-up declined (${p.failureReason ?? "payment failed"})`, "payment");
      return;
    }
    const booking = await pendingBookingOf(event);
    if (!booking) return;
    const reason = p.failureReason ?? "payment failed";
    const failedBooking = await leavePending(booking, PAYMENT_FAILED, reason, (next) =>
      bookingTransitioned("booking.failed", next, "payment", { paymentId: p.paymentId ?? null, reason }),
    );
    if (failedBooking) await releaseSeats(booking.id);
  }

  return {
    /** Whether the saga acts on `event` (a payment's outcome). */
    handles: (event: EventEnvelope) => isEvent(event, PAYMENT_OUTCOMES),
    /** The booking's side of the outcome; conditional on the booking's status and version, so repeating it changes nothing. */
    async apply(event: EventEnvelope): Promise<void> {
      if (isEvent(event, "payment.succeeded")) await succeeded(event);
      else if (isEvent(event, "payment.failed")) await failed(event);
    },
  };
}
export type PaymentOutcomes = ReturnType<typeof createPaymentOutcomes>;

/** The saga as the consumer of `payment.events`: each outcome applied once (inbox), retried, dead-lettered. */
export function createPaymentSaga(
  deps: Parameters<typeof createPaymentOutcomes>[0] & { db: AppDatabase; registry?: Registry },
) {
  const outcomes = createPaymentOutcomes(deps);
  return createInboxConsumer({
    name: "booking-payment-saga",
    schema: "booking",
    db: deps.db,
    logger: deps.logger,
    registry: deps.registry,
    handles: outcomes.handles,
    // Conditional transitions are idempotent by themselves: they run first, the inbox after.
    idempotentEffect: outcomes.apply,
  });
}

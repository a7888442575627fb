import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer, type EventEnvelope } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingExpired, bookingTransitioned } from "./booking.events";
import type { DomainEvent } from "../../../lib/outbox";
import type { Booking, BookingStatus } from "./booking.model";
import type { BookingRepository } from "./booking.repository";
import { createSeatRelease } from "./booking.seats";
import { createTopUps } from "./booking.topup";

interface PaymentPayload {
  paymentId?: string;
  bookingId?: string;
  failureReason?: string | null;
  /** A charge for seats added to a paid booking (the payment subgraph's ledger). */
  topUp?: boolean;
  /** What is still owed after this charge. */
  balanceMinor?: number;
}

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
export function createPaymentSaga(deps: {
  db: AppDatabase;
  bookings: BookingRepository;
  inventory: InventoryClient;
  logger: Logger;
  registry?: Registry;
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
    to: BookingStatus,
    reason: string,
    event: (next: Booking) => DomainEvent,
  ): Promise<Booking | null> {
    const changed = await bookings.transitionWithOutbox({
      bookingId: booking.id,
      expectedVersion: booking.version,
      from: "PENDING",
      to,
      actor: "payment",
      reason,
      current: booking,
      event,
    });
    if (changed) return changed;
    const latest = await bookings.findById(booking.id);
    if (latest?.status === "PENDING") throw new Error(`booking changed while moving it to ${to}; retrying`);
    return null;
  }

  async function pendingBookingOf(event: EventEnvelope): Promise<Booking | null> {
    const { bookingId } = event.payload as PaymentPayload;
    const booking = bookingId ? await bookings.findById(bookingId) : null;
    return booking?.status === "PENDING" ? booking : null;
  }

  async function succeeded(event: EventEnvelope) {
    const top = event.payload as PaymentPayload;
    if (top.topUp && top.bookingId) {
      await topUps.confirm(top.bookingId, top.balanceMinor);
      return;
    }
    const booking = await pendingBookingOf(event);
    if (!booking) return;
    const p = event.payload as PaymentPayload;
    const inTime = booking.expiresAt !== null && booking.expiresAt > now();
    const { sold } = inTime ? await inventory.sellHold(booking.id) : { sold: false };
    if (!sold) {
      // Too late: the booking expires here (unless the sweeper got there first) and the payment
      // subgraph refunds the payment when it sees `booking.expired`.
      if (await leavePending(booking, "EXPIRED", "paid after the hold ran out", bookingExpired))
        await releaseSeats(booking.id);
      return;
    }
    const confirmed = await leavePending(booking, "CONFIRMED", "payment succeeded", (next) =>
      bookingTransitioned("booking.confirmed", next, "payment", { paymentId: p.paymentId ?? null }),
    );
    if (!confirmed) logger.info("payment succeeded for a booking that changed meanwhile", { bookingId: booking.id });
  }

  async function failed(event: EventEnvelope) {
    const top = event.payload as PaymentPayload;
    if (top.topUp && top.bookingId) {
      await topUps.giveBack(top.bookingId, `top-up declined (${top.failureReason ?? "payment failed"})`, "payment");
      return;
    }
    const booking = await pendingBookingOf(event);
    if (!booking) return;
    const p = event.payload as PaymentPayload;
    const reason = p.failureReason ?? "payment failed";
    const failedBooking = await leavePending(booking, "FAILED", reason, (next) =>
      bookingTransitioned("booking.failed", next, "payment", { paymentId: p.paymentId ?? null, reason }),
    );
    if (failedBooking) await releaseSeats(booking.id);
  }

  return createInboxConsumer({
    name: "booking-payment-saga",
    schema: "booking",
    db: deps.db,
    logger,
    registry: deps.registry,
    // Other payment events (refunds…) are skipped before any SQL.
    handles: (event) => event.eventType === "payment.succeeded" || event.eventType === "payment.failed",
    // Conditional transitions are idempotent by themselves: they run first, the inbox after.
    idempotentEffect: async (event) => {
      if (event.eventType === "payment.succeeded") await succeeded(event);
      else if (event.eventType === "payment.failed") await failed(event);
    },
  });
}

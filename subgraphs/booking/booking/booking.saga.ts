import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer, type EventEnvelope } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingExpired, bookingTransitioned } from "./booking.events";
import type { BookingRepository } from "./booking.repository";

interface PaymentPayload {
  paymentId?: string;
  bookingId?: string;
  failureReason?: string | null;
}

/**
 * The confirmation saga: the booking subgraph's side of a payment's outcome.
 *
 * - `payment.succeeded` for a PENDING booking whose hold has not run out: the held seats are
 *   sold first (inventory refuses if the hold is gone), then PENDING → CONFIRMED with a
 *   `booking.confirmed` event. A hold that is gone, or a booking past its `expiresAt`, expires
 *   instead; the payment subgraph refunds payments of bookings that ended unpaid.
 * - `payment.failed` for a PENDING booking: PENDING → FAILED with `booking.failed`, seats released.
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
  const now = deps.now ?? (() => new Date());

  async function succeeded(event: EventEnvelope) {
    const p = event.payload as PaymentPayload;
    const booking = p.bookingId ? await bookings.findById(p.bookingId) : null;
    if (!booking || booking.status !== "PENDING") return;
    const inTime = booking.expiresAt !== null && booking.expiresAt > now();
    const { sold } = inTime ? await inventory.sellHold(booking.id) : { sold: false };
    if (!sold) {
      // Too late: the booking expires here (unless the sweeper got there first) and the payment
      // subgraph refunds the payment when it sees `booking.expired`.
      const expired = await bookings.transitionWithOutbox({
        bookingId: booking.id,
        expectedVersion: booking.version,
        from: "PENDING",
        to: "EXPIRED",
        actor: "payment",
        reason: "paid after the hold ran out",
        current: booking,
        event: bookingExpired,
      });
      if (expired) await releaseSeats(booking.id);
      return;
    }
    const confirmed = await bookings.transitionWithOutbox({
      bookingId: booking.id,
      expectedVersion: booking.version,
      from: "PENDING",
      to: "CONFIRMED",
      actor: "payment",
      reason: "payment succeeded",
      current: booking,
      event: (next) => bookingTransitioned("booking.confirmed", next, "payment", { paymentId: p.paymentId ?? null }),
    });
    if (!confirmed) {
      // Changed meanwhile (e.g. the guest cancelled): read again and let the new state decide.
      const latest = await bookings.findById(booking.id);
      if (latest?.status === "PENDING") throw new Error("booking changed while confirming; retrying");
      logger.info("payment succeeded for a booking that changed meanwhile", {
        bookingId: booking.id,
        status: latest?.status,
      });
    }
  }

  async function failed(event: EventEnvelope) {
    const p = event.payload as PaymentPayload;
    const booking = p.bookingId ? await bookings.findById(p.bookingId) : null;
    if (!booking || booking.status !== "PENDING") return;
    const reason = p.failureReason ?? "payment failed";
    const failedBooking = await bookings.transitionWithOutbox({
      bookingId: booking.id,
      expectedVersion: booking.version,
      from: "PENDING",
      to: "FAILED",
      actor: "payment",
      reason,
      current: booking,
      event: (next) =>
        bookingTransitioned("booking.failed", next, "payment", { paymentId: p.paymentId ?? null, reason }),
    });
    if (!failedBooking) {
      const latest = await bookings.findById(booking.id);
      if (latest?.status === "PENDING") throw new Error("booking changed while failing it; retrying");
      return;
    }
    await releaseSeats(booking.id);
  }

  /** Seats back at once; if this call fails, the sweeper retries and inventory's consumer releases them too. */
  async function releaseSeats(bookingId: string) {
    try {
      await inventory.releaseHold(bookingId);
      await bookings.markSeatsReleased(bookingId);
    } catch (error) {
      logger.warn("seats of a finished booking not released yet", { bookingId, error });
    }
  }

  return createInboxConsumer({
    name: "booking-payment-saga",
    schema: "booking",
    db: deps.db,
    logger,
    registry: deps.registry,
    // Conditional transitions are idempotent by themselves: they run first, the inbox after.
    idempotentEffect: async (event) => {
      if (event.eventType === "payment.succeeded") await succeeded(event);
      else if (event.eventType === "payment.failed") await failed(event);
    },
  });
}

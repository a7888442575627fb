import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import { PAYMENT_BOOKING_EVENTS, type PaymentService } from "./payment.service";

/**
 * The payment subgraph's view of bookings: intents for new bookings, refunds for ended or
 * cancelled ones. Applied in the inbox transaction (shared by a batch of events); the provider
 * is asked to refund after the commit (and again by the retry loop if that call fails). Other
 * booking events (confirmations, updates…) are skipped before any SQL.
 */
export function createBookingEventsConsumer(
  payments: PaymentService,
  db: AppDatabase,
  logger: Logger,
  registry?: Registry,
) {
  return createInboxConsumer({
    name: "payment-booking-events",
    schema: "payment",
    db,
    logger,
    registry,
    handles: (event) => PAYMENT_BOOKING_EVENTS.has(event.eventType),
    apply: async (tx, event) => {
      const refundId = await payments.applyBookingEvent(tx, event);
      return refundId ? () => payments.startRefund(refundId) : undefined;
    },
  });
}

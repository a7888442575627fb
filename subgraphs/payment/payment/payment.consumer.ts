import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import { PAYMENT_BOOKING_EVENTS, type PaymentService } from "./payment.service";

/**
 * The payment subgraph's view of bookings: intents for new bookings (one statement for a run of
 * reservations), refunds for ended or cancelled ones. Applied in the inbox transaction, a batch
 * of events at once; the provider is asked to refund after the commit (and again by the retry
 * loop if that call fails). Other booking events (confirmations, updates…) are skipped before
 * any SQL.
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
    applyBatch: async (tx, events) => {
      const refundIds = await payments.applyBookingEvents(tx, events);
      if (!refundIds.length) return;
      return async () => {
        for (const refundId of refundIds) await payments.startRefund(refundId);
      };
    },
  });
}

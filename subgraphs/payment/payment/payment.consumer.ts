import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/storage/db";
import { isEvent } from "../../../lib/contracts";
import { createInboxConsumer } from "../../../lib/messaging/event-consumer";
import type { Logger } from "../../../lib/observability/logger";
import { PAYMENT_BOOKING_EVENTS, type PaymentService } from "./payment.service";

/**
 * The payment subgraph's view of bookings: intents for new bookings (one statement for a run of
 * reservations), the amount due following `booking.updated` (a top-up or a partial refund on a
 * paid booking), refunds for ended or cancelled ones. Applied in the inbox transaction, a batch
 * of events at once, in order; the provider is asked to refund after the commit (and again by
 * the retry loop if that call fails). Other booking events (confirmations…) are skipped before
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
    handles: (event) => isEvent(event, PAYMENT_BOOKING_EVENTS),
    applyBatch: async (tx, events) => {
      const refundIds = await payments.applyBookingEvents(tx, events);
      return async () => {
        for (const refundId of refundIds) await payments.startRefund(refundId);
      };
    },
  });
}

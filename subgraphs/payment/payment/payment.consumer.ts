import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import type { PaymentService } from "./payment.service";

/**
 * The payment subgraph's view of bookings: intents for new bookings, refunds for ended or
 * cancelled ones. Applied in the inbox transaction; the provider is asked to refund after the
 * commit (and again by the retry loop if that call fails).
 */
export function createBookingEventsConsumer(
  payments: PaymentService,
  db: AppDatabase,
  logger: Logger,
  registry?: Registry,
) {
  const refunds = new Map<string, string>();
  return createInboxConsumer({
    name: "payment-booking-events",
    schema: "payment",
    db,
    logger,
    registry,
    apply: async (tx, event) => {
      const refundId = await payments.applyBookingEvent(tx, event);
      if (refundId) refunds.set(event.eventId, refundId);
    },
    afterCommit: async (event) => {
      const refundId = refunds.get(event.eventId);
      refunds.delete(event.eventId);
      if (refundId) await payments.startRefund(refundId);
    },
  });
}

import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/storage/db";
import { BOOKING_ENDING_EVENT_TYPES, isEvent, type BookingEndingEvent } from "../../../lib/contracts";
import { createInboxConsumer } from "../../../lib/messaging/event-consumer";
import type { Logger } from "../../../lib/observability/logger";
import type { HoldService } from "./hold.service";

/** Booking events after which a booking's seats must be free again (lib/contracts/events.ts). */
const RELEASING_EVENTS: ReadonlySet<BookingEndingEvent> = new Set(BOOKING_ENDING_EVENT_TYPES);

/**
 * Gives seats back for finished bookings and makes the seats of confirmed (paid) bookings
 * permanent. The booking subgraph already asks for both synchronously; this consumer is the
 * guarantee when that call did not get through. Both are idempotent, so they run before the
 * inbox entry (a crash in between only repeats them).
 */
export function createSeatReleaseConsumer(holds: HoldService, db: AppDatabase, logger: Logger, registry?: Registry) {
  return createInboxConsumer({
    name: "inventory-seat-release",
    schema: "inventory",
    db,
    logger,
    registry,
    // Anything else (reservations, updates…) is skipped before any SQL.
    handles: (event) => isEvent(event, RELEASING_EVENTS) || isEvent(event, "booking.confirmed"),
    idempotentEffect: async (event) => {
      if (isEvent(event, RELEASING_EVENTS))
        await holds.releaseHold(event.aggregateId, undefined, { finishRepeat: false });
      if (isEvent(event, "booking.confirmed")) await holds.sellHold(event.aggregateId, { fromEvent: true });
    },
  });
}

import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import type { HoldService } from "./hold.service";

/** Booking events after which a booking's seats must be free again. */
const RELEASING_EVENTS = new Set(["booking.cancelled", "booking.expired", "booking.failed"]);

/**
 * Gives seats back for finished bookings. The booking subgraph already asks for this
 * synchronously; this consumer is the guarantee when that call did not get through. Releasing
 * is idempotent, so it runs before the inbox entry (a crash in between only repeats it).
 */
export function createSeatReleaseConsumer(holds: HoldService, db: AppDatabase, logger: Logger, registry?: Registry) {
  return createInboxConsumer({
    name: "inventory-seat-release",
    schema: "inventory",
    db,
    logger,
    registry,
    idempotentEffect: async (event) => {
      if (RELEASING_EVENTS.has(event.eventType)) await holds.releaseHold(event.aggregateId);
    },
  });
}

import type { Logger } from "../../../lib/observability/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingExpired } from "./booking.events";
import { createSeatRelease } from "./booking.seats";
import type { BookingRepository } from "./booking.repository";

/**
 * Expires unpaid bookings: PENDING past `expiresAt` → EXPIRED (the state machine's
 * HOLD_EXPIRED, applied by the repository) with history and a `booking.expired` outbox row (exactly once, even with several sweepers), then gives the
 * seats back. If giving them back fails here, inventory releases the lapsed hold itself.
 */
export function createExpirySweeper(deps: {
  bookings: Pick<BookingRepository, "expireDueWithOutbox" | "markSeatsReleased">;
  inventory: Pick<InventoryClient, "releaseHold">;
  logger: Logger;
  batch?: number;
}) {
  const releaseSeats = createSeatRelease(deps);
  return {
    async expireDue(now = new Date()): Promise<number> {
      const expired = await deps.bookings.expireDueWithOutbox(now, deps.batch ?? 200, bookingExpired);
      await Promise.all(expired.map((booking) => releaseSeats(booking.id)));
      return expired.length;
    },
  };
}
export type ExpirySweeper = ReturnType<typeof createExpirySweeper>;

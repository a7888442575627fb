import type { Logger } from "../../../lib/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingExpired } from "./booking.events";
import type { BookingRepository } from "./booking.repository";

/**
 * Expires unpaid bookings: PENDING past `expiresAt` → EXPIRED with history and a
 * `booking.expired` outbox row (exactly once, even with several sweepers), then gives the
 * seats back. If giving them back fails here, inventory releases the lapsed hold itself.
 */
export function createExpirySweeper(deps: {
  bookings: BookingRepository;
  inventory: InventoryClient;
  logger: Logger;
  batch?: number;
}) {
  const { bookings, inventory, logger } = deps;
  return {
    async expireDue(now = new Date()): Promise<number> {
      const expired = await bookings.expireDueWithOutbox(now, deps.batch ?? 200, bookingExpired);
      await Promise.all(
        expired.map((booking) =>
          inventory
            .releaseHold(booking.id)
            .then(() => bookings.markSeatsReleased(booking.id))
            .catch((error) =>
              logger.warn("seats of an expired booking not released yet", { bookingId: booking.id, error }),
            ),
        ),
      );
      return expired.length;
    },
  };
}
export type ExpirySweeper = ReturnType<typeof createExpirySweeper>;

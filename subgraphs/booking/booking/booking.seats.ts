import type { Logger } from "../../../lib/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import type { BookingRepository } from "./booking.repository";

/**
 * Gives a finished booking's seats back right after its change committed, so `Zone.available`
 * is right at once. If inventory cannot be reached, `seats_released_at` stays empty and the
 * sweeper tries again (inventory's consumer and lapsing holds release them too).
 */
export function createSeatRelease(deps: { bookings: BookingRepository; inventory: InventoryClient; logger: Logger }) {
  return async function releaseSeats(bookingId: string): Promise<void> {
    try {
      await deps.inventory.releaseHold(bookingId);
      await deps.bookings.markSeatsReleased(bookingId);
    } catch (error) {
      deps.logger.warn("seats not released yet; the sweeper retries", { bookingId, error });
    }
  };
}
export type SeatRelease = ReturnType<typeof createSeatRelease>;

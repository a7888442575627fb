import type { Logger } from "../../../lib/observability/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import type { BookingRepository } from "./booking.repository";

/**
 * Gives a finished booking's seats back right after its change committed, so `Zone.available`
 * is right at once. If inventory cannot be reached, `seats_released_at` stays empty and the
 * sweeper tries again (inventory's consumer and lapsing holds release them too).
 */
export function createSeatRelease(deps: {
  bookings: Pick<BookingRepository, "markSeatsReleased">;
  inventory: Pick<InventoryClient, "releaseHold">;
  logger: Logger;
}) {
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

/**
 * Changes a live booking's seat count: the hold is resized first (a compare-and-set in
 * inventory, so of concurrent changes only one moves it), then `write` records the booking's
 * change; if that finds the booking changed meanwhile (null), the hold is put back.
 */
export async function resizeBookingSeats<T>(
  deps: { inventory: Pick<InventoryClient, "resizeHold">; logger: Logger },
  booking: { id: string; quantity: number },
  quantity: number,
  write: () => Promise<T | null>,
): Promise<T | null> {
  if (quantity === booking.quantity) return write();
  await deps.inventory.resizeHold(booking.id, booking.quantity, quantity);
  const written = await write();
  if (!written) {
    await deps.inventory.resizeHold(booking.id, quantity, booking.quantity).catch((error) =>
      deps.logger.error("could not restore a hold after a conflicting change; reconcile repairs it", {
        bookingId: booking.id,
        error,
      }),
    );
  }
  return written;
}

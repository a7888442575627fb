import type { Logger } from "../../../lib/observability/logger";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingTransitioned } from "./booking.events";
import { priceFor } from "./booking.lifecycle";
import type { BookingRepository } from "./booking.repository";
import { resizeBookingSeats } from "./booking.seats";
import { takesTopUps } from "./booking.state";

/**
 * Seats added to a paid (CONFIRMED) booking: `updateBooking` holds them at once and marks them
 * `pendingSeats`, and the payment's balance asks for a top-up. This settles them:
 * - the top-up succeeded (`payment.succeeded` with `topUp`, nothing owed any more): they are
 *   confirmed (`booking.seats_confirmed`);
 * - it was declined (`payment.failed` with `topUp`) or `topUpExpiresAt` passed: they are given
 *   back to inventory and the booking returns to the seats that were paid (`booking.updated`,
 *   which lowers the amount due; nothing is refunded, as nothing was paid for them).
 * The booking stays CONFIRMED for the paid seats throughout. Every step is conditional on the
 * booking's version: a conflicting change throws, and the saga's consumer retries.
 */
export function createTopUps(deps: {
  bookings: Pick<BookingRepository, "findById" | "updateWithOutbox" | "listTopUpsDue">;
  inventory: Pick<InventoryClient, "resizeHold">;
  logger: Logger;
}) {
  const { bookings, logger } = deps;

  async function confirm(bookingId: string, balanceMinor: unknown): Promise<boolean> {
    const booking = await bookings.findById(bookingId);
    if (!booking || !takesTopUps(booking.status) || booking.pendingSeats === 0) return false;
    // Still owed (more seats were added while this top-up was being paid): wait for the rest.
    if (typeof balanceMinor === "number" && balanceMinor > 0) return false;
    const confirmed = await bookings.updateWithOutbox({
      current: booking,
      expectedVersion: booking.version,
      quantity: booking.quantity,
      price: booking.price,
      specialRequests: booking.specialRequests,
      pendingSeats: 0,
      event: (next) => bookingTransitioned("booking.seats_confirmed", next, "payment", { seats: booking.pendingSeats }),
    });
    if (!confirmed) throw new Error("booking changed while confirming its added seats; retrying");
    return true;
  }

  async function giveBack(bookingId: string, reason: string, actor: string): Promise<boolean> {
    const booking = await bookings.findById(bookingId);
    if (!booking || !takesTopUps(booking.status) || booking.pendingSeats === 0) return false;
    const quantity = booking.quantity - booking.pendingSeats;
    const reduced = await resizeBookingSeats(deps, booking, quantity, () =>
      bookings.updateWithOutbox({
        current: booking,
        expectedVersion: booking.version,
        quantity,
        price: priceFor(booking, quantity),
        specialRequests: booking.specialRequests,
        pendingSeats: 0,
        event: (next) =>
          bookingTransitioned("booking.updated", next, actor, {
            previousQuantity: booking.quantity,
            previousPrice: booking.price,
            reason,
            // Unpaid seats: nothing of theirs was paid, so nothing is kept or refunded.
            refundBps: 10_000,
          }),
      }),
    );
    if (!reduced) throw new Error("booking changed while giving back its unpaid seats; retrying");
    return true;
  }

  return {
    confirm,
    giveBack,
    /** Gives back the added seats of paid bookings whose top-up was not paid in time. */
    async expireDue(now = new Date(), limit = 100): Promise<number> {
      let count = 0;
      for (const id of await bookings.listTopUpsDue(now, limit)) {
        try {
          if (await giveBack(id, "top-up not paid in time", "system")) count++;
        } catch (error) {
          logger.warn("unpaid added seats not given back yet; retrying on the next sweep", { bookingId: id, error });
        }
      }
      return count;
    },
  };
}
export type TopUps = ReturnType<typeof createTopUps>;

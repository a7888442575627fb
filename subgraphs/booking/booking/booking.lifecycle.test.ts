import { beforeEach, describe, expect, it } from "vitest";
import { Registry } from "prom-client";
import type { Principal } from "../../../lib/core/auth";
import { DomainError } from "../../../lib/core/errors";
import { createLogger } from "../../../lib/observability/logger";
import { createExpirySweeper } from "./booking.expiry";
import { createLifecycleService } from "./booking.lifecycle";
import {
  createMemoryBookingStore,
  givenBooking,
  createMemoryInventory,
  zoneFixture,
  type MemoryBookingStore,
  type MemoryInventory,
} from "./booking.memory";
import { createCancellationMetrics } from "./booking.metrics";
import type { Booking } from "./booking.model";

const guest: Principal = { userId: "guest-1", role: "GUEST" };
const organizer: Principal = { userId: "organizer-1", role: "ORGANIZER" };
const stranger: Principal = { userId: "someone-else", role: "GUEST" };
const logger = createLogger("silent");
const HOUR = 3_600_000;

describe("booking lifecycle (cancel, change, organizer transitions, expiry; in-memory ports)", () => {
  let store: MemoryBookingStore;
  let inventory: MemoryInventory;
  let lifecycle: ReturnType<typeof createLifecycleService>;

  beforeEach(() => {
    store = createMemoryBookingStore();
    inventory = createMemoryInventory([zoneFixture({ available: 10 })]);
    lifecycle = createLifecycleService({
      bookings: store.bookings,
      inventory: inventory.client,
      metrics: createCancellationMetrics(new Registry()),
      logger,
      topUpSeconds: 600,
    });
  });

  const given = (overrides: Partial<Booking> = {}) => givenBooking(store, inventory, overrides);

  describe("cancelBooking", () => {
    it("cancels a PENDING booking for its guest: nothing was paid, all comes back, seats are released", async () => {
      const booking = await given();
      const cancelled = await lifecycle.cancelBooking(guest, { bookingId: booking.id, reason: "CHANGE_OF_PLANS" });
      expect(cancelled).toMatchObject({
        status: "CANCELLED",
        version: 2,
        cancellationReason: "CHANGE_OF_PLANS",
        cancelledBy: guest.userId,
        cancellationRefundMinor: 0,
        cancellationFeeMinor: 0,
      });
      expect(store.events).toEqual([
        expect.objectContaining({
          eventType: "booking.cancelled",
          aggregateVersion: 2,
          payload: expect.objectContaining({
            status: "CANCELLED",
            previousStatus: "PENDING",
            paymentTaken: false,
            refundBps: 10_000,
            cancelledByRole: "GUEST",
          }),
        }),
      ]);
      expect(inventory.available(booking.zoneId)).toBe(10);
      expect(await store.bookings.listUnreleased(10)).toEqual([]);
    });

    it("is idempotent: cancelling a cancelled booking writes nothing", async () => {
      const booking = await given();
      await lifecycle.cancelBooking(guest, { bookingId: booking.id, reason: "OTHER" });
      const again = await lifecycle.cancelBooking(guest, { bookingId: booking.id, reason: "OTHER" });
      expect(again.version).toBe(2);
      expect(store.eventTypes()).toEqual(["booking.cancelled"]);
    });

    it("refunds a paid booking by the venue's tier at the time, and keeps the rest as the fee", async () => {
      const booking = await given({
        status: "CONFIRMED",
        version: 2,
        slotStartsAt: new Date(Date.now() + 30 * HOUR),
        cancellationPolicy: [
          { hoursBefore: 48, refundPercent: 100 },
          { hoursBefore: 24, refundPercent: 50 },
        ],
      });
      const cancelled = await lifecycle.cancelBooking(guest, { bookingId: booking.id, reason: "OTHER" });
      expect(cancelled).toMatchObject({
        cancellationRefundPercent: 50,
        cancellationRefundMinor: 12_300,
        cancellationFeeMinor: 12_300,
        cancellationFeeWaived: false,
      });
      expect(store.events[0].payload).toMatchObject({ paymentTaken: true, refundBps: 5_000, tierHoursBefore: 24 });
    });

    it("lets only the guest, the venue's organizer or an admin cancel, and the guest only before the deadline", async () => {
      const soon = await given({ slotStartsAt: new Date(Date.now() + 2 * HOUR) });
      await expect(lifecycle.cancelBooking(stranger, { bookingId: soon.id, reason: "OTHER" })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(lifecycle.cancelBooking(guest, { bookingId: soon.id, reason: "OTHER" })).rejects.toMatchObject({
        code: "FORBIDDEN",
        message: expect.stringContaining("24 hours"),
      });
      await expect(
        lifecycle.cancelBooking(guest, { bookingId: soon.id, reason: "OTHER", waiveFee: true }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      const cancelled = await lifecycle.cancelBooking(organizer, {
        bookingId: soon.id,
        reason: "OTHER",
        waiveFee: true,
      });
      expect(cancelled).toMatchObject({
        status: "CANCELLED",
        cancelledBy: organizer.userId,
        cancellationFeeWaived: true,
      });
    });

    it("refuses a stale expectedVersion and a status the guest may not cancel from", async () => {
      const booking = await given();
      await expect(
        lifecycle.cancelBooking(guest, { bookingId: booking.id, reason: "OTHER", expectedVersion: 7 }),
      ).rejects.toMatchObject({ code: "CONFLICT" });
      const checkedIn = await given({ id: "5b0e6d1c-0000-4000-8000-000000000002", status: "CHECKED_IN", version: 3 });
      await expect(lifecycle.cancelBooking(guest, { bookingId: checkedIn.id, reason: "OTHER" })).rejects.toMatchObject({
        code: "INVALID_STATUS",
      });
      await expect(lifecycle.cancellationQuote(guest, checkedIn.id)).resolves.toMatchObject({ paymentTaken: true });
      expect(store.events).toEqual([]);
    });

    it("keeps the booking for the sweeper when inventory cannot take the seats back, and releases them on retry", async () => {
      const booking = await given();
      inventory.failures.releaseHold = new DomainError("SERVICE_UNAVAILABLE", "inventory is away");
      await lifecycle.cancelBooking(guest, { bookingId: booking.id, reason: "OTHER" });
      expect(await store.bookings.listUnreleased(10)).toEqual([booking.id]);
      expect(inventory.available(booking.zoneId)).toBe(8);
      expect(await lifecycle.releasePendingSeats()).toBe(1);
      expect(await store.bookings.listUnreleased(10)).toEqual([]);
      expect(inventory.available(booking.zoneId)).toBe(10);
    });
  });

  describe("updateBooking", () => {
    it("holds added seats of a paid booking as unpaid seats awaiting a top-up", async () => {
      const booking = await given({ status: "CONFIRMED", version: 2 });
      const updated = await lifecycle.updateBooking(guest, { bookingId: booking.id, quantity: 3, expectedVersion: 2 });
      expect(updated).toMatchObject({ quantity: 3, pendingSeats: 1, version: 3, price: { base: 30_000 } });
      expect(updated.topUpExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 590_000);
      expect(inventory.hold(booking.id)).toMatchObject({ quantity: 3 });
      expect(store.events).toEqual([
        expect.objectContaining({
          eventType: "booking.updated",
          payload: expect.objectContaining({ quantity: 3, previousQuantity: 2, pendingSeats: 1, refundBps: 10_000 }),
        }),
      ]);
    });

    it("returns a retried update as it is, and refuses one made from an older version", async () => {
      const booking = await given();
      const input = { bookingId: booking.id, quantity: 1, expectedVersion: 1 };
      const updated = await lifecycle.updateBooking(guest, input);
      expect(updated).toMatchObject({ quantity: 1, pendingSeats: 0, version: 2 });
      await expect(lifecycle.updateBooking(guest, input)).resolves.toMatchObject({ version: 2 });
      await expect(lifecycle.updateBooking(guest, { ...input, quantity: 2 })).rejects.toMatchObject({
        code: "CONFLICT",
      });
      expect(inventory.available(booking.zoneId)).toBe(9);
      expect(store.eventTypes()).toEqual(["booking.updated"]);
    });

    it("refuses to change a booking that is no longer changeable", async () => {
      const booking = await given({ status: "CHECKED_IN", version: 3 });
      await expect(
        lifecycle.updateBooking(guest, { bookingId: booking.id, quantity: 3, expectedVersion: 3 }),
      ).rejects.toMatchObject({ code: "INVALID_STATUS" });
    });
  });

  describe("organizer transitions", () => {
    it("checks in and completes a paid booking, each with its event; refuses what the state machine forbids", async () => {
      const booking = await given({ status: "CONFIRMED", version: 2 });
      await expect(lifecycle.checkIn(guest, { bookingId: booking.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
      const checkedIn = await lifecycle.checkIn(organizer, { bookingId: booking.id, expectedVersion: 2 });
      const completed = await lifecycle.complete(organizer, { bookingId: booking.id });
      expect([checkedIn.status, completed.status]).toEqual(["CHECKED_IN", "COMPLETED"]);
      await expect(lifecycle.markNoShow(organizer, { bookingId: booking.id })).rejects.toMatchObject({
        code: "INVALID_STATUS",
      });
      expect(store.eventTypes()).toEqual(["booking.checked_in", "booking.completed"]);
      expect(store.events[1].payload).toMatchObject({ previousStatus: "CHECKED_IN", status: "COMPLETED" });
    });
  });

  describe("expiry sweeper", () => {
    it("expires PENDING bookings past their hold, once, with an event each, and gives their seats back", async () => {
      const lapsed = await given({ expiresAt: new Date(Date.now() - 1_000) });
      const live = await given({ id: "5b0e6d1c-0000-4000-8000-000000000003", expiresAt: new Date(Date.now() + HOUR) });
      const paid = await given({
        id: "5b0e6d1c-0000-4000-8000-000000000004",
        status: "CONFIRMED",
        version: 2,
        expiresAt: new Date(Date.now() - 1_000),
      });
      const sweeper = createExpirySweeper({ bookings: store.bookings, inventory: inventory.client, logger });
      expect(await sweeper.expireDue()).toBe(1);
      expect(await sweeper.expireDue()).toBe(0);
      expect((await store.bookings.findById(lapsed.id))!.status).toBe("EXPIRED");
      expect((await store.bookings.findById(live.id))!.status).toBe("PENDING");
      expect((await store.bookings.findById(paid.id))!.status).toBe("CONFIRMED");
      expect(store.events).toEqual([
        expect.objectContaining({
          eventType: "booking.expired",
          aggregateId: lapsed.id,
          payload: expect.objectContaining({ reason: "hold expired" }),
        }),
      ]);
      expect(store.history).toEqual([
        { bookingId: lapsed.id, from: "PENDING", to: "EXPIRED", actor: "system", reason: "hold expired" },
      ]);
      expect(inventory.hold(lapsed.id)).toMatchObject({ status: "RELEASED" });
    });
  });
});

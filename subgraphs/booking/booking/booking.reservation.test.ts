import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "../../../lib/core/auth";
import { DomainError } from "../../../lib/core/errors";
import { createLogger } from "../../../lib/observability/logger";
import { createHoldReleaser } from "../inventory/hold.releaser";
import {
  createMemoryBookingStore,
  createMemoryInventory,
  zoneFixture,
  type MemoryBookingStore,
} from "./booking.memory";
import { createReservationService } from "./booking.reservation";

const guest: Principal = { userId: "guest-1", role: "GUEST", email: "guest@example.com" };
const zone = zoneFixture({
  available: 5,
  unitPriceMinor: 2_500,
  cancellationPolicy: [{ hoursBefore: 24, refundPercent: 50 }],
});

describe("reserveSeats (reservation service, in-memory ports)", () => {
  let store: MemoryBookingStore;
  let inventory: ReturnType<typeof createMemoryInventory>;
  let reservations: ReturnType<typeof createReservationService>;

  beforeEach(() => {
    store = createMemoryBookingStore();
    inventory = createMemoryInventory([{ ...zone }]);
    const releaser = createHoldReleaser({
      inventory: inventory.client,
      bookingExists: async (id) => (await store.bookings.findById(id)) !== null,
      logger: createLogger("silent"),
    });
    reservations = createReservationService({
      bookings: store.bookings,
      idempotency: store.idempotency,
      inventory: inventory.client,
      releaser,
      holdTtlSeconds: 600,
      taxRateBps: 2_000,
    });
  });

  const reserve = (quantity: number, idempotencyKey = `key-${randomUUID()}`, principal: Principal | null = guest) =>
    reservations.reserveSeats(principal, { zoneId: zone.zoneId, quantity, idempotencyKey });

  it("holds the seats, prices them from the hold and writes the PENDING booking with its event", async () => {
    const booking = await reserve(2);
    expect(booking).toMatchObject({
      status: "PENDING",
      version: 1,
      userId: guest.userId,
      quantity: 2,
      zoneId: zone.zoneId,
      slotId: zone.slotId,
      venueId: zone.venueId,
      price: { base: 5_000, tax: 1_000, discount: 0, total: 6_000, currency: "EUR" },
      guestEmail: guest.email,
      organizerId: zone.organizerId,
      cancellationPolicy: [{ hoursBefore: 24, refundPercent: 50 }],
    });
    expect(booking.reference).toMatch(/^BR-\d{8}-[A-Z2-9]{6}$/);
    expect(booking.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 590_000);
    expect(inventory.hold(booking.id)).toMatchObject({ status: "HELD", quantity: 2 });
    expect(inventory.available(zone.zoneId)).toBe(3);
    expect(store.history).toEqual([
      { bookingId: booking.id, from: null, to: "PENDING", actor: guest.userId, reason: "reserved" },
    ]);
    expect(store.events).toEqual([
      expect.objectContaining({
        eventType: "booking.reserved",
        aggregateType: "booking",
        aggregateId: booking.id,
        aggregateVersion: 1,
        actor: guest.userId,
        payload: expect.objectContaining({ bookingId: booking.id, quantity: 2, status: "PENDING", pendingSeats: 0 }),
      }),
    ]);
  });

  it("answers a retried key with the same booking and holds the seats once", async () => {
    const first = await reserve(2, "retry-key-1");
    const again = await reserve(2, "retry-key-1");
    expect(again.id).toBe(first.id);
    expect(inventory.available(zone.zoneId)).toBe(3);
    expect(store.eventTypes()).toEqual(["booking.reserved"]);
  });

  it("refuses a key used for a different request", async () => {
    await reserve(2, "reused-key-1");
    await expect(reserve(3, "reused-key-1")).rejects.toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED" });
    expect(store.eventTypes()).toEqual(["booking.reserved"]);
  });

  it("writes nothing when the zone is sold out", async () => {
    await expect(reserve(6)).rejects.toMatchObject({ code: "INSUFFICIENT_STOCK", details: { available: 5 } });
    expect(store.events).toEqual([]);
    expect(inventory.available(zone.zoneId)).toBe(5);
  });

  it("gives the seats back when inventory's answer is lost (it may have taken them)", async () => {
    inventory.failures.holdSeats = new DomainError("SERVICE_UNAVAILABLE", "inventory is away");
    await expect(reserve(2)).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    const [hold] = inventory.calls.filter((call) => call.operation === "holdSeats");
    // The hold id is refused from now on, so a hold request still in flight cannot take seats.
    expect(inventory.callsFor(hold.holdId)).toEqual(["holdSeats", "releaseHold"]);
    expect(inventory.hold(hold.holdId)).toMatchObject({ status: "RELEASED" });
    expect(store.events).toEqual([]);
  });

  it("gives the seats back when the booking cannot be written", async () => {
    store.failures.create = new Error("connection lost");
    await expect(reserve(2)).rejects.toThrow("connection lost");
    expect(inventory.available(zone.zoneId)).toBe(5);
    expect(store.events).toEqual([]);
  });

  it("checks the caller and the input before asking inventory", async () => {
    await expect(reserve(2, "anonymous-key", null)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(reserve(0)).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { field: "quantity" } });
    await expect(reserve(101)).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    await expect(reserve(1, "short")).rejects.toMatchObject({ details: { field: "idempotencyKey" } });
    await expect(
      reservations.reserveSeats(guest, { zoneId: "not-a-zone", quantity: 1, idempotencyKey: "valid-key-1" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(inventory.calls).toEqual([]);
  });
});

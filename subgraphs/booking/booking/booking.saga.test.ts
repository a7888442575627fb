import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { EventEnvelope } from "../../../lib/contracts";
import { createLogger } from "../../../lib/observability/logger";
import {
  createMemoryBookingStore,
  givenBooking,
  createMemoryInventory,
  zoneFixture,
  type MemoryBookingStore,
  type MemoryInventory,
} from "./booking.memory";
import type { Booking } from "./booking.model";
import { createPaymentOutcomes } from "./booking.saga";

/** A payment event as the saga receives it (only what it reads of the payload). */
function paymentEvent(eventType: string, payload: Record<string, unknown>): EventEnvelope {
  return {
    eventId: randomUUID(),
    eventType,
    aggregateType: "payment",
    aggregateId: "pay-1",
    aggregateVersion: 2,
    occurredAt: new Date().toISOString(),
    actor: null,
    traceparent: null,
    payload: { paymentId: "pay-1", topUp: false, balanceMinor: 0, failureReason: null, ...payload },
  };
}

describe("payment saga, booking side (in-memory ports)", () => {
  let store: MemoryBookingStore;
  let inventory: MemoryInventory;
  let saga: ReturnType<typeof createPaymentOutcomes>;
  let now: Date;

  beforeEach(() => {
    store = createMemoryBookingStore();
    inventory = createMemoryInventory([zoneFixture({ available: 10 })]);
    now = new Date();
    saga = createPaymentOutcomes({
      bookings: store.bookings,
      inventory: inventory.client,
      logger: createLogger("silent"),
      now: () => now,
    });
  });

  const given = (overrides: Partial<Booking> = {}) => givenBooking(store, inventory, overrides);
  /** A paid booking with one seat added, its top-up not paid yet. */
  const withAddedSeat = (price?: Booking["price"]) =>
    given({
      status: "CONFIRMED",
      version: 3,
      quantity: 3,
      pendingSeats: 1,
      ...(price && { price }),
      topUpExpiresAt: new Date(now.getTime() + 600_000),
    });

  it("acts on payment outcomes only", () => {
    expect(saga.handles(paymentEvent("payment.succeeded", {}))).toBe(true);
    expect(saga.handles(paymentEvent("payment.failed", {}))).toBe(true);
    for (const other of ["payment.refunded", "payment.refund_requested", "payment.topup_required", "booking.confirmed"])
      expect(saga.handles(paymentEvent(other, {}))).toBe(false);
  });

  it("confirms a PENDING booking paid in time: the hold is sold first, then booking.confirmed", async () => {
    const booking = await given();
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id }));
    expect(await store.bookings.findById(booking.id)).toMatchObject({ status: "CONFIRMED", version: 2 });
    expect(inventory.callsFor(booking.id)).toEqual(["holdSeats", "sellHold"]);
    expect(inventory.hold(booking.id)).toMatchObject({ status: "SOLD" });
    expect(store.events).toEqual([
      expect.objectContaining({
        eventType: "booking.confirmed",
        actor: "payment",
        payload: expect.objectContaining({ status: "CONFIRMED", paymentId: "pay-1" }),
      }),
    ]);
    expect(store.history).toEqual([
      { bookingId: booking.id, from: "PENDING", to: "CONFIRMED", actor: "payment", reason: "payment succeeded" },
    ]);
  });

  it("changes nothing when the same outcome arrives again", async () => {
    const booking = await given();
    const event = paymentEvent("payment.succeeded", { bookingId: booking.id });
    await saga.apply(event);
    await saga.apply(event);
    expect(store.eventTypes()).toEqual(["booking.confirmed"]);
    expect((await store.bookings.findById(booking.id))!.version).toBe(2);
  });

  it("expires a booking paid after its hold ran out, and gives the seats back (payment refunds it)", async () => {
    const booking = await given({ expiresAt: new Date(now.getTime() - 1_000) });
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id }));
    expect(await store.bookings.findById(booking.id)).toMatchObject({ status: "EXPIRED" });
    expect(inventory.callsFor(booking.id)).toEqual(["holdSeats", "releaseHold"]);
    expect(store.events).toEqual([
      expect.objectContaining({
        eventType: "booking.expired",
        payload: expect.objectContaining({ reason: "hold expired" }),
      }),
    ]);
  });

  it("expires the booking when inventory already let the hold go", async () => {
    const booking = await given();
    await inventory.client.releaseHold(booking.id);
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id }));
    expect(await store.bookings.findById(booking.id)).toMatchObject({ status: "EXPIRED" });
    expect(store.eventTypes()).toEqual(["booking.expired"]);
  });

  it("fails a PENDING booking whose payment was declined, with the reason, and releases its seats", async () => {
    const booking = await given();
    await saga.apply(paymentEvent("payment.failed", { bookingId: booking.id, failureReason: "card_declined" }));
    expect(await store.bookings.findById(booking.id)).toMatchObject({ status: "FAILED" });
    expect(store.events).toEqual([
      expect.objectContaining({
        eventType: "booking.failed",
        payload: expect.objectContaining({ reason: "card_declined", paymentId: "pay-1" }),
      }),
    ]);
    expect(inventory.hold(booking.id)).toMatchObject({ status: "RELEASED" });
    expect(await store.bookings.listUnreleased(10)).toEqual([]);
  });

  it("leaves a booking that is no longer PENDING as it is", async () => {
    const cancelled = await given({ status: "CANCELLED", version: 2 });
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: cancelled.id }));
    await saga.apply(paymentEvent("payment.failed", { bookingId: cancelled.id }));
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: randomUUID() }));
    expect(store.events).toEqual([]);
    expect(inventory.callsFor(cancelled.id)).toEqual(["holdSeats"]);
  });

  it("confirms the added seats of a paid booking once their top-up is paid in full", async () => {
    const booking = await withAddedSeat();
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id, topUp: true, balanceMinor: 500 }));
    expect(store.events).toEqual([]); // still owed: wait for the rest
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id, topUp: true, balanceMinor: 0 }));
    expect(await store.bookings.findById(booking.id)).toMatchObject({
      status: "CONFIRMED",
      quantity: 3,
      pendingSeats: 0,
      topUpExpiresAt: null,
    });
    expect(store.events).toEqual([
      expect.objectContaining({ eventType: "booking.seats_confirmed", payload: expect.objectContaining({ seats: 1 }) }),
    ]);
  });

  it("gives the added seats back when their top-up is declined", async () => {
    const booking = await withAddedSeat({ base: 30_000, tax: 6_900, discount: 0, total: 36_900, currency: "EUR" });
    await saga.apply(
      paymentEvent("payment.failed", { bookingId: booking.id, topUp: true, failureReason: "insufficient_funds" }),
    );
    expect(await store.bookings.findById(booking.id)).toMatchObject({
      status: "CONFIRMED",
      quantity: 2,
      pendingSeats: 0,
      price: { base: 20_000, tax: 4_600, total: 24_600 },
    });
    expect(inventory.hold(booking.id)).toMatchObject({ quantity: 2 });
    expect(store.events).toEqual([
      expect.objectContaining({
        eventType: "booking.updated",
        payload: expect.objectContaining({
          previousQuantity: 3,
          reason: "top-up declined (insufficient_funds)",
          refundBps: 10_000,
        }),
      }),
    ]);
  });

  it("throws (so the consumer retries) when inventory cannot be reached", async () => {
    const booking = await given();
    inventory.failures.sellHold = new Error("inventory is away");
    await expect(saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id }))).rejects.toThrow();
    expect(await store.bookings.findById(booking.id)).toMatchObject({ status: "PENDING" });
    await saga.apply(paymentEvent("payment.succeeded", { bookingId: booking.id }));
    expect(await store.bookings.findById(booking.id)).toMatchObject({ status: "CONFIRMED" });
  });
});

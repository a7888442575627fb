import { describe, expect, it } from "vitest";
import { bookingDomainEvent, EVENT_TOPICS, isEvent, type EventEnvelope } from "./events";

const envelope = (eventType: string, payload: Record<string, unknown> = {}): EventEnvelope => ({
  eventId: "e1",
  eventType,
  aggregateType: "booking",
  aggregateId: "b1",
  aggregateVersion: 1,
  occurredAt: new Date(0).toISOString(),
  actor: null,
  traceparent: null,
  payload,
});

describe("event contracts", () => {
  it("narrows an event by one type, a list or a set of types", () => {
    const event = envelope("booking.failed", { reason: "card_declined" });
    expect(isEvent(event, "booking.failed")).toBe(true);
    expect(isEvent(event, "booking.expired")).toBe(false);
    expect(isEvent(event, ["booking.cancelled", "booking.failed"])).toBe(true);
    expect(isEvent(event, new Set(["booking.reserved" as const]))).toBe(false);
    if (isEvent(event, "booking.failed")) expect(event.payload.reason).toBe("card_declined");
    expect(isEvent(envelope("test.happened"), ["booking.reserved", "payment.refunded"])).toBe(false);
  });

  it("keys a booking event by its booking and version", () => {
    const payload = {
      bookingId: "b1",
      reference: "BR-20260101-AAAAAA",
      userId: "u1",
      zoneId: "z1",
      slotId: "s1",
      venueId: "v1",
      quantity: 1,
      pendingSeats: 0,
      status: "CONFIRMED",
      price: { base: 1, tax: 0, discount: 0, total: 1, currency: "EUR" },
      expiresAt: null,
      organizerId: null,
      guestEmail: null,
      organizerEmail: null,
      seats: 1,
    };
    expect(bookingDomainEvent("booking.seats_confirmed", { id: "b1", version: 4 }, "payment", payload)).toEqual({
      eventType: "booking.seats_confirmed",
      aggregateType: "booking",
      aggregateId: "b1",
      aggregateVersion: 4,
      actor: "payment",
      payload,
    });
  });

  it("has one topic per outbox, named after its subgraph", () => {
    expect(Object.entries(EVENT_TOPICS).every(([schema, topic]) => topic === `${schema}.events`)).toBe(true);
  });
});

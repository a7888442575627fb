import { randomUUID } from "node:crypto";
import { beforeEach, describe, expect, it } from "vitest";
import type { Principal } from "../../../lib/core/auth";
import type { EventEnvelope } from "../../../lib/contracts";
import { createLogger } from "../../../lib/observability/logger";
import { createMemoryPaymentStore, createRecordingProvider, type MemoryPaymentStore } from "./payment.memory";
import type { ProviderEvent } from "./payment.provider";
import { createPaymentService, PAYMENT_BOOKING_EVENTS } from "./payment.service";

const guest: Principal = { userId: "guest-1", role: "GUEST" };
const price = { base: 10_000, tax: 2_000, discount: 0, total: 12_000, currency: "EUR" };

/** A booking event as the payment subgraph receives it. */
function bookingEvent(
  eventType: string,
  bookingId: string,
  version: number,
  payload: Record<string, unknown> = {},
): EventEnvelope {
  return {
    eventId: randomUUID(),
    eventType,
    aggregateType: "booking",
    aggregateId: bookingId,
    aggregateVersion: version,
    occurredAt: new Date().toISOString(),
    actor: null,
    traceparent: null,
    payload: {
      bookingId,
      reference: "BR-20261101-PAYTST",
      userId: guest.userId,
      guestEmail: "guest@example.com",
      quantity: 2,
      price,
      ...payload,
    },
  };
}

describe("payment service (in-memory ports)", () => {
  let memory: MemoryPaymentStore;
  let provider: ReturnType<typeof createRecordingProvider>;
  let payments: ReturnType<typeof createPaymentService>;
  let bookingId: string;

  beforeEach(async () => {
    memory = createMemoryPaymentStore();
    provider = createRecordingProvider();
    payments = createPaymentService({
      store: memory.store,
      provider: provider.provider,
      logger: createLogger("silent"),
      intentWaitMs: 0,
    });
    bookingId = randomUUID();
    await apply(bookingEvent("booking.reserved", bookingId, 1));
  });

  const apply = (...events: EventEnvelope[]) => payments.applyBookingEvents(null as never, events);
  const paymentOf = async () => (await memory.store.repo.findByBooking(bookingId))!;
  const pay = (idempotencyKey = "pay-key-0001", principal: Principal = guest) =>
    payments.payBooking(principal, { bookingId, paymentMethodToken: "tok_visa", idempotencyKey });
  /** The provider's webhook for the payment's charge in flight. */
  async function webhook(type: "payment.succeeded" | "payment.failed", id = randomUUID()) {
    const payment = await paymentOf();
    const [charge] = memory.chargesOf(payment.id).filter((c) => c.status === "PROCESSING");
    const data = { paymentId: payment.id, chargeId: charge.id, providerReference: `ch_${charge.id}` };
    const event: ProviderEvent =
      type === "payment.succeeded"
        ? { id, type, data }
        : { id, type, data: { ...data, failureReason: "card_declined" } };
    return payments.handleProviderEvent(event);
  }

  it("acts on reservations, changes and the events that end a booking only", () => {
    expect([...PAYMENT_BOOKING_EVENTS].sort()).toEqual([
      "booking.cancelled",
      "booking.expired",
      "booking.failed",
      "booking.reserved",
      "booking.updated",
    ]);
  });

  it("opens one payment intent per reserved booking, whatever the redeliveries", async () => {
    await apply(bookingEvent("booking.reserved", bookingId, 1));
    expect(await paymentOf()).toMatchObject({
      status: "REQUIRES_PAYMENT",
      amount: 12_000,
      balance: 12_000,
      currency: "EUR",
      userId: guest.userId,
      bookingReference: "BR-20261101-PAYTST",
      provider: "memory",
    });
    expect(await memory.store.repo.findByBooking(bookingId)).not.toBeNull();
  });

  it("charges the balance once per idempotency key, and one charge at a time", async () => {
    const processing = await pay();
    expect(processing).toMatchObject({ status: "PROCESSING", providerReference: expect.stringMatching(/^ch_/) });
    expect(provider.charged).toEqual([
      expect.objectContaining({ amountMinor: 12_000, paymentMethodToken: "tok_visa" }),
    ]);
    await expect(pay()).resolves.toMatchObject({ id: processing.id, status: "PROCESSING" });
    await expect(pay("pay-key-0002")).rejects.toMatchObject({ code: "CONFLICT" });
    expect(provider.charged).toHaveLength(1);
  });

  it("records a succeeded charge once, with payment.succeeded carrying the charge", async () => {
    await pay();
    const eventId = randomUUID();
    expect(await webhook("payment.succeeded", eventId)).toEqual({ applied: true });
    expect(await paymentOf()).toMatchObject({ status: "SUCCEEDED", amountPaid: 12_000, balance: 0 });
    expect(memory.events).toEqual([
      expect.objectContaining({
        eventType: "payment.succeeded",
        aggregateType: "payment",
        payload: expect.objectContaining({
          bookingId,
          amountMinor: 12_000,
          chargeAmountMinor: 12_000,
          amountPaidMinor: 12_000,
          balanceMinor: 0,
          topUp: false,
        }),
      }),
    ]);
    // The same webhook again (the provider retries its delivery): nothing changes.
    const payment = await paymentOf();
    expect(
      await payments.handleProviderEvent({
        id: eventId,
        type: "payment.succeeded",
        data: { paymentId: payment.id, providerReference: "again" },
      }),
    ).toEqual({ applied: false });
    expect(memory.eventTypes()).toEqual(["payment.succeeded"]);
    await expect(pay("pay-key-0003")).rejects.toMatchObject({ code: "CONFLICT" }); // nothing owed
  });

  it("records a declined charge as FAILED, with payment.failed, and refuses to charge again", async () => {
    await pay();
    await webhook("payment.failed");
    expect(await paymentOf()).toMatchObject({ status: "FAILED", amountPaid: 0, failureReason: "card_declined" });
    expect(memory.eventTypes()).toEqual(["payment.failed"]);
    await expect(pay("pay-key-0004")).rejects.toMatchObject({ code: "PAYMENT_FAILED" });
  });

  it("forgets a charge the provider could not start, so the guest can pay again", async () => {
    provider.failures.charge = new Error("provider unreachable");
    await expect(pay()).rejects.toMatchObject({ code: "SERVICE_UNAVAILABLE" });
    expect(await paymentOf()).toMatchObject({ status: "REQUIRES_PAYMENT" });
    await expect(pay()).resolves.toMatchObject({ status: "PROCESSING" });
  });

  it("refunds a paid booking's cancellation by the policy's share, then records the provider's refund", async () => {
    await pay();
    await webhook("payment.succeeded");
    const [refundId] = await apply(
      bookingEvent("booking.cancelled", bookingId, 3, { reason: "OTHER", refundBps: 5_000, feeWaived: false }),
    );
    expect(await paymentOf()).toMatchObject({
      status: "REFUND_PENDING",
      amountRefunded: 6_000,
      fee: 6_000,
      bookingClosedAs: "CANCELLED",
    });
    expect(memory.refundsOf((await paymentOf()).id)).toEqual([
      expect.objectContaining({ id: refundId, amount: 6_000, fee: 6_000, status: "REQUESTED" }),
    ]);
    await payments.startRefund(refundId);
    expect(provider.refunded).toEqual([expect.objectContaining({ refundId, amountMinor: 6_000 })]);
    const payment = await paymentOf();
    await payments.handleProviderEvent({
      id: randomUUID(),
      type: "refund.succeeded",
      data: { refundId, paymentId: payment.id, providerReference: `re_${refundId}` },
    });
    expect(await paymentOf()).toMatchObject({ status: "REFUNDED" });
    expect(memory.eventTypes()).toEqual(["payment.succeeded", "payment.refund_requested", "payment.refunded"]);
    expect(memory.events[2].payload).toMatchObject({
      refundId,
      amountMinor: 6_000,
      reason: "booking cancelled (OTHER)",
    });
    // A redelivered cancellation opens no second refund.
    expect(await apply(bookingEvent("booking.cancelled", bookingId, 3, { reason: "OTHER" }))).toEqual([]);
  });

  it("refunds in full a payment that succeeds after its booking expired", async () => {
    await pay();
    await apply(bookingEvent("booking.expired", bookingId, 2, { reason: "hold expired" }));
    await webhook("payment.succeeded");
    expect(await paymentOf()).toMatchObject({ status: "REFUND_PENDING", amountPaid: 12_000, amountRefunded: 12_000 });
    expect(memory.eventTypes()).toEqual(["payment.succeeded", "payment.refund_requested"]);
    expect(memory.events[1].payload).toMatchObject({ reason: "booking expired before payment", amountMinor: 12_000 });
  });

  it("asks for a top-up when seats are added to a paid booking, and ignores an older change", async () => {
    await pay();
    await webhook("payment.succeeded");
    const more = { ...price, base: 15_000, tax: 3_000, total: 18_000 };
    await apply(bookingEvent("booking.updated", bookingId, 4, { quantity: 3, previousQuantity: 2, price: more }));
    expect(await paymentOf()).toMatchObject({ amount: 18_000, balance: 6_000, bookingVersion: 4 });
    expect(memory.events.at(-1)).toMatchObject({
      eventType: "payment.topup_required",
      payload: { amountMinor: 6_000, bookingVersion: 4 },
    });
    await apply(bookingEvent("booking.updated", bookingId, 3, { price }));
    expect(await paymentOf()).toMatchObject({ amount: 18_000 });
  });

  it("lets only the booking's guest pay, and answers NOT_FOUND for a booking it does not know", async () => {
    await expect(pay("pay-key-0005", { userId: "someone-else", role: "GUEST" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(
      payments.payBooking(guest, {
        bookingId: randomUUID(),
        paymentMethodToken: "tok_visa",
        idempotencyKey: "k-000001",
      }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(pay("short")).rejects.toMatchObject({ code: "BAD_USER_INPUT" });
    expect(provider.charged).toEqual([]);
  });
});

import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signWebhook, SIGNATURE_HEADER } from "../../subgraphs/payment/payment/webhook-signature";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { available, codeOf, newZone, reserve } from "../support/scenario";
import { eventually } from "../support/eventually";

const PAY = `mutation($input: PayBookingInput!) {
  payBooking(input: $input) { id status amount currency failureReason booking { id reference } }
}`;
const BOOKING = `query($id: ID!) {
  booking(id: $id) {
    status version
    payment { status failureReason refund { status amount reason } }
    zone { available }
    notifications { subject body }
  }
}`;

describe("payments and the confirmation saga", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ PAYMENT_SIMULATOR_DELAY_MS: "50" });
  });
  afterAll(() => t?.close());

  const pay = (token: string, bookingId: string, paymentMethodToken: string, idempotencyKey = `pay-${randomUUID()}`) =>
    t.query(PAY, { input: { bookingId, paymentMethodToken, idempotencyKey } }, token);
  const bookingOf = (token: string, id: string) => t.query(BOOKING, { id }, token);
  const guestToken = (label: string) =>
    t.tokenFor(`${label}-${randomUUID()}`, "GUEST", `${label}-${randomUUID().slice(0, 6)}@example.test`);
  const holdStatus = async (bookingId: string) =>
    (await t.sql<{ status: string }>("inventory", sql`select status from inventory.holds where id = ${bookingId}`))[0]
      ?.status;
  /** A provider event signed with the shared secret, as the provider would send it. */
  const webhook = (
    event: unknown,
    options: { secret?: string; timestamp?: number; signature?: string | null } = {},
  ) => {
    const body = JSON.stringify(event);
    const signature =
      options.signature === null
        ? undefined
        : (options.signature ??
          signWebhook(options.secret ?? t.platform.env.PAYMENT_WEBHOOK_SECRET!, body, options.timestamp));
    return fetch(`${t.platform.subgraphs.payment.url}/webhooks/payments`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(signature ? { [SIGNATURE_HEADER]: signature } : {}) },
      body,
    });
  };
  const paymentRow = async (bookingId: string) =>
    (
      await t.sql<{ id: string; status: string; version: number }>(
        "payment",
        sql`select id, status, version from payment.payments where booking_id = ${bookingId}`,
      )
    )[0];

  it("reserve → pay (success): CONFIRMED within 2 s, payment SUCCEEDED, seats sold, guest notified", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("payer");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const paid = await pay(guest, booking.id, "tok_success");
    expect(paid.errors).toBeUndefined();
    expect(paid.data!.payBooking).toMatchObject({
      status: "PROCESSING",
      amount: booking.price.total,
      currency: "EUR",
      booking: { id: booking.id, reference: booking.reference },
    });
    const started = Date.now();
    const confirmed = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "CONFIRMED",
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(confirmed.data!.booking).toMatchObject({ status: "CONFIRMED", payment: { status: "SUCCEEDED" } });
    expect(await holdStatus(booking.id)).toBe("SOLD");
    expect(await available(t, zoneId)).toBe(8);
    const notified = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.notifications.length === 2,
    );
    expect(notified.data!.booking.notifications.map((n: { subject: string }) => n.subject)).toEqual([
      `Booking ${booking.reference} is reserved`,
      `Booking ${booking.reference} is confirmed`,
    ]);
    // Paying again with the same key returns the payment; with another key it is refused.
    const key = `pay-${randomUUID()}`;
    expect(codeOf(await pay(guest, booking.id, "tok_success", key))).toBe("CONFLICT");
  });

  it("reserve → pay (decline): FAILED, seats back, guest notified; paying again says PAYMENT_FAILED", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("declined");
    const booking = (await reserve(t, guest, zoneId, 3)).data!.reserveSeats;
    expect(await available(t, zoneId)).toBe(7);
    expect((await pay(guest, booking.id, "tok_decline")).data!.payBooking.status).toBe("PROCESSING");
    const failed = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "FAILED" && r.data.booking.notifications.length === 2,
    );
    expect(failed.data!.booking).toMatchObject({
      status: "FAILED",
      payment: { status: "FAILED", failureReason: "card_declined" },
      zone: { available: 10 },
    });
    expect(failed.data!.booking.notifications[1].subject).toBe(`Payment for booking ${booking.reference} failed`);
    expect(await holdStatus(booking.id)).toBe("RELEASED");
    const again = await pay(guest, booking.id, "tok_success");
    expect(codeOf(again)).toBe("PAYMENT_FAILED");
  });

  it("reserve → no payment → EXPIRED; a late success is refunded automatically", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("late");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    expect((await pay(guest, booking.id, "tok_delayed_2000")).data!.payBooking.status).toBe("PROCESSING");
    // The hold runs out while the provider is still processing (time moves on for this booking).
    await t.sql(
      "booking",
      sql`update booking.bookings set expires_at = now() - interval '1 second' where id = ${booking.id}`,
    );
    const expired = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "EXPIRED",
    );
    expect(expired.data!.booking.zone.available).toBe(10);
    const refunded = await eventually(
      () => bookingOf(guest, booking.id),
      (r) =>
        r.data?.booking.payment?.status === "REFUNDED" &&
        r.data.booking.notifications.some((n: { subject: string }) => n.subject.startsWith("Refund")),
    );
    expect(refunded.data!.booking).toMatchObject({
      status: "EXPIRED",
      payment: {
        status: "REFUNDED",
        refund: { status: "SUCCEEDED", amount: booking.price.total, reason: "booking expired before payment" },
      },
    });
    const events = await t.sql<{ event_type: string }>(
      "payment",
      sql`select event_type from payment.outbox where payload->>'bookingId' = ${booking.id} order by id`,
    );
    expect(events.map((e) => e.event_type)).toEqual([
      "payment.succeeded",
      "payment.refund_requested",
      "payment.refunded",
    ]);
  });

  it("reserve → pay → cancel: REFUNDED, seats back, guest and venue owner notified", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("canceller");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    await pay(guest, booking.id, "tok_visa");
    await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "CONFIRMED",
    );
    const cancelled = await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`,
      { id: booking.id },
      guest,
    );
    expect(cancelled.data!.cancelBooking.status).toBe("CANCELLED");
    const refunded = await eventually(
      () => bookingOf(guest, booking.id),
      (r) =>
        r.data?.booking.payment?.status === "REFUNDED" &&
        r.data.booking.notifications.some((n: { subject: string }) => n.subject.startsWith("Refund")),
    );
    expect(refunded.data!.booking.zone.available).toBe(10);
    expect(refunded.data!.booking.payment.refund).toMatchObject({ status: "SUCCEEDED", amount: booking.price.total });
    const subjects = refunded.data!.booking.notifications.map((n: { subject: string; body: string }) => n.subject);
    expect(subjects).toEqual([
      `Booking ${booking.reference} is reserved`,
      `Booking ${booking.reference} is confirmed`,
      `Booking ${booking.reference} is cancelled`,
      `Refund for booking ${booking.reference}`,
    ]);
    expect(refunded.data!.booking.notifications[2].body).toContain("will be refunded");
    const owner = await t.query(BOOKING, { id: booking.id }, t.platform.demoTokens.organizer);
    expect(owner.data!.booking.notifications.map((n: { subject: string }) => n.subject)).toEqual([
      `New booking ${booking.reference}`,
      `Booking ${booking.reference} is confirmed`,
      `Booking ${booking.reference} was cancelled`,
    ]);
    expect(await holdStatus(booking.id)).toBe("RELEASED");
  });

  it("refuses forged, stale, unsigned and malformed webhooks, and none of them changes anything", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("forged");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    await pay(guest, booking.id, "tok_delayed_600000");
    const payment = await paymentRow(booking.id);
    const event = {
      id: `evt_${randomUUID()}`,
      type: "payment.succeeded",
      data: { paymentId: payment.id, providerReference: "sim_ch_forged" },
    };
    const refused = [
      await webhook(event, { secret: "f".repeat(64) }),
      await webhook(event, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      await webhook(event, { signature: null }),
      await webhook(event, { signature: "t=1,v1=zz" }),
      await webhook({ ...event, type: "payment.teleported" }),
    ];
    expect(refused.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
    expect(((await refused[0].json()) as { error: { message: string } }).error.message).toBe(
      "Webhook refused: signature does not match",
    );
    expect(await paymentRow(booking.id)).toMatchObject({ status: "PROCESSING", version: payment.version });
    expect((await bookingOf(guest, booking.id)).data!.booking.status).toBe("PENDING");
    const processed = await t.sql<{ n: number }>(
      "payment",
      sql`select count(*)::int as n from payment.webhook_events where id = ${event.id}`,
    );
    expect(processed[0].n).toBe(0);

    // The genuine event once, then replayed: the replay changes nothing.
    const first = await webhook(event);
    expect(await first.json()).toEqual({ received: true, duplicate: false });
    const replay = await webhook(event);
    expect(await replay.json()).toEqual({ received: true, duplicate: true });
    await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "CONFIRMED",
    );
  });

  it("the same success webhook delivered 10 times at once: one confirmation, one event", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("tenfold");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    await pay(guest, booking.id, "tok_delayed_600000");
    const payment = await paymentRow(booking.id);
    const event = {
      id: `evt_${randomUUID()}`,
      type: "payment.succeeded",
      data: { paymentId: payment.id, providerReference: "sim_ch_tenfold" },
    };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => webhook(event).then((r) => r.json() as Promise<{ duplicate: boolean }>)),
    );
    expect(answers.filter((a) => a.duplicate === false)).toHaveLength(1);
    expect(answers.filter((a) => a.duplicate === true)).toHaveLength(9);
    await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "CONFIRMED",
    );
    // A second, different provider event for the same outcome is ignored too (the payment is no longer PROCESSING).
    await webhook({ ...event, id: `evt_${randomUUID()}` });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const paymentEvents = await t.sql<{ event_type: string }>(
      "payment",
      sql`select event_type from payment.outbox where aggregate_id = ${payment.id}`,
    );
    expect(paymentEvents.map((e) => e.event_type)).toEqual(["payment.succeeded"]);
    const confirmations = await t.sql<{ n: number }>(
      "booking",
      sql`select count(*)::int as n from booking.outbox where aggregate_id = ${booking.id} and event_type = 'booking.confirmed'`,
    );
    expect(confirmations[0].n).toBe(1);
    const history = await t.sql<{ to_status: string }>(
      "booking",
      sql`select to_status from booking.booking_status_changes where booking_id = ${booking.id} order by id`,
    );
    expect(history.map((h) => h.to_status)).toEqual(["PENDING", "CONFIRMED"]);
  });

  it("validates payBooking and lets only the booking's guest pay; a refused request changes nothing", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("validated");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    expect(codeOf(await pay(guest, "not-a-uuid", "tok_success"))).toBe("BAD_USER_INPUT");
    expect(codeOf(await pay(guest, booking.id, "tok_success", "short"))).toBe("BAD_USER_INPUT");
    expect(codeOf(await pay(guest, booking.id, " "))).toBe("BAD_USER_INPUT");
    const unknownToken = await pay(guest, booking.id, "tok_unknown");
    expect(codeOf(unknownToken)).toBe("BAD_USER_INPUT");
    expect(unknownToken.errors![0].message).toContain("tok_success");
    expect(codeOf(await pay(await guestToken("stranger"), booking.id, "tok_success"))).toBe("FORBIDDEN");
    expect(
      codeOf(
        await t.query(PAY, {
          input: { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `k-${randomUUID()}` },
        }),
      ),
    ).toBe("UNAUTHENTICATED");
    expect(await paymentRow(booking.id)).toMatchObject({ status: "REQUIRES_PAYMENT" });
    // Then a valid payment, retried with its key: the same payment, one charge.
    const key = `pay-${randomUUID()}`;
    const first = await pay(guest, booking.id, "tok_delayed_600000", key);
    const retry = await pay(guest, booking.id, "tok_delayed_600000", key);
    expect(retry.data!.payBooking).toEqual(first.data!.payBooking);
    expect(first.data!.payBooking.status).toBe("PROCESSING");
  });
});

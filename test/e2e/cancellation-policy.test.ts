import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf, newZone, reserve } from "../support/scenario";

const HOUR = 3_600_000;
const POLICY = [
  { hoursBefore: 48, refundPercent: 100 },
  { hoursBefore: 24, refundPercent: 50 },
];

const QUOTE = `query($id: ID!) {
  cancellationQuote(bookingId: $id) { refundPercent refundMinor feeMinor currency deadlinePassed tierHoursBefore }
}`;
const CANCEL = `mutation($input: CancelBookingInput!) {
  cancelBooking(input: $input) {
    status version cancellationRefundPercent cancellationRefundMinor cancellationFeeMinor cancellationFeeWaived
  }
}`;
const BOOKING = `query($id: ID!) {
  booking(id: $id) {
    status version quantity expiresAt price { total currency }
    cancellationPolicy { hoursBefore refundPercent }
    notifications { subject body }
  }
}`;
const CREATE_VENUE = `mutation($input: CreateVenueInput!) {
  createVenue(input: $input) { id cancellationDeadlineHours cancellationPolicy { hoursBefore refundPercent } }
}`;
const UPDATE_VENUE = `mutation($id: ID!, $input: UpdateVenueInput!) {
  updateVenue(id: $id, input: $input) { id cancellationPolicy { hoursBefore refundPercent } }
}`;

describe("cancellation policies: tiers, quotes, fees and waivers through the gateway", () => {
  let t: TestPlatform;
  let organizer: string;
  beforeAll(async () => {
    t = await startTestPlatform({ PAYMENT_SIMULATOR_DELAY_MS: "50", SWEEP_INTERVAL_MS: "600000" });
    organizer = t.platform.demoTokens.organizer!;
  });
  afterAll(() => t?.close());

  const guestToken = () => t.tokenFor(`guest-${randomUUID()}`, "GUEST", `g-${randomUUID().slice(0, 8)}@example.test`);
  const quote = (token: string, id: string) => t.query(QUOTE, { id }, token);
  const cancel = (token: string, input: Record<string, unknown>) =>
    t.query(CANCEL, { input: { reason: "CHANGE_OF_PLANS", ...input } }, token);
  const bookingOf = (token: string, id: string) => t.query(BOOKING, { id }, token);

  async function venueWith(input: Record<string, unknown> = {}) {
    const created = await t.query(
      CREATE_VENUE,
      { input: { name: `Policy ${randomUUID().slice(0, 8)}`, kind: "THEATRE", city: "Lisbon", ...input } },
      organizer,
    );
    expect(created.errors).toBeUndefined();
    return created.data!.createVenue as { id: string; cancellationPolicy: typeof POLICY };
  }

  /** A zone whose slot starts `hours` from now, on `venueId`. */
  const zoneStarting = async (venueId: string, hours: number) =>
    (await newZone(t, 20, { venueId, startsAt: new Date(Date.now() + hours * HOUR) })).zoneId;

  async function reserved(zoneId: string, quantity = 2, token?: string) {
    const guest = token ?? (await guestToken());
    const response = await reserve(t, guest, zoneId, quantity);
    expect(response.errors).toBeUndefined();
    return {
      guest,
      booking: response.data!.reserveSeats as { id: string; price: { total: number }; reference: string },
    };
  }

  /** Reserved and paid with the simulated provider, CONFIRMED. */
  async function paid(zoneId: string, quantity = 2) {
    const { guest, booking } = await reserved(zoneId, quantity);
    const payment = await t.query(
      `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`,
      { input: { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` } },
      guest,
    );
    expect(payment.errors).toBeUndefined();
    const confirmed = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.status === "CONFIRMED",
    );
    expect(confirmed.data!.booking.status).toBe("CONFIRMED");
    return { guest, booking };
  }

  const outboxOf = (bookingId: string, eventType: string) =>
    t.sql<{ payload: Record<string, unknown> }>(
      "booking",
      sql`select payload from booking.outbox where aggregate_id = ${bookingId} and event_type = ${eventType} order by id`,
    );

  /** What the payment subgraph ended up refunding and keeping, once `done` holds. */
  const moneyOf = async (
    token: string,
    bookingId: string,
    done: (p: { status: string; fee: number; refunds: { status: string }[] }) => boolean,
  ) => {
    const result = await eventually(
      () =>
        t.query(
          `query($id: ID!) { booking(id: $id) { amountRefunded payment { status fee refunds { amount fee status } } } }`,
          { id: bookingId },
          token,
        ),
      (r) => !!r.data?.booking?.payment && done(r.data.booking.payment),
    );
    return result.data!.booking as {
      amountRefunded: number;
      payment: { status: string; fee: number; refunds: { amount: number; fee: number; status: string }[] };
    };
  };

  it("a paid booking 30 h before the start: the quote says 50 %, the cancellation refunds exactly that and tells the payment subgraph", async () => {
    const venue = await venueWith({ cancellationPolicy: POLICY });
    expect(venue.cancellationPolicy).toEqual(POLICY);
    const zoneId = await zoneStarting(venue.id, 30);
    const { guest, booking } = await paid(zoneId, 2);
    const total = booking.price.total;
    const refund = Math.round(total / 2);

    const quoted = await quote(guest, booking.id);
    expect(quoted.errors).toBeUndefined();
    expect(quoted.data!.cancellationQuote).toEqual({
      refundPercent: 50,
      refundMinor: refund,
      feeMinor: total - refund,
      currency: "EUR",
      deadlinePassed: false,
      tierHoursBefore: 24,
    });
    // The organizer of the venue may ask too; a stranger may not.
    expect((await quote(organizer, booking.id)).data!.cancellationQuote.refundMinor).toBe(refund);
    expect(codeOf(await quote(await guestToken(), booking.id))).toBe("FORBIDDEN");

    const cancelled = await cancel(guest, { bookingId: booking.id });
    expect(cancelled.errors).toBeUndefined();
    expect(cancelled.data!.cancelBooking).toMatchObject({
      status: "CANCELLED",
      cancellationRefundPercent: 50,
      cancellationRefundMinor: refund,
      cancellationFeeMinor: total - refund,
      cancellationFeeWaived: false,
    });
    const [event] = await outboxOf(booking.id, "booking.cancelled");
    expect(event.payload).toMatchObject({
      paymentTaken: true,
      refundBps: 5_000,
      refundPercent: 50,
      refundMinor: refund,
      feeMinor: total - refund,
      feeWaived: false,
      tierHoursBefore: 24,
    });
    // The payment subgraph refunds exactly the quote through the provider and keeps the fee.
    // The payment row and its refunds are read by separate statements, so wait for both to show it.
    const money = await moneyOf(
      guest,
      booking.id,
      (p) => p.refunds[0]?.status === "SUCCEEDED" && p.status === "REFUNDED",
    );
    expect(money).toMatchObject({
      amountRefunded: refund,
      payment: { status: "REFUNDED", fee: total - refund, refunds: [{ amount: refund, fee: total - refund }] },
    });

    // The guest is told what comes back and what the venue keeps; the venue's owner heard of
    // the reservation and the confirmation.
    const euros = (minor: number) => `${(minor / 100).toFixed(2)} EUR`;
    const told = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.notifications.some((n: { subject: string }) => n.subject.endsWith("is cancelled")),
    );
    const message = told.data!.booking.notifications.find((n: { subject: string }) =>
      n.subject.endsWith("is cancelled"),
    );
    expect(message.body).toContain(`${euros(refund)} will be refunded`);
    expect(message.body).toContain(`cancellation fee of ${euros(total - refund)}`);
    const ownerTold = await eventually(
      () => bookingOf(organizer, booking.id),
      (r) => r.data?.booking.notifications.length === 3,
    );
    expect(ownerTold.data!.booking.notifications.map((n: { subject: string }) => n.subject)).toEqual([
      `New booking ${booking.reference}`,
      `Booking ${booking.reference} is confirmed`,
      `Booking ${booking.reference} was cancelled`,
    ]);
  });

  it("48 h or more before the start refunds everything; past the last tier nothing, unless the organizer waives the fee", async () => {
    const venue = await venueWith({ cancellationPolicy: POLICY, cancellationDeadlineHours: 12 });

    const early = await paid(await zoneStarting(venue.id, 72), 1);
    expect((await quote(early.guest, early.booking.id)).data!.cancellationQuote).toEqual({
      refundPercent: 100,
      refundMinor: early.booking.price.total,
      feeMinor: 0,
      currency: "EUR",
      deadlinePassed: false,
      tierHoursBefore: 48,
    });
    const earlyCancel = await cancel(early.guest, { bookingId: early.booking.id });
    expect(earlyCancel.data!.cancelBooking).toMatchObject({
      cancellationRefundPercent: 100,
      cancellationRefundMinor: early.booking.price.total,
      cancellationFeeMinor: 0,
    });
    expect((await outboxOf(early.booking.id, "booking.cancelled"))[0].payload).toMatchObject({ refundBps: 10_000 });
    const earlyMoney = await moneyOf(early.guest, early.booking.id, (p) => p.refunds[0]?.status === "SUCCEEDED");
    expect(earlyMoney).toMatchObject({ amountRefunded: early.booking.price.total, payment: { fee: 0 } });

    // 10 h before the start: below the last tier (24 h) and past the venue's 12 h deadline.
    const zoneId = await zoneStarting(venue.id, 10);
    const late = await paid(zoneId, 2);
    const total = late.booking.price.total;
    expect((await quote(late.guest, late.booking.id)).data!.cancellationQuote).toEqual({
      refundPercent: 0,
      refundMinor: 0,
      feeMinor: total,
      currency: "EUR",
      deadlinePassed: true,
      tierHoursBefore: null,
    });
    expect(codeOf(await cancel(late.guest, { bookingId: late.booking.id }))).toBe("FORBIDDEN");

    const waived = await cancel(organizer, { bookingId: late.booking.id, waiveFee: true });
    expect(waived.errors).toBeUndefined();
    expect(waived.data!.cancelBooking).toMatchObject({
      status: "CANCELLED",
      cancellationRefundPercent: 100,
      cancellationRefundMinor: total,
      cancellationFeeMinor: 0,
      cancellationFeeWaived: true,
    });
    expect((await outboxOf(late.booking.id, "booking.cancelled"))[0].payload).toMatchObject({
      refundBps: 10_000,
      refundMinor: total,
      feeMinor: 0,
      feeWaived: true,
    });
    const waivedMoney = await moneyOf(late.guest, late.booking.id, (p) => p.refunds[0]?.status === "SUCCEEDED");
    expect(waivedMoney).toMatchObject({ amountRefunded: total, payment: { fee: 0, refunds: [{ amount: total }] } });

    // Without the waiver the organizer's cancellation keeps the whole price.
    const kept = await paid(zoneId, 1);
    const notWaived = await cancel(organizer, { bookingId: kept.booking.id });
    expect(notWaived.data!.cancelBooking).toMatchObject({
      cancellationRefundPercent: 0,
      cancellationRefundMinor: 0,
      cancellationFeeMinor: kept.booking.price.total,
      cancellationFeeWaived: false,
    });
    expect((await outboxOf(kept.booking.id, "booking.cancelled"))[0].payload).toMatchObject({
      refundBps: 0,
      refundMinor: 0,
      feeMinor: kept.booking.price.total,
    });
    // Nothing goes back: the whole price is kept as the fee, no refund is opened.
    const keptMoney = await moneyOf(kept.guest, kept.booking.id, (p) => p.fee > 0);
    expect(keptMoney).toMatchObject({
      amountRefunded: 0,
      payment: { fee: kept.booking.price.total, refunds: [] },
    });
  });

  it("a guest asking to waive the fee is FORBIDDEN and nothing changes", async () => {
    const venue = await venueWith({ cancellationPolicy: POLICY });
    const { guest, booking } = await paid(await zoneStarting(venue.id, 30), 1);
    const before = (await bookingOf(guest, booking.id)).data!.booking;
    const refused = await cancel(guest, { bookingId: booking.id, waiveFee: true });
    expect(codeOf(refused)).toBe("FORBIDDEN");
    const after = (await bookingOf(guest, booking.id)).data!.booking;
    expect(after).toMatchObject({ status: "CONFIRMED", version: before.version });
    expect(await outboxOf(booking.id, "booking.cancelled")).toEqual([]);
  });

  it("a booking keeps the policy it was made under when the venue changes its policy", async () => {
    const venue = await venueWith({ cancellationPolicy: POLICY });
    const zoneId = await zoneStarting(venue.id, 30);
    const { guest, booking } = await reserved(zoneId, 1);
    const updated = await t.query(
      UPDATE_VENUE,
      { id: venue.id, input: { cancellationPolicy: [{ hoursBefore: 0, refundPercent: 10 }] } },
      organizer,
    );
    expect(updated.data!.updateVenue.cancellationPolicy).toEqual([{ hoursBefore: 0, refundPercent: 10 }]);

    const read = (await bookingOf(guest, booking.id)).data!.booking;
    expect(read.cancellationPolicy).toEqual(POLICY);
    // PENDING: nothing paid, so nothing to refund or keep, but the tier is the booked one.
    expect((await quote(guest, booking.id)).data!.cancellationQuote).toMatchObject({
      refundPercent: 50,
      tierHoursBefore: 24,
      refundMinor: 0,
      feeMinor: 0,
    });
    // A booking made now gets the new policy.
    const later = await reserved(zoneId, 1);
    expect((await quote(later.guest, later.booking.id)).data!.cancellationQuote).toMatchObject({
      refundPercent: 10,
      tierHoursBefore: 0,
    });
    // Clearing the policy (empty list) means full refunds again for new bookings.
    const cleared = await t.query(UPDATE_VENUE, { id: venue.id, input: { cancellationPolicy: [] } }, organizer);
    expect(cleared.data!.updateVenue.cancellationPolicy).toEqual([]);
  });

  it("refuses invalid policies with BAD_USER_INPUT and changes nothing", async () => {
    const venue = await venueWith({ cancellationPolicy: POLICY });
    const invalid = [
      [{ hoursBefore: 24, refundPercent: 101 }],
      [{ hoursBefore: 24, refundPercent: -1 }],
      [{ hoursBefore: 8_761, refundPercent: 50 }],
      [{ hoursBefore: -1, refundPercent: 50 }],
      [
        { hoursBefore: 24, refundPercent: 50 },
        { hoursBefore: 24, refundPercent: 20 },
      ],
      Array.from({ length: 11 }, (_, i) => ({ hoursBefore: i * 10, refundPercent: 100 - i })),
    ];
    for (const policy of invalid) {
      const name = `Refused ${randomUUID().slice(0, 8)}`;
      const created = await t.query(
        CREATE_VENUE,
        { input: { name, kind: "OTHER", city: "Braga", cancellationPolicy: policy } },
        organizer,
      );
      expect(codeOf(created), JSON.stringify(policy)).toBe("BAD_USER_INPUT");
      expect(await t.sql("inventory", sql`select id from inventory.venues where name = ${name}`)).toEqual([]);
      const updated = await t.query(UPDATE_VENUE, { id: venue.id, input: { cancellationPolicy: policy } }, organizer);
      expect(codeOf(updated), JSON.stringify(policy)).toBe("BAD_USER_INPUT");
    }
    const now = await t.query(
      `query($id: ID!) { venue(id: $id) { cancellationPolicy { hoursBefore refundPercent } } }`,
      { id: venue.id },
    );
    expect(now.data!.venue.cancellationPolicy).toEqual(POLICY);
    // Tiers are kept largest hoursBefore first, whatever order they were sent in.
    const reordered = await venueWith({ cancellationPolicy: [...POLICY].reverse() });
    expect(reordered.cancellationPolicy).toEqual(POLICY);
    // A guest cannot set a policy at all.
    const byGuest = await t.query(
      UPDATE_VENUE,
      { id: venue.id, input: { cancellationPolicy: [] } },
      await guestToken(),
    );
    expect(codeOf(byGuest)).toBe("FORBIDDEN");
  });

  it("a CONFIRMED booking has no expiresAt; a PENDING one has", async () => {
    const venue = await venueWith();
    const zoneId = await zoneStarting(venue.id, 72);
    const pending = await reserved(zoneId, 1);
    expect((await bookingOf(pending.guest, pending.booking.id)).data!.booking.expiresAt).toEqual(expect.any(String));
    const { guest, booking } = await paid(zoneId, 1);
    const read = await bookingOf(guest, booking.id);
    expect(read.data!.booking).toMatchObject({ status: "CONFIRMED", expiresAt: null });
    // No policy: everything is refunded, as before policies existed.
    expect((await quote(guest, booking.id)).data!.cancellationQuote).toMatchObject({
      refundPercent: 100,
      refundMinor: booking.price.total,
      feeMinor: 0,
      tierHoursBefore: null,
    });
  });

  it("updateBooking: the guest is notified of the new quantity and total; fewer paid seats carry the tier's refundBps", async () => {
    const venue = await venueWith({ cancellationPolicy: POLICY });
    const { guest, booking } = await paid(await zoneStarting(venue.id, 30), 3);
    const current = (await bookingOf(guest, booking.id)).data!.booking;
    const updated = await t.query(
      `mutation($input: UpdateBookingInput!) { updateBooking(input: $input) { quantity version price { total currency } } }`,
      { input: { bookingId: booking.id, quantity: 1, expectedVersion: current.version } },
      guest,
    );
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateBooking.quantity).toBe(1);
    const newTotal = updated.data!.updateBooking.price.total as number;

    const [event] = await outboxOf(booking.id, "booking.updated");
    expect(event.payload).toMatchObject({
      quantity: 1,
      previousQuantity: 3,
      refundBps: 5_000,
      previousPrice: { total: booking.price.total },
    });
    // The two removed seats' price goes back at the tier's 50 %; the other half is the fee kept.
    const removed = booking.price.total - newTotal;
    // The payment row and its refunds are read by two statements: wait until both show the end.
    const money = await moneyOf(
      guest,
      booking.id,
      (p) => p.refunds[0]?.status === "SUCCEEDED" && p.status === "SUCCEEDED",
    );
    expect(money).toMatchObject({
      amountRefunded: Math.round(removed / 2),
      payment: {
        status: "SUCCEEDED",
        fee: removed - Math.round(removed / 2),
        refunds: [{ amount: Math.round(removed / 2), fee: removed - Math.round(removed / 2) }],
      },
    });

    const told = await eventually(
      () => bookingOf(guest, booking.id),
      (r) => r.data?.booking.notifications.some((n: { subject: string }) => n.subject.endsWith("was changed")),
    );
    const message = told.data!.booking.notifications.find((n: { subject: string }) =>
      n.subject.endsWith("was changed"),
    );
    expect(message).toEqual({
      subject: `Booking ${booking.reference} was changed`,
      body: `It is now 1 seat, ${(newTotal / 100).toFixed(2)} EUR in total.`,
    });
  });
});

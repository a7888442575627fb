import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf, newZone, reserve } from "../support/scenario";
import { eventually } from "../support/eventually";

const PAY = `mutation($input: PayBookingInput!) {
  payBooking(input: $input) { id status amount amountDue amountPaid balance }
}`;
const UPDATE = `mutation($input: UpdateBookingInput!) {
  updateBooking(input: $input) { id quantity version price { total } }
}`;
const BOOKING = `query($id: ID!) {
  booking(id: $id) {
    status version quantity pendingSeats topUpExpiresAt
    amountDue amountPaid amountRefunded
    payment {
      id status amount amountDue amountPaid amountRefunded fee balance
      charges { id amount currency status }
      refunds { amount fee status reason }
      refund { amount status }
    }
  }
}`;

interface PaymentView {
  id: string;
  status: string;
  amount: number;
  amountDue: number;
  amountPaid: number;
  amountRefunded: number;
  fee: number;
  balance: number;
  charges: { id: string; amount: number; currency: string; status: string }[];
  refunds: { amount: number; fee: number; status: string; reason: string }[];
  refund: { amount: number; status: string } | null;
}
interface BookingView {
  status: string;
  version: number;
  quantity: number;
  pendingSeats: number;
  topUpExpiresAt: string | null;
  amountDue: number | null;
  amountPaid: number | null;
  amountRefunded: number | null;
  payment: PaymentView | null;
}

describe("payment balances: charges and refunds follow the booking's total", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ PAYMENT_SIMULATOR_DELAY_MS: "50" });
  });
  afterAll(() => t?.close());

  const guestToken = (label: string) =>
    t.tokenFor(`${label}-${randomUUID()}`, "GUEST", `${label}-${randomUUID().slice(0, 6)}@example.test`);
  const pay = (token: string, bookingId: string, idempotencyKey = `pay-${randomUUID()}`, card = "tok_success") =>
    t.query(PAY, { input: { bookingId, paymentMethodToken: card, idempotencyKey } }, token);
  const update = (token: string, bookingId: string, quantity: number, expectedVersion: number) =>
    t.query(UPDATE, { input: { bookingId, quantity, expectedVersion } }, token);
  const bookingOf = async (token: string, id: string): Promise<BookingView> => {
    const response = await t.query(BOOKING, { id }, token);
    expect(response.errors).toBeUndefined();
    return response.data!.booking as BookingView;
  };
  const until = (token: string, id: string, done: (b: BookingView) => boolean) =>
    eventually(() => bookingOf(token, id), done);
  const paymentEvents = async (paymentId: string) =>
    t.sql<{ event_type: string; payload: Record<string, unknown> }>(
      "payment",
      sql`select event_type, payload from payment.outbox where aggregate_id = ${paymentId} order by id`,
    );

  /** A booking of `seats` seats, paid and CONFIRMED. */
  async function paidBooking(label: string, seats: number) {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken(label);
    const booking = (await reserve(t, guest, zoneId, seats)).data!.reserveSeats;
    expect((await pay(guest, booking.id)).errors).toBeUndefined();
    const confirmed = await until(
      guest,
      booking.id,
      (b) => b.status === "CONFIRMED" && b.payment?.status === "SUCCEEDED",
    );
    expect(confirmed.payment).toMatchObject({ amountPaid: booking.price.total, balance: 0 });
    return { guest, booking, zoneId, unit: booking.price.total / seats, version: confirmed.version };
  }

  it("reserve 1 → update to 3 → pay: one charge of 3 × price, CONFIRMED", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("grower");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    const unit = booking.price.total;
    await until(guest, booking.id, (b) => b.payment?.amountDue === unit);
    const updated = await update(guest, booking.id, 3, booking.version);
    expect(updated.errors).toBeUndefined();
    expect(updated.data!.updateBooking.price.total).toBe(3 * unit);
    const seen = await until(guest, booking.id, (b) => b.payment?.amountDue === 3 * unit);
    expect(seen).toMatchObject({ amountDue: 3 * unit, amountPaid: 0, amountRefunded: 0 });
    expect(seen.payment).toMatchObject({ status: "REQUIRES_PAYMENT", amount: 3 * unit, balance: 3 * unit });

    const paid = await pay(guest, booking.id);
    expect(paid.errors).toBeUndefined();
    expect(paid.data!.payBooking).toMatchObject({ status: "PROCESSING", amountDue: 3 * unit, amountPaid: 0 });
    const confirmed = await until(
      guest,
      booking.id,
      (b) => b.status === "CONFIRMED" && b.payment?.status === "SUCCEEDED",
    );
    expect(confirmed).toMatchObject({ status: "CONFIRMED", quantity: 3, amountPaid: 3 * unit, amountDue: 3 * unit });
    expect(confirmed.payment!.balance).toBe(0);
    expect(confirmed.payment!.charges).toEqual([
      expect.objectContaining({ amount: 3 * unit, currency: "EUR", status: "SUCCEEDED" }),
    ]);
  });

  it("paid 2 seats, then 2 → 3: the balance is one seat; a second payBooking charges it", async () => {
    const { guest, booking, unit, version } = await paidBooking("topup", 2);
    const updated = await update(guest, booking.id, 3, version);
    expect(updated.errors).toBeUndefined();
    const owing = await until(guest, booking.id, (b) => b.payment?.amountDue === 3 * unit);
    expect(owing.payment).toMatchObject({ amountPaid: 2 * unit, balance: unit });
    // The added seat is held and waits for its top-up; the paid ones stay confirmed.
    expect(owing).toMatchObject({ status: "CONFIRMED", quantity: 3, pendingSeats: 1 });
    expect(Date.parse(owing.topUpExpiresAt!)).toBeGreaterThan(Date.now());
    const events = await paymentEvents(owing.payment!.id);
    expect(events.map((e) => e.event_type)).toEqual(["payment.succeeded", "payment.topup_required"]);
    expect(events[1].payload).toMatchObject({ amountMinor: unit, amountDueMinor: 3 * unit, amountPaidMinor: 2 * unit });

    const key = `topup-${randomUUID()}`;
    const topUp = await pay(guest, booking.id, key);
    expect(topUp.errors).toBeUndefined();
    expect(topUp.data!.payBooking.status).toBe("PROCESSING");
    const settled = await until(
      guest,
      booking.id,
      (b) => b.payment?.status === "SUCCEEDED" && b.amountPaid === 3 * unit,
    );
    expect(settled).toMatchObject({ status: "CONFIRMED", amountPaid: 3 * unit, amountDue: 3 * unit });
    expect(settled.payment!.balance).toBe(0);
    // The top-up's success confirms the added seat.
    const seatsConfirmed = await until(guest, booking.id, (b) => b.pendingSeats === 0);
    expect(seatsConfirmed).toMatchObject({ status: "CONFIRMED", quantity: 3, topUpExpiresAt: null });
    expect(settled.payment!.charges.map((c) => [c.amount, c.status])).toEqual([
      [2 * unit, "SUCCEEDED"],
      [unit, "SUCCEEDED"],
    ]);
    // The top-up's success is told apart (topUp, its charge) and the booking saga leaves the booking as it is.
    const succeeded = (await paymentEvents(settled.payment!.id)).filter((e) => e.event_type === "payment.succeeded");
    expect(succeeded.map((e) => [e.payload.topUp, e.payload.amountMinor])).toEqual([
      [false, 2 * unit],
      [true, unit],
    ]);
    expect(succeeded[1].payload.chargeId).toBe(settled.payment!.charges[1].id);
    // Retrying the top-up's key: the same payment, no third charge; another key: nothing is owed.
    expect((await pay(guest, booking.id, key)).errors).toBeUndefined();
    expect(codeOf(await pay(guest, booking.id))).toBe("CONFLICT");
    expect((await bookingOf(guest, booking.id)).payment!.charges).toHaveLength(2);
  });

  const availableIn = async (zoneId: string) =>
    (
      (await t.query(`query($id: ID!) { zone(id: $id) { available } }`, { id: zoneId })).data!.zone as {
        available: number;
      }
    ).available;

  it("paid 2 seats, then 2 → 3, the top-up declined: the added seat goes back, the booking stays CONFIRMED with 2, nothing refunded", async () => {
    const { guest, booking, zoneId, unit, version } = await paidBooking("declined-topup", 2);
    expect(await availableIn(zoneId)).toBe(8);
    expect((await update(guest, booking.id, 3, version)).errors).toBeUndefined();
    await until(guest, booking.id, (b) => b.payment?.balance === unit);
    expect(await availableIn(zoneId)).toBe(7);
    const declined = await pay(guest, booking.id, `topup-${randomUUID()}`, "tok_decline");
    expect(declined.errors).toBeUndefined(); // the provider's answer comes by webhook
    const back = await until(guest, booking.id, (b) => b.quantity === 2 && b.payment?.amountDue === 2 * unit);
    expect(back).toMatchObject({ status: "CONFIRMED", pendingSeats: 0, topUpExpiresAt: null, amountPaid: 2 * unit });
    expect(back.payment).toMatchObject({ balance: 0, amountRefunded: 0, refunds: [] });
    expect(await availableIn(zoneId)).toBe(8);
  });

  it("paid 2 seats, then 2 → 3, the top-up not paid in time: the added seat goes back", async () => {
    const { guest, booking, zoneId, unit, version } = await paidBooking("late-topup", 2);
    expect((await update(guest, booking.id, 3, version)).errors).toBeUndefined();
    await until(guest, booking.id, (b) => b.payment?.balance === unit);
    await t.sql(
      "booking",
      sql`update booking.bookings set top_up_expires_at = now() - interval '1 second' where id = ${booking.id}`,
    );
    const back = await until(guest, booking.id, (b) => b.quantity === 2 && b.payment?.amountDue === 2 * unit);
    expect(back).toMatchObject({ status: "CONFIRMED", pendingSeats: 0, amountPaid: 2 * unit });
    expect(back.payment).toMatchObject({ balance: 0, refunds: [] });
    expect(await availableIn(zoneId)).toBe(8);
  });

  it("paid 3 seats, then 3 → 1: two seats refunded once through the provider", async () => {
    const { guest, booking, unit, version } = await paidBooking("shrinker", 3);
    const updated = await update(guest, booking.id, 1, version);
    expect(updated.errors).toBeUndefined();
    const refunded = await until(
      guest,
      booking.id,
      (b) =>
        b.payment?.refunds.length === 1 &&
        b.payment.refunds[0].status === "SUCCEEDED" &&
        b.payment.status === "SUCCEEDED",
    );
    expect(refunded).toMatchObject({
      status: "CONFIRMED",
      amountDue: unit,
      amountPaid: 3 * unit,
      amountRefunded: 2 * unit,
    });
    expect(refunded.payment).toMatchObject({ balance: 0, fee: 0, refund: { amount: 2 * unit, status: "SUCCEEDED" } });
    expect(refunded.payment!.refunds[0]).toMatchObject({ amount: 2 * unit, fee: 0, reason: "seats removed (3 → 1)" });
    const events = await paymentEvents(refunded.payment!.id);
    expect(events.map((e) => e.event_type)).toEqual([
      "payment.succeeded",
      "payment.refund_requested",
      "payment.refunded",
    ]);
    expect(events[2].payload).toMatchObject({ amountMinor: 2 * unit, feeMinor: 0, amountRefundedMinor: 2 * unit });
    // Paying now: nothing is owed.
    expect(codeOf(await pay(guest, booking.id))).toBe("CONFLICT");
  });

  it("10 concurrent identical updates 3 → 1 of a paid booking: one change, one refund of two seats", async () => {
    const { guest, booking, unit, version } = await paidBooking("concurrent-shrink", 3);
    const answers = await Promise.all(Array.from({ length: 10 }, () => update(guest, booking.id, 1, version)));
    // Each is the change itself, its retry (the booking as it is) or CONFLICT; never an internal error.
    for (const answer of answers) {
      if (answer.errors) expect(codeOf(answer)).toBe("CONFLICT");
      else expect(answer.data!.updateBooking.quantity).toBe(1);
    }
    expect(answers.filter((a) => !a.errors).length).toBeGreaterThanOrEqual(1);
    const refunded = await until(guest, booking.id, (b) => b.payment?.refunds[0]?.status === "SUCCEEDED");
    await new Promise((resolve) => setTimeout(resolve, 500)); // a second refund would be opened by now
    const settled = await bookingOf(guest, booking.id);
    expect(settled).toMatchObject({ quantity: 1, version: version + 1, amountRefunded: 2 * unit });
    expect(settled.payment!.refunds).toEqual([expect.objectContaining({ amount: 2 * unit, status: "SUCCEEDED" })]);
    expect(refunded.payment!.balance).toBe(0);
    const updates = await t.sql<{ n: number }>(
      "booking",
      sql`select count(*)::int as n from booking.outbox where aggregate_id = ${booking.id} and event_type = 'booking.updated'`,
    );
    expect(updates[0].n).toBe(1);
  });

  it("an expired booking's unpaid payment ends CANCELLED and cannot be paid", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("expiring");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    await until(guest, booking.id, (b) => b.payment?.status === "REQUIRES_PAYMENT");
    await t.sql(
      "booking",
      sql`update booking.bookings set expires_at = now() - interval '1 second' where id = ${booking.id}`,
    );
    // Both parts of the answer settled: the booking and its payment are read by two subgraph
    // fetches one after the other, so one answer can show the payment already CANCELLED and the
    // booking read a moment before its expiry committed (seen with the embedded platform).
    const cancelled = await until(
      guest,
      booking.id,
      (b) => b.payment?.status === "CANCELLED" && b.status === "EXPIRED",
    );
    expect(cancelled).toMatchObject({ status: "EXPIRED", amountDue: 0, amountPaid: 0, amountRefunded: 0 });
    expect(cancelled.payment).toMatchObject({ status: "CANCELLED", balance: 0, charges: [], refunds: [] });
    expect(codeOf(await pay(guest, booking.id))).toBe("INVALID_STATUS");
  });

  it("10 concurrent payBooking: with one key one charge; with ten keys on a zero balance, CONFLICT for all", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("concurrent");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const key = `same-${randomUUID()}`;
    const same = await Promise.all(Array.from({ length: 10 }, () => pay(guest, booking.id, key, "tok_delayed_300")));
    expect(same.map((r) => r.errors)).toEqual(Array(10).fill(undefined));
    const confirmed = await until(
      guest,
      booking.id,
      (b) => b.status === "CONFIRMED" && b.payment?.status === "SUCCEEDED",
    );
    expect(confirmed.payment!.charges).toHaveLength(1);
    expect(confirmed.amountPaid).toBe(booking.price.total);

    const others = await Promise.all(Array.from({ length: 10 }, () => pay(guest, booking.id)));
    expect(others.map(codeOf)).toEqual(Array(10).fill("CONFLICT"));
    expect(others[0].errors![0].message).toContain("nothing is owed");
    expect((await bookingOf(guest, booking.id)).payment!.charges).toHaveLength(1);
  });

  it("10 concurrent payBooking with different keys on an unpaid booking: one charge, the others CONFLICT", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await guestToken("racers");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    await until(guest, booking.id, (b) => b.payment?.status === "REQUIRES_PAYMENT");
    const answers = await Promise.all(Array.from({ length: 10 }, () => pay(guest, booking.id)));
    expect(answers.filter((r) => !r.errors)).toHaveLength(1);
    expect(answers.filter((r) => r.errors).map(codeOf)).toEqual(Array(9).fill("CONFLICT"));
    const confirmed = await until(guest, booking.id, (b) => b.status === "CONFIRMED");
    expect(confirmed.payment!.charges).toHaveLength(1);
    expect(confirmed.amountPaid).toBe(booking.price.total);
  });
});

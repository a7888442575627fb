import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, type AppDatabase } from "../../lib/storage/db";
import type { EventEnvelope } from "../../lib/messaging/event-consumer";
import { createLogger } from "../../lib/observability/logger";
import { createBookingEventsConsumer } from "../../subgraphs/payment/payment/payment.consumer";
import type { PaymentProvider } from "../../subgraphs/payment/payment/payment.provider";
import { createPaymentRepository } from "../../subgraphs/payment/payment/payment.repository";
import { createPaymentService } from "../../subgraphs/payment/payment/payment.service";
import { createTestDatabase, type TestDatabase } from "../support/database";

const logger = createLogger("silent");
const UNIT = 2_000;

/** The payment ledger driven directly: booking events through the consumer, provider outcomes as webhooks. */
describe("payment ledger", () => {
  let test: TestDatabase;
  let db: AppDatabase;
  const refundCalls: { refundId: string; amountMinor: number }[] = [];
  const provider = {
    name: "simulated",
    charge: async ({ chargeId }: { chargeId: string }) => ({ providerReference: `ch_${chargeId}` }),
    refund: async (r: { refundId: string; amountMinor: number }) => {
      refundCalls.push({ refundId: r.refundId, amountMinor: r.amountMinor });
      return { providerReference: `re_${r.refundId}` };
    },
    close() {},
  } as unknown as PaymentProvider;
  let payments: ReturnType<typeof createPaymentService>;
  let consumer: ReturnType<typeof createBookingEventsConsumer>;

  beforeAll(async () => {
    test = await createTestDatabase();
    db = test.database.db;
    payments = createPaymentService({ db, provider, logger, intentWaitMs: 0 });
    consumer = createBookingEventsConsumer(payments, db, logger);
  });
  afterAll(() => test?.drop());

  const bookingEvent = (
    eventType: string,
    bookingId: string,
    version: number,
    payload: Record<string, unknown> = {},
  ): EventEnvelope => ({
    eventId: randomUUID(),
    eventType,
    aggregateType: "booking",
    aggregateId: bookingId,
    aggregateVersion: version,
    occurredAt: new Date().toISOString(),
    actor: null,
    traceparent: null,
    payload: { bookingId, ...payload },
  });
  const priced = (seats: number) => ({ quantity: seats, price: { total: seats * UNIT, currency: "EUR" } });
  const paymentOf = async (bookingId: string) => (await createPaymentRepository(db).findByBooking(bookingId))!;
  const eventsOf = (paymentId: string) =>
    queryRows<{ event_type: string; payload: Record<string, unknown> }>(
      db,
      sql`select event_type, payload from payment.outbox where aggregate_id = ${paymentId} order by id`,
    );
  const refundsOf = (paymentId: string) =>
    queryRows<{ amount_minor: number; fee_minor: number; status: string; cause: string }>(
      db,
      sql`select amount_minor, fee_minor, status, cause from payment.refunds where payment_id = ${paymentId} order by created_at`,
    );

  /** A reserved booking of `seats`, paid through `payBooking` and the provider's success webhook. */
  async function paid(seats: number) {
    const bookingId = randomUUID();
    const userId = `guest-${randomUUID()}`;
    await consumer.handleBatch([
      bookingEvent("booking.reserved", bookingId, 1, { userId, reference: "BR-TEST", ...priced(seats) }),
    ]);
    const principal = { userId, role: "GUEST" as const };
    const pay = (key = `pay-${randomUUID()}`) =>
      payments.payBooking(principal, { bookingId, paymentMethodToken: "tok_success", idempotencyKey: key });
    const succeed = async () => {
      const payment = await paymentOf(bookingId);
      const [charge] = await queryRows<{ id: string }>(
        db,
        sql`select id from payment.charges where payment_id = ${payment.id} and status = 'PROCESSING'`,
      );
      return payments.handleProviderEvent({
        id: `evt_${randomUUID()}`,
        type: "payment.succeeded",
        data: { paymentId: payment.id, chargeId: charge.id, providerReference: `ch_${charge.id}` },
      });
    };
    await pay();
    await succeed();
    return { bookingId, pay, succeed, payment: await paymentOf(bookingId) };
  }

  it("3 → 1 seats at a 50 % tier: half the removed seats refunded, the rest kept as a fee; replays and older updates change nothing", async () => {
    const { bookingId, payment } = await paid(3);
    expect(payment).toMatchObject({ status: "SUCCEEDED", amountPaid: 3 * UNIT, amountDue: 3 * UNIT, balance: 0 });
    const shrink = bookingEvent("booking.updated", bookingId, 3, {
      ...priced(1),
      previousQuantity: 3,
      refundBps: 5_000,
    });
    await consumer.handleBatch([shrink]);
    await consumer.handleBatch([shrink]); // redelivered
    await consumer.handleBatch([{ ...shrink, eventId: randomUUID() }]); // the same version again, another event id
    await consumer.handleBatch([bookingEvent("booking.updated", bookingId, 2, { ...priced(3), previousQuantity: 1 })]); // older
    const after = await paymentOf(bookingId);
    expect(after).toMatchObject({
      amount: UNIT,
      amountPaid: 3 * UNIT,
      amountRefunded: UNIT,
      fee: UNIT,
      amountDue: 2 * UNIT,
      balance: 0,
      status: "REFUND_PENDING",
    });
    expect(await refundsOf(payment.id)).toEqual([
      { amount_minor: UNIT, fee_minor: UNIT, status: "PENDING", cause: "booking.updated:v3" },
    ]);
    expect(refundCalls.filter((c) => c.amountMinor === UNIT).length).toBeGreaterThanOrEqual(1);
    const events = await eventsOf(payment.id);
    expect(events.map((e) => e.event_type)).toEqual(["payment.succeeded", "payment.refund_requested"]);
    expect(events[1].payload).toMatchObject({ amountMinor: UNIT, feeMinor: UNIT, amountRefundedMinor: UNIT });

    // Then cancelled at a 25 % tier: a quarter of what is still held (one seat) goes back.
    await consumer.handleBatch([
      bookingEvent("booking.cancelled", bookingId, 4, { ...priced(1), reason: "OTHER", refundBps: 2_500 }),
    ]);
    const cancelled = await paymentOf(bookingId);
    expect(cancelled).toMatchObject({
      amountRefunded: UNIT + UNIT / 4,
      fee: UNIT + (3 * UNIT) / 4,
      amountDue: UNIT + (3 * UNIT) / 4,
      balance: 0,
      bookingClosedAs: "CANCELLED",
    });
    expect((await refundsOf(payment.id)).map((r) => [r.amount_minor, r.fee_minor, r.cause])).toEqual([
      [UNIT, UNIT, "booking.updated:v3"],
      [UNIT / 4, (3 * UNIT) / 4, "booking.cancelled"],
    ]);
  });

  it("a waived fee on cancellation refunds everything held", async () => {
    const { bookingId, payment } = await paid(2);
    await consumer.handleBatch([
      bookingEvent("booking.cancelled", bookingId, 3, { reason: "OTHER", refundBps: 0, feeWaived: true }),
    ]);
    expect(await paymentOf(bookingId)).toMatchObject({ amountRefunded: 2 * UNIT, fee: 0, balance: 0 });
    expect((await refundsOf(payment.id)).map((r) => r.amount_minor)).toEqual([2 * UNIT]);
  });

  it("a top-up that is declined: payment.failed marked as a top-up, the payment stays SUCCEEDED with the balance owed", async () => {
    const { bookingId, pay, payment } = await paid(1);
    await consumer.handleBatch([bookingEvent("booking.updated", bookingId, 3, { ...priced(2), previousQuantity: 1 })]);
    expect(await paymentOf(bookingId)).toMatchObject({ status: "SUCCEEDED", balance: UNIT });
    await pay();
    const [charge] = await queryRows<{ id: string; amount_minor: number }>(
      db,
      sql`select id, amount_minor from payment.charges where payment_id = ${payment.id} and status = 'PROCESSING'`,
    );
    expect(charge.amount_minor).toBe(UNIT);
    const declined = {
      id: `evt_${randomUUID()}`,
      type: "payment.failed" as const,
      data: { paymentId: payment.id, chargeId: charge.id, providerReference: "x", failureReason: "card_declined" },
    };
    expect(await payments.handleProviderEvent(declined)).toEqual({ applied: true });
    expect(await payments.handleProviderEvent(declined)).toEqual({ applied: false });
    expect(await paymentOf(bookingId)).toMatchObject({
      status: "SUCCEEDED",
      amountPaid: UNIT,
      balance: UNIT,
      failureReason: "card_declined",
    });
    const failed = (await eventsOf(payment.id)).filter((e) => e.event_type === "payment.failed");
    expect(failed.map((e) => e.payload)).toEqual([expect.objectContaining({ topUp: true, chargeId: charge.id })]);
  });

  it("a charge that overpays (seats removed while it was processing) refunds the excess in full", async () => {
    const bookingId = randomUUID();
    const userId = `guest-${randomUUID()}`;
    await consumer.handleBatch([bookingEvent("booking.reserved", bookingId, 1, { userId, ...priced(3) })]);
    await payments.payBooking(
      { userId, role: "GUEST" },
      { bookingId, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` },
    );
    await consumer.handleBatch([
      bookingEvent("booking.updated", bookingId, 2, { ...priced(1), previousQuantity: 3, refundBps: 0 }),
    ]);
    const processing = await paymentOf(bookingId);
    expect(processing).toMatchObject({ status: "PROCESSING", amountDue: UNIT, amountPaid: 0 });
    await payments.handleProviderEvent({
      id: `evt_${randomUUID()}`,
      type: "payment.succeeded",
      data: { paymentId: processing.id, providerReference: "ch_overpaid" }, // no chargeId: the charge in flight
    });
    expect(await paymentOf(bookingId)).toMatchObject({
      status: "REFUND_PENDING",
      amountPaid: 3 * UNIT,
      amountRefunded: 2 * UNIT,
      balance: 0,
    });
    expect((await refundsOf(processing.id)).map((r) => [r.amount_minor, r.fee_minor])).toEqual([[2 * UNIT, 0]]);
  });
});

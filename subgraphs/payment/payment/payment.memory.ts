import { randomUUID } from "node:crypto";
import type { DomainEvent } from "../../../lib/contracts";
import type { PaymentProvider } from "./payment.provider";
import {
  amountDueOf,
  type Charge,
  type Payment,
  type PaymentRepositoryPort,
  type PaymentStore,
  type Refund,
} from "./payment.repository";

/**
 * The payment service's ports in memory, for its unit tests: payments, charges and refunds with
 * the same uniqueness and conditions as the tables (one payment per booking, one charge per key,
 * one charge in flight, one refund per cause), the outbox's events, and a provider that records
 * what it was asked. A transaction is the work itself (nothing runs concurrently in these tests).
 */
export function createMemoryPaymentStore() {
  const payments = new Map<string, Payment>();
  const charges = new Map<string, Charge>();
  const refunds = new Map<string, Refund>();
  const providerEvents = new Set<string>();
  /** The outbox: every event written, in order. */
  const events: DomainEvent[] = [];
  const copy = <T>(value: T): T => structuredClone(value);
  const uniqueViolation = (constraint: string) => Object.assign(new Error(constraint), { code: "23505", constraint });
  /** The derived amounts, as `toPayment` computes them from the row. */
  const derived = (payment: Omit<Payment, "amountDue" | "balance">): Payment => {
    const amountDue = amountDueOf(payment);
    return { ...payment, amountDue, balance: amountDue - payment.amountPaid + payment.amountRefunded };
  };
  const paymentWhere = (match: (payment: Payment) => boolean) => {
    const payment = [...payments.values()].find(match);
    return payment ? copy(payment) : null;
  };

  /** A conditional update (`where`: the status it must still have); the row after it, or null. */
  function updateWhere<T extends { status: string; updatedAt: Date }>(
    rows: Map<string, T>,
    id: string,
    where: { status?: T["status"] } | undefined,
    change: (current: T) => T,
  ): T | null {
    const current = rows.get(id);
    if (!current || (where?.status && current.status !== where.status)) return null;
    const next = { ...change(current), updatedAt: new Date() };
    rows.set(id, next);
    return copy(next);
  }

  const repo: PaymentRepositoryPort = {
    findByBooking: async (bookingId) => paymentWhere((p) => p.bookingId === bookingId),
    findByBookingForUpdate: async (bookingId) => paymentWhere((p) => p.bookingId === bookingId),
    findById: async (id) => paymentWhere((p) => p.id === id),
    async insertMany(intents) {
      for (const intent of intents) {
        if (payments.has(intent.id) || [...payments.values()].some((p) => p.bookingId === intent.bookingId)) continue;
        const now = new Date();
        payments.set(
          intent.id,
          derived({
            ...intent,
            version: intent.version ?? 1,
            bookingVersion: intent.bookingVersion ?? 0,
            amountPaid: intent.amountPaid ?? 0,
            amountRefunded: 0,
            fee: 0,
            createdAt: now,
            updatedAt: now,
          }),
        );
      }
    },
    async update(id, patch, event, where) {
      const current = payments.get(id);
      if (!current || (where?.status && current.status !== where.status)) return null;
      const next = derived({ ...current, ...patch, version: current.version + 1, updatedAt: new Date() });
      payments.set(id, next);
      if (event) events.push(event(copy(next)));
      return copy(next);
    },
    async emit(event) {
      events.push(event);
    },
    findChargeByKey: async (paymentId, key) =>
      copy([...charges.values()].find((c) => c.paymentId === paymentId && c.idempotencyKey === key) ?? null),
    findChargeForUpdate: async (paymentId, chargeId) =>
      copy(
        [...charges.values()].find(
          (c) => c.paymentId === paymentId && (chargeId ? c.id === chargeId : c.status === "PROCESSING"),
        ) ?? null,
      ),
    async insertCharge(charge) {
      const others = [...charges.values()].filter((c) => c.paymentId === charge.paymentId);
      if (others.some((c) => c.idempotencyKey === charge.idempotencyKey))
        throw uniqueViolation("charges_payment_idempotency_key");
      if (others.some((c) => c.status === "PROCESSING")) throw uniqueViolation("charges_processing_key");
      const now = new Date();
      const created: Charge = {
        ...charge,
        id: randomUUID(),
        status: "PROCESSING",
        providerReference: null,
        failureReason: null,
        createdAt: now,
        updatedAt: now,
      };
      charges.set(created.id, created);
      return copy(created);
    },
    updateCharge: async (id, patch, where) => updateWhere(charges, id, where, (current) => ({ ...current, ...patch })),
    async deleteCharge(id) {
      if (charges.get(id)?.status === "PROCESSING") charges.delete(id);
    },
    refundsInFlight: async (paymentId) =>
      [...refunds.values()].filter((r) => r.paymentId === paymentId && r.status !== "SUCCEEDED").length,
    findRefund: async (id) => copy(refunds.get(id) ?? null),
    async insertRefund(payment, refund) {
      if ([...refunds.values()].some((r) => r.paymentId === payment.id && r.cause === refund.cause)) return null;
      const now = new Date();
      const created: Refund = {
        ...refund,
        id: randomUUID(),
        paymentId: payment.id,
        currency: payment.currency,
        status: "REQUESTED",
        providerReference: null,
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      refunds.set(created.id, created);
      return copy(created);
    },
    updateRefund: async (id, { failedAttempt, lastError: _, ...patch }, where) =>
      updateWhere(refunds, id, where, (current) => ({
        ...current,
        ...patch,
        attempts: current.attempts + (failedAttempt ? 1 : 0),
      })),
    claimDueRefunds: async (limit) =>
      [...refunds.values()]
        .filter((r) => r.status === "REQUESTED")
        .slice(0, limit)
        .map((r) => r.id),
    async recordProviderEvent(id) {
      if (providerEvents.has(id)) return false;
      providerEvents.add(id);
      return true;
    },
  };

  const store: PaymentStore = { repo, transaction: (work) => work(repo), within: () => repo };
  return {
    store,
    events,
    /** The event types written, in order. */
    eventTypes: () => events.map((event) => event.eventType),
    chargesOf: (paymentId: string) => [...charges.values()].filter((c) => c.paymentId === paymentId).map(copy),
    refundsOf: (paymentId: string) => [...refunds.values()].filter((r) => r.paymentId === paymentId).map(copy),
  };
}
export type MemoryPaymentStore = ReturnType<typeof createMemoryPaymentStore>;

/** A provider that answers at once and records the charges and refunds it was asked for. */
export function createRecordingProvider() {
  const charged: Parameters<PaymentProvider["charge"]>[0][] = [];
  const refunded: Parameters<PaymentProvider["refund"]>[0][] = [];
  const failures: { charge?: Error; refund?: Error } = {};
  const provider: PaymentProvider = {
    name: "memory",
    async charge(request) {
      const failure = failures.charge;
      delete failures.charge;
      if (failure) throw failure;
      charged.push(request);
      return { providerReference: `ch_${request.chargeId}` };
    },
    async refund(request) {
      const failure = failures.refund;
      delete failures.refund;
      if (failure) throw failure;
      refunded.push(request);
      return { providerReference: `re_${request.refundId}` };
    },
    close() {},
  };
  return { provider, charged, refunded, failures };
}

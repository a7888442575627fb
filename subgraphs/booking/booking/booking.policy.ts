import type { Booking } from "./booking.model";
import { isPaid } from "./booking.state";

/** One tier of a venue's cancellation policy: `refundPercent` back when cancelled at least `hoursBefore` the start. */
export interface RefundTier {
  hoursBefore: number;
  refundPercent: number;
}

/** What a cancellation (or a seat reduction) at one instant gives back. */
export interface CancellationTerms {
  /** The tier's percentage (100 with no policy, 0 below the last tier). */
  refundPercent: number;
  /** The tier that applies; null with no policy or below the last tier. */
  tierHoursBefore: number | null;
}

/** What cancelling a booking now means in money, in minor units of the booking's currency. */
export interface CancellationQuote extends CancellationTerms {
  /** Basis points of what was paid that go back: what the payment subgraph refunds. */
  refundBps: number;
  refundMinor: number;
  feeMinor: number;
  feeWaived: boolean;
  paymentTaken: boolean;
  currency: string;
}

/**
 * The tier in force at `at`. Tiers are matched from the largest `hoursBefore` down: the first
 * one the start is still at least that many hours away from applies. No policy (or no known
 * start) refunds everything, as bookings always did.
 */
export function refundTermsAt(policy: RefundTier[] | null, slotStartsAt: Date | null, at: Date): CancellationTerms {
  if (!policy || policy.length === 0 || !slotStartsAt) return { refundPercent: 100, tierHoursBefore: null };
  const hoursLeft = (slotStartsAt.getTime() - at.getTime()) / 3_600_000;
  const tier = [...policy].sort((a, b) => b.hoursBefore - a.hoursBefore).find((t) => hoursLeft >= t.hoursBefore);
  return tier
    ? { refundPercent: tier.refundPercent, tierHoursBefore: tier.hoursBefore }
    : { refundPercent: 0, tierHoursBefore: null };
}

/** A confirmed (or checked-in) booking was paid; a PENDING one was not. */
const paymentTakenFor = (booking: Booking) => isPaid(booking.status);

/**
 * Cancelling `booking` at `at`, by the booking's own snapshot of the venue's policy. Only a paid
 * booking has a refund or a fee; money that arrives for an unpaid one goes back in full
 * (`refundBps` 10000). A waived fee refunds everything.
 */
export function quoteCancellation(booking: Booking, at: Date, feeWaived = false): CancellationQuote {
  const terms = refundTermsAt(booking.cancellationPolicy, booking.slotStartsAt, at);
  const paymentTaken = paymentTakenFor(booking);
  const refundPercent = feeWaived ? 100 : terms.refundPercent;
  const total = booking.price.total;
  const refundMinor = paymentTaken ? Math.round((total * refundPercent) / 100) : 0;
  return {
    ...terms,
    refundPercent,
    refundBps: paymentTaken ? refundPercent * 100 : 10_000,
    refundMinor,
    feeMinor: paymentTaken ? total - refundMinor : 0,
    feeWaived,
    paymentTaken,
    currency: booking.price.currency,
  };
}

import { randomInt } from "node:crypto";
import { badInput } from "../../../lib/core/errors";
import type { RefundTier } from "./booking.policy";

export const BOOKING_STATUSES = [
  "PENDING",
  "CONFIRMED",
  "CHECKED_IN",
  "COMPLETED",
  "CANCELLED",
  "EXPIRED",
  "FAILED",
  "NO_SHOW",
] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];

/** Money in minor units; `total = base + tax - discount`, fixed when the booking is made. */
export interface PriceSnapshot {
  base: number;
  tax: number;
  discount: number;
  total: number;
  currency: string;
}

export interface Booking {
  id: string;
  reference: string;
  userId: string;
  zoneId: string;
  slotId: string;
  venueId: string;
  quantity: number;
  status: BookingStatus;
  version: number;
  price: PriceSnapshot;
  specialRequests: string | null;
  expiresAt: Date | null;
  /** The venue's organizer, the slot's start and the venue's cancellation policy, as they were at reservation. */
  organizerId: string | null;
  /** Where notifications go: the guest's e-mail from the token and the venue's contact address, at reservation. */
  guestEmail: string | null;
  organizerEmail: string | null;
  slotStartsAt: Date | null;
  cancellationDeadlineHours: number | null;
  /** The venue's refund tiers at reservation (null or empty: everything is refunded). */
  cancellationPolicy: RefundTier[] | null;
  cancelledAt: Date | null;
  cancellationReason: CancellationReason | null;
  cancellationNotes: string | null;
  cancelledBy: string | null;
  /** What the cancellation gave back and kept, fixed when it happened (null until then). */
  cancellationRefundPercent: number | null;
  cancellationRefundMinor: number | null;
  cancellationFeeMinor: number | null;
  cancellationFeeWaived: boolean | null;
  /** Seats added to a paid booking awaiting their top-up payment (included in `quantity`). */
  pendingSeats: number;
  /** When unpaid `pendingSeats` are given back (null when there are none). */
  topUpExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CANCELLATION_REASONS = [
  "CHANGE_OF_PLANS",
  "DOUBLE_BOOKING",
  "FOUND_ALTERNATIVE",
  "NO_LONGER_NEEDED",
  "OTHER",
] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

// No 0/O or 1/I: references are read aloud and typed by hand.
const REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const REFERENCE_PATTERN = /^BR-\d{8}-[A-HJ-NP-Z2-9]{6}$/;

/** `BR-YYYYMMDD-XXXXXX`: the UTC date of creation and six random characters. */
export function generateBookingReference(now: Date = new Date()): string {
  const date = now.toISOString().slice(0, 10).replaceAll("-", "");
  let suffix = "";
  for (let i = 0; i < 6; i++) suffix += REFERENCE_ALPHABET[randomInt(REFERENCE_ALPHABET.length)];
  return `BR-${date}-${suffix}`;
}

/** Position in a newest-first list: the row's exact creation timestamp (µs) and id. */
export interface BookingCursor {
  createdAt: string;
  id: string;
}

export function encodeCursor(cursor: BookingCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString("base64url");
}

export function decodeCursor(value: string): BookingCursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
    if (
      Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === "string" &&
      !Number.isNaN(Date.parse(parsed[0])) &&
      typeof parsed[1] === "string" &&
      /^[0-9a-f-]{36}$/i.test(parsed[1])
    ) {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through: any malformed cursor gets the same answer
  }
  throw badInput("Invalid cursor", { field: "after" });
}

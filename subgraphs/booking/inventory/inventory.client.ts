import { callInternal } from "../../../lib/internal";
import type { RefundTier } from "../booking/booking.policy";

/** Seats held by the inventory subgraph for one booking (the hold id is the booking id). */
export interface HeldSeats {
  holdId: string;
  zoneId: string;
  slotId: string;
  venueId: string;
  unitPriceMinor: number;
  currency: string;
  expiresAt: string;
  available: number;
  /** The venue's organizer, the slot's start and the venue's cancellation policy. */
  organizerId: string;
  /** The venue's contact address (cancellations are e-mailed there); null: none. */
  organizerEmail: string | null;
  slotStartsAt: string;
  cancellationDeadlineHours: number | null;
  /** The venue's refund tiers (empty: full refund); copied onto the booking. Absent from an older inventory. */
  cancellationPolicy?: RefundTier[];
}

/** The inventory subgraph's internal hold operations, as the booking subgraph uses them. */
export interface InventoryClient {
  holdSeats(request: {
    holdId: string;
    zoneId: string;
    userId: string;
    quantity: number;
    expiresAt: Date;
    /** The reservation's idempotency key digest; CONFLICT with `keyOwner` when another hold has it. */
    key?: { token: string; lockedUntil: number; ttlMs: number; supersede?: string };
  }): Promise<HeldSeats>;
  /**
   * Gives a hold's seats back. With `requested` (what the hold call asked for), inventory also
   * refuses that hold call should it still be in flight (see hold.releaser.ts).
   */
  releaseHold(
    holdId: string,
    requested?: { zoneId: string; userId: string; quantity: number; keyToken?: string },
  ): Promise<{ released: boolean }>;
  /** The booking is paid: the held seats become sold. `sold: false` if the hold was already released. */
  sellHold(holdId: string): Promise<{ sold: boolean }>;
  /** Compare-and-set: CONFLICT when the hold is no longer at `fromQuantity`. */
  resizeHold(holdId: string, fromQuantity: number, quantity: number): Promise<{ quantity: number; available: number }>;
}

/** Every call has a deadline (`timeoutMs`): past it the request is aborted and SERVICE_UNAVAILABLE raised. */
export function createInventoryClient(baseUrl: string, serviceSecret: string, timeoutMs = 3_000): InventoryClient {
  const call = <T>(path: string, body: unknown) => callInternal<T>(`${baseUrl}${path}`, serviceSecret, body, timeoutMs);
  return {
    holdSeats: (request) =>
      call<HeldSeats>("/internal/holds", { ...request, expiresAt: request.expiresAt.toISOString() }),
    resizeHold: (holdId, fromQuantity, quantity) =>
      call<{ quantity: number; available: number }>("/internal/holds/resize", { holdId, fromQuantity, quantity }),
    releaseHold: (holdId, requested) => call<{ released: boolean }>("/internal/holds/release", { holdId, requested }),
    sellHold: (holdId) => call<{ sold: boolean }>("/internal/holds/sell", { holdId }),
  };
}

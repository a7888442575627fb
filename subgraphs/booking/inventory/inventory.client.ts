import { callInternal } from "../../../lib/internal";

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
}

/** The inventory subgraph's internal hold operations, as the booking subgraph uses them. */
export interface InventoryClient {
  holdSeats(request: {
    holdId: string;
    zoneId: string;
    userId: string;
    quantity: number;
    expiresAt: Date;
  }): Promise<HeldSeats>;
  releaseHold(holdId: string): Promise<{ released: boolean }>;
  /** The booking is paid: the held seats become sold. `sold: false` if the hold was already released. */
  sellHold(holdId: string): Promise<{ sold: boolean }>;
  /** Compare-and-set: CONFLICT when the hold is no longer at `fromQuantity`. */
  resizeHold(holdId: string, fromQuantity: number, quantity: number): Promise<{ quantity: number; available: number }>;
}

export function createInventoryClient(baseUrl: string, serviceSecret: string): InventoryClient {
  return {
    holdSeats: (request) =>
      callInternal<HeldSeats>(`${baseUrl}/internal/holds`, serviceSecret, {
        ...request,
        expiresAt: request.expiresAt.toISOString(),
      }),
    resizeHold: (holdId, fromQuantity, quantity) =>
      callInternal<{ quantity: number; available: number }>(`${baseUrl}/internal/holds/resize`, serviceSecret, {
        holdId,
        fromQuantity,
        quantity,
      }),
    releaseHold: (holdId) =>
      callInternal<{ released: boolean }>(`${baseUrl}/internal/holds/release`, serviceSecret, { holdId }),
    sellHold: (holdId) => callInternal<{ sold: boolean }>(`${baseUrl}/internal/holds/sell`, serviceSecret, { holdId }),
  };
}

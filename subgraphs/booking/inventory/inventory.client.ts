import {
  HOLD_OPERATIONS,
  type HeldSeats,
  type HoldReleased,
  type HoldResized,
  type HoldSeatsInput,
  type HoldSold,
  type RequestedHold,
} from "../../../lib/contracts";
import { callOperation } from "../../../lib/http/internal";

export type { HeldSeats };

/** The inventory subgraph's internal hold operations (lib/contracts/holds.ts), as the booking subgraph uses them. */
export interface InventoryClient {
  /** Seats held for one booking (the hold id is the booking id). */
  holdSeats(request: HoldSeatsInput): Promise<HeldSeats>;
  /**
   * Gives a hold's seats back. With `requested` (what the hold call asked for), inventory also
   * refuses that hold call should it still be in flight (see hold.releaser.ts).
   */
  releaseHold(holdId: string, requested?: RequestedHold): Promise<HoldReleased>;
  /** The booking is paid: the held seats become sold. `sold: false` if the hold was already released. */
  sellHold(holdId: string): Promise<HoldSold>;
  /** Compare-and-set: CONFLICT when the hold is no longer at `fromQuantity`. */
  resizeHold(holdId: string, fromQuantity: number, quantity: number): Promise<HoldResized>;
}

/** Every call has a deadline (`timeoutMs`): past it the request is aborted and SERVICE_UNAVAILABLE raised. */
export function createInventoryClient(baseUrl: string, serviceSecret: string, timeoutMs = 3_000): InventoryClient {
  return {
    holdSeats: (request) =>
      callOperation(
        baseUrl,
        HOLD_OPERATIONS.hold,
        serviceSecret,
        { ...request, expiresAt: request.expiresAt.toISOString() },
        timeoutMs,
      ),
    resizeHold: (holdId, fromQuantity, quantity) =>
      callOperation(baseUrl, HOLD_OPERATIONS.resize, serviceSecret, { holdId, fromQuantity, quantity }, timeoutMs),
    releaseHold: (holdId, requested) =>
      callOperation(baseUrl, HOLD_OPERATIONS.release, serviceSecret, { holdId, requested }, timeoutMs),
    sellHold: (holdId) => callOperation(baseUrl, HOLD_OPERATIONS.sell, serviceSecret, { holdId }, timeoutMs),
  };
}

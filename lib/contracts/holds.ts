import { z } from "zod";

/**
 * The inventory subgraph's internal hold operations (README: Architecture in brief), as both sides see them:
 * inventory validates each request with its schema, the booking subgraph's client sends the
 * schema's input and gets the answer type back.
 */
export interface InternalOperation<I extends z.ZodType = z.ZodType, O = unknown> {
  path: `/internal/${string}`;
  /** The request body; the owner refuses anything else with BAD_USER_INPUT. */
  input: I;
  /** The answer's type (never set: it only carries the type). */
  output?: O;
}

/** The answer type of an operation. */
export type AnswerOf<Op> = Op extends InternalOperation<z.ZodType, infer O> ? O : never;

const operation =
  <O>() =>
  <I extends z.ZodType>(path: `/internal/${string}`, input: I): InternalOperation<I, O> => ({ path, input });

const quantity = z.number().int().min(1).max(100);
const userId = z.string().min(1).max(200);
/** A reservation's idempotency key digest. */
const keyToken = z.string().regex(/^[0-9a-f]{32,64}$/);

/** Cancelled at least `hoursBefore` a slot's start: `refundPercent` of the price comes back. */
export interface RefundTierContract {
  hoursBefore: number;
  refundPercent: number;
}

/** Seats held for one booking (the hold id is the booking id): what the booking needs to price and file it. */
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
  /** The venue's refund tiers now (empty: full refund): the booking keeps them, so later edits do not change it. */
  cancellationPolicy: RefundTierContract[];
}

export const HOLD_OPERATIONS = {
  /** Holds seats atomically; INSUFFICIENT_STOCK, MAX_PER_USER_EXCEEDED, or CONFLICT with `keyOwner`. */
  hold: operation<HeldSeats>()(
    "/internal/holds",
    z.object({
      holdId: z.uuid(),
      zoneId: z.uuid(),
      userId,
      quantity,
      expiresAt: z.iso.datetime().transform((value) => new Date(value)),
      /** The reservation's idempotency key digest; CONFLICT with `keyOwner` when another hold has it. */
      key: z
        .object({
          token: keyToken,
          lockedUntil: z.number().int().nonnegative(),
          ttlMs: z
            .number()
            .int()
            .min(1)
            .max(7 * 86_400_000),
          supersede: z.uuid().optional(),
        })
        .optional(),
    }),
  ),
  /** Compare-and-set: CONFLICT when the hold is no longer at `fromQuantity`. */
  resize: operation<{ quantity: number; available: number }>()(
    "/internal/holds/resize",
    z.object({ holdId: z.uuid(), fromQuantity: quantity, quantity }),
  ),
  /** The booking is paid: the held seats become sold. `sold: false` if the hold was already released. */
  sell: operation<{ sold: boolean }>()("/internal/holds/sell", z.object({ holdId: z.uuid() })),
  /**
   * Gives a hold's seats back. With `requested` (what the hold call asked for), inventory also
   * refuses that hold call should it land later.
   */
  release: operation<{ released: boolean }>()(
    "/internal/holds/release",
    z.object({
      holdId: z.uuid(),
      requested: z
        .object({
          zoneId: z.uuid(),
          userId,
          quantity,
          /** The hold's idempotency key digest: given up with the hold (its booking was never written). */
          keyToken: keyToken.optional(),
        })
        .optional(),
    }),
  ),
};

/** A hold request as the booking subgraph sends it (`expiresAt` an ISO string)… */
export type HoldSeatsRequest = z.input<typeof HOLD_OPERATIONS.hold.input>;
/** …and as inventory handles it (`expiresAt` a Date). */
export type HoldSeatsInput = z.output<typeof HOLD_OPERATIONS.hold.input>;
/** The answers of the hold operations. */
export type HoldResized = AnswerOf<typeof HOLD_OPERATIONS.resize>;
export type HoldSold = AnswerOf<typeof HOLD_OPERATIONS.sell>;
export type HoldReleased = AnswerOf<typeof HOLD_OPERATIONS.release>;
/** What the hold request asked for, given with a release. */
export type RequestedHold = NonNullable<z.output<typeof HOLD_OPERATIONS.release.input>["requested"]>;

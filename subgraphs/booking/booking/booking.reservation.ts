import { createHash, randomUUID } from "node:crypto";
import type { Principal } from "../../../lib/core/auth";
import { isUniqueViolation } from "../../../lib/storage/db";
import { badInput, DomainError, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { IdempotencyRepository, IdempotencyScope } from "../idempotency/idempotency.repository";
import type { HoldReleaser } from "../inventory/hold.releaser";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingReserved } from "./booking.events";
import { generateBookingReference, type Booking } from "./booking.model";
import type { BookingRepository } from "./booking.repository";
import { AWAITING_PAYMENT } from "./booking.state";

export interface ReserveSeatsInput {
  zoneId: string;
  quantity: number;
  idempotencyKey: string;
}

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long a request owns its key before a twin may take over (its owner is presumed dead). */
const CLAIM_LOCK_MS = 30_000;
const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
const MAX_QUANTITY = 100;
const IDEMPOTENCY_KEY_CONSTRAINT = "idempotency_keys_user_id_operation_key_pk";

/**
 * reserveSeats: hold seats in inventory (atomic, fails closed; the hold store also owns the
 * request's idempotency key while it is in flight) → one statement with the booking, its
 * history, the outbox event and the idempotency key. Any failure after the hold gives the seats
 * (and the key) back; a crash leaves a hold that lapses on its own.
 *
 * An attempt that gets no seats (sold out, over the per-person limit, sale not open) writes
 * nothing to PostgreSQL: one call to inventory, one Redis script there. The key check comes
 * first in that script, so a retry whose first attempt got seats is never told "sold out"; it
 * waits for that attempt's booking (or takes over if the attempt died).
 * Limit: should Redis lose its data (no persistence, a failover without replicas), a retried key
 * still gets its booking whenever seats can be held (the key's row then refuses a second booking
 * and the seats go back), but on a zone sold out meanwhile it is told INSUFFICIENT_STOCK.
 */
export function createReservationService(deps: {
  bookings: Pick<BookingRepository, "createWithOutbox" | "findById">;
  idempotency: Pick<IdempotencyRepository, "find" | "deleteExpired">;
  inventory: Pick<InventoryClient, "holdSeats">;
  releaser: Pick<HoldReleaser, "release">;
  holdTtlSeconds: number;
  taxRateBps: number;
}) {
  const { bookings, idempotency, inventory, releaser } = deps;
  function validate(input: ReserveSeatsInput) {
    if (!isUuid(input.zoneId)) throw notFound("Zone");
    if (!Number.isInteger(input.quantity) || input.quantity < 1 || input.quantity > MAX_QUANTITY) {
      throw badInput(`quantity must be a whole number from 1 to ${MAX_QUANTITY}`, { field: "quantity" });
    }
    if (!KEY_PATTERN.test(input.idempotencyKey)) {
      throw badInput("idempotencyKey must be 8–128 characters of letters, digits, '.', '_', ':' or '-'", {
        field: "idempotencyKey",
      });
    }
  }

  /** The booking a key already has; IDEMPOTENCY_KEY_REUSED if it was made for another request. */
  async function bookingOfKey(scope: IdempotencyScope, requestHash: string): Promise<Booking | null> {
    const record = await idempotency.find(scope);
    if (!record) return null;
    if (record.expiresAt.getTime() <= Date.now()) {
      await idempotency.deleteExpired(scope);
      return null;
    }
    if (record.requestHash !== requestHash) {
      throw new DomainError("IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used for a different request");
    }
    return bookings.findById(record.bookingId);
  }

  /**
   * Another attempt with this key holds seats: waits a moment for its booking, then the caller
   * asks inventory again (the owner may have given the key back). Past the owner's lock without
   * a booking, the owner is presumed dead and this attempt may supersede it.
   */
  async function awaitOwner(
    scope: IdempotencyScope,
    requestHash: string,
    owner: { holdId: string; lockedUntil: number },
  ): Promise<{ booking: Booking | null; supersede?: string }> {
    for (const until = Date.now() + 250; ;) {
      const booking = await bookingOfKey(scope, requestHash);
      if (booking) return { booking };
      if (owner.lockedUntil <= Date.now()) return { booking: null, supersede: owner.holdId };
      if (Date.now() > until) return { booking: null };
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function reserveOnce(
    principal: Principal,
    input: ReserveSeatsInput,
    scope: IdempotencyScope,
    requestHash: string,
    supersede?: string,
  ): Promise<{ booking: Booking | null; supersede?: string }> {
    const bookingId = randomUUID();
    const expiresAt = new Date(Date.now() + deps.holdTtlSeconds * 1000);
    const keyToken = createHash("sha256")
      .update(`${scope.userId}\u0000${scope.operation}\u0000${scope.key}`)
      .digest("hex")
      .slice(0, 40);
    const abandoned = {
      holdId: bookingId,
      zoneId: input.zoneId,
      userId: principal.userId,
      quantity: input.quantity,
      expiresAt,
      keyToken,
    };
    let held;
    try {
      held = await inventory.holdSeats({
        holdId: bookingId,
        zoneId: input.zoneId,
        userId: principal.userId,
        quantity: input.quantity,
        expiresAt,
        key: { token: keyToken, lockedUntil: Date.now() + CLAIM_LOCK_MS, ttlMs: IDEMPOTENCY_TTL_MS, supersede },
      });
    } catch (error) {
      const owner = error instanceof DomainError ? error.details?.keyOwner : undefined;
      if (typeof owner === "string") {
        const lockedUntil = Number(error instanceof DomainError ? error.details?.lockedUntil : 0);
        return awaitOwner(scope, requestHash, { holdId: owner, lockedUntil });
      }
      // No definite answer (timeout, lost connection, inventory unavailable): inventory may
      // have taken the seats. Give them back, and make sure a request still in flight cannot.
      if (!(error instanceof DomainError) || error.code === "SERVICE_UNAVAILABLE") await releaser.release(abandoned);
      throw error;
    }
    const base = held.unitPriceMinor * input.quantity;
    const tax = Math.round((base * deps.taxRateBps) / 10_000);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const booking = await bookings.createWithOutbox(
            {
              id: bookingId,
              reference: generateBookingReference(),
              userId: principal.userId,
              zoneId: held.zoneId,
              slotId: held.slotId,
              venueId: held.venueId,
              quantity: input.quantity,
              status: AWAITING_PAYMENT,
              version: 1,
              price: { base, tax, discount: 0, total: base + tax, currency: held.currency },
              specialRequests: null,
              expiresAt: new Date(held.expiresAt),
              organizerId: held.organizerId,
              guestEmail: principal.email ?? null,
              organizerEmail: held.organizerEmail ?? null,
              slotStartsAt: new Date(held.slotStartsAt),
              cancellationDeadlineHours: held.cancellationDeadlineHours,
              cancellationPolicy: held.cancellationPolicy ?? null,
            },
            { actor: principal.userId, reason: "reserved" },
            bookingReserved,
            { ...scope, requestHash, ttlMs: IDEMPOTENCY_TTL_MS },
          );
          return { booking };
        } catch (error) {
          // A reference collision (one in ~10^9 per day) just draws another reference.
          if (attempt < 3 && isUniqueViolation(error, "bookings_reference_key")) continue;
          throw error;
        }
      }
    } catch (error) {
      // A lost connection may have lost the commit's answer rather than the commit: then the
      // booking exists and keeps its hold.
      const keyTaken = isUniqueViolation(error, IDEMPOTENCY_KEY_CONSTRAINT);
      await releaser.release({ ...abandoned, expiresAt: new Date(held.expiresAt), unlessBooked: !keyTaken });
      // The key already has a booking (made while the hold store did not know the key, e.g. in
      // another slot, or after Redis lost it): that booking is the answer.
      if (keyTaken) return { booking: await bookingOfKey(scope, requestHash) };
      throw error;
    }
  }

  return {
    async reserveSeats(principal: Principal | null, input: ReserveSeatsInput): Promise<Booking> {
      if (!principal) throw unauthenticated();
      validate(input);
      const scope = { userId: principal.userId, operation: "reserveSeats", key: input.idempotencyKey };
      const requestHash = createHash("sha256")
        .update(JSON.stringify([input.zoneId, input.quantity]))
        .digest("hex");
      // A twin that fails gives the key back, one that died is superseded after its lock; then
      // this request does the work itself.
      let supersede: string | undefined;
      for (const deadline = Date.now() + CLAIM_LOCK_MS + 5_000; Date.now() < deadline;) {
        const result = await reserveOnce(principal, input, scope, requestHash, supersede);
        if (result.booking) return result.booking;
        supersede = result.supersede;
      }
      throw new DomainError("CONFLICT", "Another request with this idempotency key is still in progress, please retry");
    },
  };
}
export type ReservationService = ReturnType<typeof createReservationService>;

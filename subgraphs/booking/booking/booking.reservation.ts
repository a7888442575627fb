import { createHash, randomUUID } from "node:crypto";
import type { Principal } from "../../../lib/auth";
import { isUniqueViolation } from "../../../lib/db";
import { badInput, DomainError, notFound, unauthenticated } from "../../../lib/errors";
import { isUuid } from "../../../lib/ids";
import type { IdempotencyRepository, IdempotencyScope } from "../idempotency/idempotency.repository";
import type { HoldReleaser } from "../inventory/hold.releaser";
import type { InventoryClient } from "../inventory/inventory.client";
import { bookingReserved } from "./booking.events";
import { generateBookingReference, type Booking } from "./booking.model";
import type { BookingRepository } from "./booking.repository";

export interface ReserveSeatsInput {
  zoneId: string;
  quantity: number;
  idempotencyKey: string;
}

const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const CLAIM_LOCK_MS = 30_000;
const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,128}$/;
const MAX_QUANTITY = 100;

/**
 * reserveSeats: claim the idempotency key → hold seats in inventory (atomic, fails closed) →
 * one transaction with the booking, its history, the outbox event and the key. Any failure
 * after the hold gives the seats back; a crash leaves a hold that lapses on its own.
 */
export function createReservationService(deps: {
  bookings: BookingRepository;
  idempotency: IdempotencyRepository;
  inventory: InventoryClient;
  releaser: HoldReleaser;
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

  /** Waits for a concurrent request with the same key to finish; null if it gave up. */
  async function awaitOriginal(scope: IdempotencyScope, requestHash: string): Promise<Booking | null> {
    for (;;) {
      const record = await idempotency.find(scope);
      if (!record) return null;
      if (record.requestHash !== requestHash) {
        throw new DomainError(
          "IDEMPOTENCY_KEY_REUSED",
          "This idempotency key was already used for a different request",
        );
      }
      if (record.completed) {
        const booking = await bookings.findById(record.bookingId);
        if (booking) return booking;
      }
      if (record.lockedUntil.getTime() < Date.now()) return null;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async function reserveOnce(
    principal: Principal,
    input: ReserveSeatsInput,
    scope: IdempotencyScope,
    requestHash: string,
  ) {
    const bookingId = randomUUID();
    const existing = await idempotency.claim(scope, {
      requestHash,
      bookingId,
      lockMs: CLAIM_LOCK_MS,
      ttlMs: IDEMPOTENCY_TTL_MS,
    });
    if (existing) return { retry: true as const, booking: await awaitOriginal(scope, requestHash) };

    const expiresAt = new Date(Date.now() + deps.holdTtlSeconds * 1000);
    const abandoned = {
      holdId: bookingId,
      zoneId: input.zoneId,
      userId: principal.userId,
      quantity: input.quantity,
      expiresAt,
    };
    let held;
    try {
      held = await inventory.holdSeats({
        holdId: bookingId,
        zoneId: input.zoneId,
        userId: principal.userId,
        quantity: input.quantity,
        expiresAt,
      });
    } catch (error) {
      // No definite answer (timeout, lost connection, inventory unavailable): inventory may
      // have taken the seats. Give them back, and make sure a request still in flight cannot.
      if (!(error instanceof DomainError) || error.code === "SERVICE_UNAVAILABLE") await releaser.release(abandoned);
      await idempotency.forget(scope, bookingId).catch(() => {});
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
              status: "PENDING",
              version: 1,
              price: { base, tax, discount: 0, total: base + tax, currency: held.currency },
              specialRequests: null,
              expiresAt: new Date(held.expiresAt),
              organizerId: held.organizerId,
              guestEmail: principal.email ?? null,
              organizerEmail: held.organizerEmail ?? null,
              slotStartsAt: new Date(held.slotStartsAt),
              cancellationDeadlineHours: held.cancellationDeadlineHours,
            },
            { actor: principal.userId, reason: "reserved" },
            bookingReserved,
            scope,
          );
          return { retry: false as const, booking };
        } catch (error) {
          // A reference collision (one in ~10^9 per day) just draws another reference.
          if (attempt < 3 && isUniqueViolation(error, "bookings_reference_key")) continue;
          throw error;
        }
      }
    } catch (error) {
      // A lost connection may have lost the commit's answer rather than the commit: then the
      // booking exists and keeps its hold.
      await releaser.release({ ...abandoned, expiresAt: new Date(held.expiresAt), unlessBooked: true });
      await idempotency.forget(scope, bookingId).catch(() => {});
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
      // A concurrent twin that fails gives the key back; then this request does the work itself.
      for (let attempt = 0; attempt < 5; attempt++) {
        const result = await reserveOnce(principal, input, scope, requestHash);
        if (result.booking) return result.booking;
      }
      throw new DomainError("CONFLICT", "Another request with this idempotency key is still in progress, please retry");
    },
  };
}
export type ReservationService = ReturnType<typeof createReservationService>;

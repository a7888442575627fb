import type { DomainEvent } from "../../../lib/contracts";
import { DomainError, notFound } from "../../../lib/core/errors";
import type { IdempotencyRecord, IdempotencyRepository, IdempotencyScope } from "../idempotency/idempotency.repository";
import type { HeldSeats, InventoryClient } from "../inventory/inventory.client";
import type { Booking } from "./booking.model";
import { bookingAfter, NO_CANCELLATION, type BookingRepository } from "./booking.repository";
import { CHANGEABLE_STATUSES, HOLD_EXPIRED, isPaid, SEATS_FREED_STATUSES, takesTopUps } from "./booking.state";

/**
 * In-memory ports of the booking services, for their unit tests: the repository's writes with
 * the same conditions as its SQL (status, version), the events they write, and an inventory that
 * holds, sells, resizes and releases seats. Copies go in and out, as with a database.
 */
type Port = Pick<
  BookingRepository,
  | "createWithOutbox"
  | "transitionWithOutbox"
  | "updateWithOutbox"
  | "expireDueWithOutbox"
  | "findById"
  | "listUnreleased"
  | "markSeatsReleased"
  | "listTopUpsDue"
>;

/** A unique violation as PostgreSQL reports it (see `isUniqueViolation`). */
const uniqueViolation = (constraint: string) => Object.assign(new Error(constraint), { code: "23505", constraint });

const copy = <T>(value: T): T => structuredClone(value);

export function createMemoryBookingStore() {
  const rows = new Map<string, Booking>();
  const released = new Set<string>();
  const keys = new Map<string, IdempotencyRecord>();
  /** The outbox: every event written, in order. */
  const events: DomainEvent[] = [];
  const history: { bookingId: string; from: string | null; to: string; actor: string; reason: string | null }[] = [];
  /** Makes the next write of this kind fail (a lost connection, a constraint). */
  const failures: { create?: Error } = {};
  const keyOf = (scope: IdempotencyScope) => `${scope.userId}\u0000${scope.operation}\u0000${scope.key}`;

  /** Stores `next` if the booking is still at `expectedVersion` and `when` holds; the stored copy, or null. */
  function write(
    id: string,
    expectedVersion: number,
    when: (current: Booking) => boolean,
    change: (current: Booking) => Booking,
  ) {
    const current = rows.get(id);
    if (!current || current.version !== expectedVersion || !when(current)) return null;
    const next = change(current);
    rows.set(id, copy(next));
    return copy(next);
  }

  const bookings: Port = {
    async createWithOutbox(booking, change, event, idempotency) {
      const failure = failures.create;
      delete failures.create;
      if (failure) throw failure;
      if (keys.has(keyOf(idempotency))) throw uniqueViolation("idempotency_keys_user_id_operation_key_pk");
      if ([...rows.values()].some((b) => b.reference === booking.reference))
        throw uniqueViolation("bookings_reference_key");
      const now = new Date();
      const created = bookingAfter.created(copy(booking), now);
      rows.set(created.id, copy(created));
      history.push({ bookingId: created.id, from: null, to: created.status, ...change });
      events.push(event(copy(created)));
      keys.set(keyOf(idempotency), {
        requestHash: idempotency.requestHash,
        bookingId: created.id,
        expiresAt: new Date(now.getTime() + idempotency.ttlMs),
      });
      return copy(created);
    },

    async transitionWithOutbox(change) {
      const next = write(
        change.bookingId,
        change.expectedVersion,
        (current) => current.status === change.from,
        (current) => bookingAfter.transition({ ...change, current }, new Date()),
      );
      if (!next) return null;
      history.push({
        bookingId: next.id,
        from: change.from,
        to: change.to,
        actor: change.actor,
        reason: change.reason,
      });
      events.push(change.event(copy(next)));
      return next;
    },

    async updateWithOutbox(change) {
      const next = write(
        change.current.id,
        change.expectedVersion,
        (current) => CHANGEABLE_STATUSES.includes(current.status),
        (current) => bookingAfter.update({ ...change, current }, new Date()),
      );
      if (next) events.push(change.event(copy(next)));
      return next;
    },

    async expireDueWithOutbox(now, limit, event) {
      const due = [...rows.values()]
        .filter((b) => b.status === HOLD_EXPIRED.from && b.expiresAt !== null && b.expiresAt <= now)
        .slice(0, limit);
      return due.map((booking) => {
        const expired = write(
          booking.id,
          booking.version,
          () => true,
          (current) => ({ ...current, status: HOLD_EXPIRED.to, version: current.version + 1, updatedAt: new Date() }),
        )!;
        history.push({
          bookingId: expired.id,
          from: HOLD_EXPIRED.from,
          to: HOLD_EXPIRED.to,
          actor: "system",
          reason: "hold expired",
        });
        events.push(event(copy(expired)));
        return expired;
      });
    },

    async findById(id) {
      const booking = rows.get(id);
      return booking ? copy(booking) : null;
    },

    async listUnreleased(limit) {
      return [...rows.values()]
        .filter((b) => SEATS_FREED_STATUSES.includes(b.status) && !released.has(b.id))
        .slice(0, limit)
        .map((b) => b.id);
    },

    async markSeatsReleased(bookingId) {
      released.add(bookingId);
    },

    async listTopUpsDue(now, limit) {
      return [...rows.values()]
        .filter(
          (b) => b.pendingSeats > 0 && takesTopUps(b.status) && b.topUpExpiresAt !== null && b.topUpExpiresAt <= now,
        )
        .slice(0, limit)
        .map((b) => b.id);
    },
  };

  const idempotency: Pick<IdempotencyRepository, "find" | "deleteExpired"> = {
    async find(scope) {
      const record = keys.get(keyOf(scope));
      return record ? copy(record) : null;
    },
    async deleteExpired(scope) {
      const record = keys.get(keyOf(scope));
      if (!record || record.expiresAt.getTime() > Date.now()) return false;
      return keys.delete(keyOf(scope));
    },
  };

  return {
    bookings,
    idempotency,
    events,
    history,
    failures,
    /** Puts a booking in as it is (a test's starting point). */
    put(booking: Booking) {
      rows.set(booking.id, copy(booking));
    },
    /** The event types written, in order. */
    eventTypes: () => events.map((event) => event.eventType),
  };
}
export type MemoryBookingStore = ReturnType<typeof createMemoryBookingStore>;

/** A zone the memory inventory sells seats of. */
export interface MemoryZone {
  zoneId: string;
  slotId: string;
  venueId: string;
  available: number;
  unitPriceMinor: number;
  currency: string;
  organizerId: string;
  organizerEmail: string | null;
  slotStartsAt: Date;
  cancellationDeadlineHours: number | null;
  cancellationPolicy: HeldSeats["cancellationPolicy"];
}

interface MemoryHold {
  zoneId: string;
  userId: string;
  quantity: number;
  status: "HELD" | "SOLD" | "RELEASED";
}

/**
 * The inventory subgraph's hold operations in memory: seats per zone, holds by id, idempotency
 * key digests with their owner. `failures` makes the next call of an operation fail.
 */
export function createMemoryInventory(zones: MemoryZone[] = []) {
  const byId = new Map(zones.map((zone) => [zone.zoneId, { ...zone }]));
  const holds = new Map<string, MemoryHold>();
  const keyOwners = new Map<string, { holdId: string; lockedUntil: number }>();
  const calls: { operation: keyof InventoryClient; holdId: string }[] = [];
  const failures: Partial<Record<keyof InventoryClient, Error>> = {};
  const failIfAsked = (operation: keyof InventoryClient, holdId: string) => {
    calls.push({ operation, holdId });
    const failure = failures[operation];
    delete failures[operation];
    if (failure) throw failure;
  };
  const zoneOf = (zoneId: string) => {
    const zone = byId.get(zoneId);
    if (!zone) throw notFound("Zone");
    return zone;
  };

  const client: InventoryClient = {
    async holdSeats(request) {
      failIfAsked("holdSeats", request.holdId);
      const owner = request.key && keyOwners.get(request.key.token);
      if (owner && owner.holdId !== request.key?.supersede && holds.get(owner.holdId)?.status !== "RELEASED") {
        throw new DomainError("CONFLICT", "Another request with this idempotency key got there first", {
          keyOwner: owner.holdId,
          lockedUntil: owner.lockedUntil,
        });
      }
      const zone = zoneOf(request.zoneId);
      if (request.quantity > zone.available) {
        throw new DomainError("INSUFFICIENT_STOCK", zone.available === 0 ? "Sold out" : "Not enough seats", {
          requested: request.quantity,
          available: zone.available,
        });
      }
      zone.available -= request.quantity;
      holds.set(request.holdId, {
        zoneId: zone.zoneId,
        userId: request.userId,
        quantity: request.quantity,
        status: "HELD",
      });
      if (request.key)
        keyOwners.set(request.key.token, { holdId: request.holdId, lockedUntil: request.key.lockedUntil });
      return {
        holdId: request.holdId,
        zoneId: zone.zoneId,
        slotId: zone.slotId,
        venueId: zone.venueId,
        unitPriceMinor: zone.unitPriceMinor,
        currency: zone.currency,
        expiresAt: request.expiresAt.toISOString(),
        available: zone.available,
        organizerId: zone.organizerId,
        organizerEmail: zone.organizerEmail,
        slotStartsAt: zone.slotStartsAt.toISOString(),
        cancellationDeadlineHours: zone.cancellationDeadlineHours,
        cancellationPolicy: zone.cancellationPolicy,
      };
    },

    async releaseHold(holdId, requested) {
      failIfAsked("releaseHold", holdId);
      const hold = holds.get(holdId);
      if (!hold) {
        if (requested) holds.set(holdId, { ...requested, status: "RELEASED" });
        return { released: Boolean(requested) };
      }
      if (hold.status !== "RELEASED") zoneOf(hold.zoneId).available += hold.quantity;
      hold.status = "RELEASED";
      if (requested?.keyToken) keyOwners.delete(requested.keyToken);
      return { released: true };
    },

    async sellHold(holdId) {
      failIfAsked("sellHold", holdId);
      const hold = holds.get(holdId);
      if (!hold || hold.status === "RELEASED") return { sold: false };
      hold.status = "SOLD";
      return { sold: true };
    },

    async resizeHold(holdId, fromQuantity, quantity) {
      failIfAsked("resizeHold", holdId);
      const hold = holds.get(holdId);
      if (!hold || hold.status === "RELEASED") throw notFound("Hold");
      if (hold.quantity !== fromQuantity) throw new DomainError("CONFLICT", "The hold changed meanwhile");
      const zone = zoneOf(hold.zoneId);
      if (quantity - fromQuantity > zone.available) {
        throw new DomainError("INSUFFICIENT_STOCK", "Not enough seats", { available: zone.available });
      }
      zone.available -= quantity - fromQuantity;
      hold.quantity = quantity;
      return { quantity, available: zone.available };
    },
  };

  return {
    client,
    calls,
    failures,
    /** The hold of a booking (its id), as inventory has it. */
    hold: (holdId: string) => (holds.has(holdId) ? { ...holds.get(holdId)! } : null),
    available: (zoneId: string) => zoneOf(zoneId).available,
    /** Operations called on a hold, in order. */
    callsFor: (holdId: string) => calls.filter((call) => call.holdId === holdId).map((call) => call.operation),
  };
}
export type MemoryInventory = ReturnType<typeof createMemoryInventory>;

/** A booking to start a test from: two seats of a 100.00 EUR zone, PENDING for another 10 minutes. */
export function bookingFixture(overrides: Partial<Booking> = {}): Booking {
  const now = Date.now();
  return {
    id: "5b0e6d1c-0000-4000-8000-000000000001",
    reference: "BR-20261101-TESTAA",
    userId: "guest-1",
    zoneId: "5b0e6d1c-0000-4000-8000-0000000000a1",
    slotId: "5b0e6d1c-0000-4000-8000-0000000000b1",
    venueId: "5b0e6d1c-0000-4000-8000-0000000000c1",
    quantity: 2,
    status: "PENDING",
    version: 1,
    price: { base: 20_000, tax: 4_600, discount: 0, total: 24_600, currency: "EUR" },
    specialRequests: null,
    expiresAt: new Date(now + 600_000),
    organizerId: "organizer-1",
    guestEmail: "guest@example.com",
    organizerEmail: "venue@example.com",
    slotStartsAt: new Date(now + 7 * 86_400_000),
    cancellationDeadlineHours: 24,
    cancellationPolicy: null,
    ...NO_CANCELLATION,
    pendingSeats: 0,
    topUpExpiresAt: null,
    createdAt: new Date(now - 60_000),
    updatedAt: new Date(now - 60_000),
    ...overrides,
  };
}

/** A zone of the memory inventory matching `bookingFixture`. */
export function zoneFixture(overrides: Partial<MemoryZone> = {}): MemoryZone {
  const booking = bookingFixture();
  return {
    zoneId: booking.zoneId,
    slotId: booking.slotId,
    venueId: booking.venueId,
    available: 10,
    unitPriceMinor: 10_000,
    currency: "EUR",
    organizerId: booking.organizerId!,
    organizerEmail: booking.organizerEmail,
    slotStartsAt: booking.slotStartsAt!,
    cancellationDeadlineHours: booking.cancellationDeadlineHours,
    cancellationPolicy: [],
    ...overrides,
  };
}

/**
 * Puts `booking` (the fixture with `overrides`) in the store with the seats inventory holds for
 * it (sold once it is paid; unpaid added seats held on top), as the services leave it.
 */
export async function givenBooking(
  store: MemoryBookingStore,
  inventory: MemoryInventory,
  overrides: Partial<Booking> = {},
): Promise<Booking> {
  const booking = bookingFixture(overrides);
  const paidSeats = booking.quantity - booking.pendingSeats;
  await inventory.client.holdSeats({
    holdId: booking.id,
    zoneId: booking.zoneId,
    userId: booking.userId,
    quantity: paidSeats,
    expiresAt: booking.expiresAt ?? new Date(Date.now() + 3_600_000),
  });
  if (isPaid(booking.status)) await inventory.client.sellHold(booking.id);
  if (booking.pendingSeats > 0) await inventory.client.resizeHold(booking.id, paidSeats, booking.quantity);
  store.put(booking);
  return booking;
}

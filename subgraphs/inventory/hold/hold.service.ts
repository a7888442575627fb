import type { HeldSeats, HoldSeatsInput, RequestedHold } from "../../../lib/contracts";
import { DomainError, notFound } from "../../../lib/core/errors";
import type { Logger } from "../../../lib/observability/logger";
import type { ZoneContext, ZoneRepository } from "../zone/zone.repository";
import type { HoldRepository } from "./hold.repository";
import type { WaitlistGate } from "../waitlist/waitlist.gate";
import type { ClaimOutcome, HoldStore, ZoneDrift } from "./hold.store";

const unavailable = () =>
  new DomainError("SERVICE_UNAVAILABLE", "Seat reservations are temporarily unavailable, please retry shortly");

/**
 * Holds seats: the hold store decides atomically (and fails closed when it cannot be
 * reached), the Postgres ledger makes the decision durable. If the ledger write fails the
 * seats go straight back; if the process dies in between, the hold lapses by itself.
 *
 * Live availability is not published from here: every ledger statement that changes a zone's
 * available seats writes an `inventory.availability_changed` event into inventory's outbox in
 * that statement (hold.repository.ts), and the relay pushes it once committed
 * (inventory.outbox.ts). Only seats the store gives back without a ledger change (repairs of a
 * release cut short) get an event written here, on its own.
 */
export function createHoldService(deps: {
  store: HoldStore;
  ledger: HoldRepository;
  zones: ZoneRepository;
  logger: Logger;
  /** The zone's waitlist decides whether freed seats are the caller's (waitlist/waitlist.gate.ts). */
  waitlist?: WaitlistGate;
  now?: () => Date;
  /** Throws WAITING_ROOM_REQUIRED while the slot's waiting room is on and the user is not admitted. */
  requireAdmission?: (slotId: string, userId: string) => Promise<void>;
}) {
  const { store, ledger, zones, logger } = deps;
  // Holds this process finished releasing or selling (ledger and store), most recent last. The
  // event consumer runs right after the booking subgraph's own call, usually in this same
  // process: then its repeat needs no statement at all. A miss just takes the ledger path.
  const finished = new Map<string, "RELEASED" | "SOLD">();
  const remember = (holdId: string, status: "RELEASED" | "SOLD") => {
    if (finished.size >= 10_000) finished.delete(finished.keys().next().value!);
    finished.set(holdId, status);
  };
  // Seats the store gave back without a ledger change of this call: announced on their own
  // (a lost event only costs subscribers a push; the seats are right either way).
  const storeOnlyChange = (zone: { slotId: string; zoneId: string }) =>
    ledger
      .availabilityChanged(zone)
      .catch((error) => logger.warn("availability change not announced", { ...zone, error }));
  const now = deps.now ?? (() => new Date());
  // Every attempt needs the zone's slot, price and limits; in a flash sale that is thousands of
  // identical reads a second. They are kept for a second (catalog edits reach other instances
  // within that second; this instance's own edits clear it).
  const contexts = new Map<string, { context: ZoneContext | null; until: number }>();
  async function zoneContext(zoneId: string): Promise<ZoneContext | null> {
    const cached = contexts.get(zoneId);
    if (cached && cached.until > Date.now()) return cached.context;
    const context = await zones.findContext(zoneId);
    if (contexts.size > 10_000) contexts.clear();
    contexts.set(zoneId, { context, until: Date.now() + 1_000 });
    return context;
  }

  async function guarded<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof DomainError) throw error;
      logger.error("hold store unavailable", { error });
      throw unavailable();
    }
  }

  async function loadSlot(slotId: string): Promise<ZoneDrift[]> {
    const snapshot = await ledger.slotLedger(slotId);
    return guarded(() => store.load(snapshot, now()));
  }

  /**
   * Live seats left for zones of any number of slots, in the order asked, read in one hold-store
   * round trip (a request's whole list of zones). Slots the store does not know yet are loaded
   * from the ledger first, as on every other path.
   */
  async function availableOf(zones: readonly { slotId: string; zoneId: string }[]): Promise<number[]> {
    const zonesBySlot = new Map<string, Set<string>>();
    for (const { slotId, zoneId } of zones) zonesBySlot.set(slotId, (zonesBySlot.get(slotId) ?? new Set()).add(zoneId));
    const requests = [...zonesBySlot].map(([slotId, ids]) => ({ slotId, zoneIds: [...ids] }));
    const counts = await guarded(() => store.availableInSlots(requests));
    const cold = requests.filter((_, i) => counts[i].some((v) => v === null));
    if (cold.length > 0) {
      await Promise.all(cold.map(({ slotId }) => loadSlot(slotId)));
      const reread = await guarded(() => store.availableInSlots(cold));
      cold.forEach((request, i) => (counts[requests.indexOf(request)] = reread[i]));
    }
    const seats = new Map<string, number>();
    requests.forEach(({ slotId, zoneIds }, i) =>
      zoneIds.forEach((zoneId, j) => seats.set(`${slotId}/${zoneId}`, counts[i][j] ?? 0)),
    );
    return zones.map(({ slotId, zoneId }) => seats.get(`${slotId}/${zoneId}`)!);
  }

  function checkSaleWindow(context: ZoneContext) {
    const at = now();
    if (context.saleStartsAt && context.saleStartsAt > at) {
      throw new DomainError("BAD_USER_INPUT", `Sales for this slot open at ${context.saleStartsAt.toISOString()}`, {
        saleStartsAt: context.saleStartsAt.toISOString(),
      });
    }
    if (context.startsAt <= at) throw new DomainError("BAD_USER_INPUT", "This slot has already started");
  }

  return {
    async holdSeats(input: HoldSeatsInput): Promise<HeldSeats> {
      const context = await zoneContext(input.zoneId);
      if (!context) throw notFound("Zone");
      checkSaleWindow(context);
      // Without an admission nothing is taken, but the store still checks the idempotency key: a
      // retry of a reservation that got seats (its admission may have expired since) gets its booking.
      const refusal = await deps.requireAdmission?.(context.slotId, input.userId).then(
        () => null,
        (error: unknown) => {
          if (error instanceof DomainError && error.code === "WAITING_ROOM_REQUIRED") return error;
          throw error;
        },
      );
      if (input.quantity > context.maxPerUser) {
        throw new DomainError("MAX_PER_USER_EXCEEDED", `At most ${context.maxPerUser} seats per person for this slot`, {
          maxPerUser: context.maxPerUser,
          requested: input.quantity,
        });
      }
      const admission = deps.waitlist && !refusal ? await deps.waitlist.admission(input.zoneId, input.userId) : null;
      const waitlistOnly = !!refusal || admission?.kind === "queued";
      const request = { ...input, slotId: context.slotId, maxPerUser: context.maxPerUser, waitlistOnly };
      const offer = admission?.kind === "offer" ? admission.offer : null;
      // With an offer, the offer's hold becomes this request's hold in one store step.
      const take = (): Promise<ClaimOutcome> =>
        offer ? store.claim(request, offer.holdId, now()) : store.hold(request);
      let outcome = await guarded(take);
      if (outcome.kind === "not-loaded") {
        await loadSlot(context.slotId);
        outcome = await guarded(take);
      }
      switch (outcome.kind) {
        case "offer-gone":
          throw new DomainError("RESERVATION_EXPIRED", "Your waitlist offer for this zone has lapsed");
        case "offer-smaller":
          throw new DomainError("BAD_USER_INPUT", `Your waitlist offer is for ${outcome.offered} seats`, {
            field: "quantity",
            offered: outcome.offered,
            requested: input.quantity,
          });
        case "key-taken":
          throw new DomainError("CONFLICT", "Another request with this idempotency key got there first", {
            keyOwner: outcome.holdId,
            lockedUntil: outcome.lockedUntil,
          });
        case "insufficient":
          if (refusal) throw refusal;
          if (waitlistOnly) {
            throw new DomainError(
              "INSUFFICIENT_STOCK",
              "Seats freed in this zone go to its waitlist first: join it with joinWaitlist",
              { requested: input.quantity, available: 0, waitlist: true },
            );
          }
          throw new DomainError(
            "INSUFFICIENT_STOCK",
            outcome.available === 0 ? "Sold out" : `Only ${outcome.available} seats left`,
            { requested: input.quantity, available: outcome.available },
          );
        case "over-limit":
          throw new DomainError(
            "MAX_PER_USER_EXCEEDED",
            `At most ${context.maxPerUser} seats per person for this slot`,
            {
              maxPerUser: context.maxPerUser,
              alreadyHeld: outcome.alreadyHeld,
              requested: input.quantity,
            },
          );
        case "not-loaded":
          throw unavailable();
      }
      const ref = { holdId: input.holdId, slotId: context.slotId, zoneId: input.zoneId, userId: input.userId };
      // Undoing a taken offer puts the offer back as it was (the ledger still has it).
      const restoreOffer = async () => {
        if (!offer) return;
        await store.hold({
          holdId: offer.holdId,
          slotId: context.slotId,
          zoneId: input.zoneId,
          userId: input.userId,
          quantity: offer.quantity,
          maxPerUser: Number.MAX_SAFE_INTEGER,
          expiresAt: offer.expiresAt,
        });
      };
      const undo = () =>
        store
          .release(ref)
          .then(restoreOffer)
          .catch((releaseError) =>
            logger.error("could not undo a hold", { holdId: input.holdId, error: releaseError }),
          );
      let existing;
      const row = {
        id: input.holdId,
        zoneId: input.zoneId,
        slotId: context.slotId,
        userId: input.userId,
        quantity: input.quantity,
        expiresAt: input.expiresAt,
      };
      try {
        // Writes the zone's availability event too, when it records the hold (and, for an offer,
        // releases the offer's hold and marks the entry ACCEPTED in the same statement).
        existing = offer ? await ledger.insertFromOffer(row, offer.holdId) : await ledger.insert(row);
        if (offer) deps.waitlist?.forget(input.zoneId);
      } catch (error) {
        if (outcome.kind === "held") await undo();
        throw error;
      }
      // The booking gave up on this hold (its call timed out) and released the id before this
      // request got here: the seats go straight back and nobody holds them.
      if (existing?.status === "RELEASED") {
        await undo();
        throw new DomainError("CONFLICT", "This hold was cancelled by its requester");
      }
      return {
        holdId: input.holdId,
        zoneId: input.zoneId,
        slotId: context.slotId,
        venueId: context.venueId,
        unitPriceMinor: context.priceMinor,
        currency: context.currency,
        expiresAt: input.expiresAt.toISOString(),
        available: outcome.available,
        organizerId: context.ownerId,
        organizerEmail: context.contactEmail,
        slotStartsAt: context.startsAt.toISOString(),
        cancellationDeadlineHours: context.cancellationDeadlineHours,
        cancellationPolicy: context.cancellationPolicy,
      };
    },

    /**
     * Changes how many seats an active hold has: an increase is taken atomically (or refused
     * with INSUFFICIENT_STOCK / MAX_PER_USER_EXCEEDED), a decrease gives seats back.
     */
    async resizeHold(holdId: string, from: number, quantity: number): Promise<{ quantity: number; available: number }> {
      const hold = await ledger.findById(holdId);
      if (!hold || hold.status === "RELEASED") throw notFound("Hold");
      const changedMeanwhile = () =>
        new DomainError("CONFLICT", "The booking was modified by another request, please retry");
      if (hold.quantity !== from) throw changedMeanwhile();
      const context = await zoneContext(hold.zoneId);
      if (!context) throw notFound("Zone");
      if (quantity > context.maxPerUser) {
        throw new DomainError("MAX_PER_USER_EXCEEDED", `At most ${context.maxPerUser} seats per person for this slot`, {
          maxPerUser: context.maxPerUser,
          requested: quantity,
        });
      }
      const ref = { holdId, slotId: hold.slotId, zoneId: hold.zoneId, userId: hold.userId };
      let outcome = await guarded(() => store.resize(ref, from, quantity, context.maxPerUser));
      if (outcome.kind === "not-loaded") {
        await loadSlot(hold.slotId);
        outcome = await guarded(() => store.resize(ref, from, quantity, context.maxPerUser));
      }
      if (outcome.kind === "changed") throw changedMeanwhile();
      if (outcome.kind === "insufficient") {
        throw new DomainError("INSUFFICIENT_STOCK", `Only ${outcome.available} more seats left`, {
          requested: quantity - hold.quantity,
          available: outcome.available,
        });
      }
      if (outcome.kind === "over-limit") {
        throw new DomainError("MAX_PER_USER_EXCEEDED", `At most ${context.maxPerUser} seats per person for this slot`, {
          maxPerUser: context.maxPerUser,
          alreadyHeld: outcome.alreadyHeld,
        });
      }
      if (outcome.kind !== "held") throw unavailable();
      const undo = () => store.resize(ref, quantity, from, Number.MAX_SAFE_INTEGER).catch(() => {});
      try {
        // Writes the zone's availability event too.
        if (!(await ledger.setQuantity(holdId, from, quantity))) {
          await undo();
          throw changedMeanwhile();
        }
      } catch (error) {
        if (!(error instanceof DomainError)) await undo();
        throw error;
      }
      return { quantity, available: outcome.available };
    },

    /**
     * The booking is paid: its held seats become sold and no longer lapse. Repeating it is
     * harmless (`sold: true` again); a hold that was already released cannot be sold
     * (`sold: false`): its seats may belong to someone else by now. Nothing is announced:
     * held seats becoming sold leave the zone's available seats as they were.
     */
    async sellHold(holdId: string, options: { fromEvent?: boolean } = {}): Promise<{ sold: boolean }> {
      if (options.fromEvent && finished.get(holdId) === "SOLD") return { sold: true };
      const hold = await ledger.markSold(holdId);
      // A repeat (the event consumer after the booking's own call): the store was told the first
      // time (or the reconcile repairs it from the ledger); nothing changed.
      if (!hold) return { sold: (await ledger.findById(holdId))?.status === "SOLD" };
      await guarded(() => store.markSold({ holdId, slotId: hold.slotId }))
        .then(() => remember(holdId, "SOLD"))
        .catch((error) =>
          logger.warn("hold sold in the ledger only; the next reconcile repairs the store", { holdId, error }),
        );
      return { sold: true };
    },

    /**
     * Gives a hold's seats back. Repeating it, or releasing an unknown hold, is harmless (a
     * repeat finishes the store side of a release that was cut short).
     * With `requested` (what the hold request asked for), an id the ledger does not know yet is
     * recorded as released, so a hold request still in flight (its caller timed out) is refused
     * when it lands, and seats the store took for it without a ledger row are given back now.
     * The ledger write that releases the hold writes the zone's availability event; a repeat
     * writes none (unless the store still had the seats: see below).
     */
    async releaseHold(
      holdId: string,
      requested?: RequestedHold,
      options: { finishRepeat?: boolean } = {},
    ): Promise<{ released: boolean }> {
      if (options.finishRepeat === false && finished.get(holdId) === "RELEASED") return { released: true };
      const forgetKey = requested?.keyToken;
      let hold = await ledger.markReleased(holdId); // with the availability event when it released
      if (!hold && requested) {
        const context = await zoneContext(requested.zoneId);
        if (!context) return { released: false };
        const ref = { holdId, slotId: context.slotId, zoneId: requested.zoneId, userId: requested.userId };
        if (await ledger.insertReleased({ id: holdId, ...ref, quantity: requested.quantity })) {
          const released = await guarded(() => store.release(ref, forgetKey));
          // The store had taken seats for the request in flight: they are free again.
          if (released) await storeOnlyChange(ref);
          return { released };
        }
        hold = await ledger.markReleased(holdId); // the hold was recorded meanwhile
      }
      // Already released: a repeat, or a retry after a release whose ledger write committed but
      // whose answer was lost (the connection dropped) before the store gave the seats back. The
      // store release is idempotent, so it runs again; without it those seats stay taken.
      // The event consumer (options.finishRepeat false) runs after the booking subgraph's own
      // release: a repeat there is the normal case and is not done twice. A lost answer is
      // repaired by the booking's retry (finishRepeat) and by the reconcile.
      const repeat = !hold;
      if (repeat && options.finishRepeat === false) return { released: true };
      hold ??= await ledger.findById(holdId);
      if (!hold) return { released: false };
      const storeReleased = await guarded(() =>
        store.release({ holdId, slotId: hold.slotId, zoneId: hold.zoneId, userId: hold.userId }, forgetKey),
      )
        .then((released) => {
          remember(holdId, "RELEASED");
          return released;
        })
        .catch((error) => {
          logger.warn("hold released in the ledger only; the next reconcile repairs the counter", {
            holdId,
            error,
          });
          return false;
        });
      // A repeat that gave seats back finished a release whose ledger write (and event) committed
      // while the store still counted them: announced again, now that they are free.
      if (repeat && storeReleased) await storeOnlyChange(hold);
      return { released: true };
    },

    /**
     * Releases holds that lapsed more than `graceMs` ago (their bookings' sweeper missed them);
     * the ledger statement writes one availability event per zone.
     */
    async releaseLapsedHolds(graceMs: number, batch = 500): Promise<number> {
      const lapsed = await ledger.releaseLapsed(new Date(now().getTime() - graceMs), batch);
      for (const hold of lapsed) {
        await guarded(() =>
          store.release({ holdId: hold.id, slotId: hold.slotId, zoneId: hold.zoneId, userId: hold.userId }),
        ).catch((error) => logger.warn("lapsed hold released in the ledger only", { holdId: hold.id, error }));
      }
      return lapsed.length;
    },

    loadSlot,

    /** Forgets cached zone facts after a catalog change. */
    forgetZones(): void {
      contexts.clear();
    },

    /**
     * Sets a zone's capacity: the counter moves first (refused if that would take seats that
     * are held or sold), then `persist` writes the row (and, in the same transaction, the zone's
     * availability event: zone.repository.ts); if that fails the counter moves back.
     */
    async changeCapacity<T>(
      zone: { id: string; slotId: string; capacity: number },
      capacity: number,
      persist: () => Promise<T>,
    ): Promise<T> {
      const delta = capacity - zone.capacity;
      const adjust = async (by: number) => {
        try {
          return await store.adjustCapacity(zone.slotId, zone.id, by);
        } catch {
          await loadSlot(zone.slotId);
          return guarded(() => store.adjustCapacity(zone.slotId, zone.id, by));
        }
      };
      const result = await adjust(delta);
      if (!result.ok) {
        const minimum = zone.capacity - result.available;
        throw new DomainError("BAD_USER_INPUT", `Capacity cannot go below the ${minimum} seats already held or sold`, {
          field: "capacity",
          minimum,
        });
      }
      try {
        return await persist();
      } catch (error) {
        await adjust(-delta).catch((undoError) =>
          logger.error("capacity counter not restored; reconcile repairs it", { error: undoError }),
        );
        throw error;
      }
    },

    /** Rebuilds every active slot from the ledger; returns the loaded zones whose counter was wrong. */
    async reconcile(): Promise<(ZoneDrift & { slotId: string })[]> {
      const changed: (ZoneDrift & { slotId: string })[] = [];
      for (const slotId of await ledger.activeSlotIds(now())) {
        for (const drift of await loadSlot(slotId)) {
          if (drift.before !== null && drift.before !== drift.after) changed.push({ slotId, ...drift });
        }
      }
      return changed;
    },

    availableOf,
  };
}
export type HoldService = ReturnType<typeof createHoldService>;

import type { AppDatabase } from "../../../lib/storage/db";
import type { Logger } from "../../../lib/observability/logger";
import type { HoldService } from "../hold/hold.service";
import type { HoldStore } from "../hold/hold.store";
import type { ZoneRepository } from "../zone/zone.repository";
import type { WaitlistGate } from "./waitlist.gate";
import type { RecordedOffer, WaitlistRepository } from "./waitlist.repository";

/**
 * Turns a zone's free seats into offers for its waitlist, in queue order: the first WAITING entry
 * whose quantity fits the seats left gets them, an entry that does not fit is passed over (it keeps
 * its place) and the walk goes on with smaller ones.
 *
 * Exactly once per freed seat, no seat offered twice:
 * - one zone is walked by one caller at a time (a transaction-scoped advisory lock), whatever
 *   the number of consumers or repeats of an event;
 * - seats come from the hold store's atomic hold, so an offer can only take seats nobody holds;
 *   the offer's hold id is the entry's id, so a repeat cannot hold twice for one entry;
 * - the entries, their holds in the ledger and the events (availability, `waitlist_offered`)
 *   commit together; if that fails, the seats taken in the store go straight back.
 * It is driven by state, not by counting events: any number of events for a zone (seats freed,
 * someone joined) leads to the same offers.
 */
export function createOfferMaker(deps: {
  db: AppDatabase;
  waitlist: WaitlistRepository;
  store: HoldStore;
  holds: Pick<HoldService, "availableOf" | "loadSlot">;
  zones: Pick<ZoneRepository, "findContext">;
  gate?: WaitlistGate;
  offerTtlSeconds: number;
  /** How long to wait for the store to catch up with a release the ledger already shows. */
  settleMs?: number;
  logger: Logger;
  now?: () => Date;
}) {
  const { db, waitlist, store, holds, zones, logger } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * The store's free seats once it agrees with the ledger. A release writes the ledger (and the
   * event that brought us here) before it gives the seats back in the store, so the event can
   * arrive first: the seats would then never be offered. Waits (up to `settleMs`) while the
   * store shows fewer free seats than the ledger; past that the store's count is used (its
   * disagreement is a repair for the reconcile, and the next event of the zone offers the rest).
   */
  async function settledFree(tx: AppDatabase, slotId: string, zoneId: string): Promise<number> {
    const deadline = Date.now() + (deps.settleMs ?? 1_000);
    for (;;) {
      const [free] = await holds.availableOf([{ slotId, zoneId }]);
      if (free >= (await waitlist.ledgerFree(tx, zoneId)) || Date.now() >= deadline) return free;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Offers the zone's free seats to its waitlist; returns the entries that got an offer. */
  async function offerFreedSeats(zoneId: string): Promise<RecordedOffer[]> {
    const context = await zones.findContext(zoneId);
    if (!context || context.startsAt <= now()) return [];
    const taken: RecordedOffer[] = [];
    try {
      const recorded = await db.transaction(async (tx) => {
        await waitlist.lockZone(tx, zoneId);
        const queue = await waitlist.waiting(tx, zoneId);
        if (!queue.length) return [];
        let free = await settledFree(tx, context.slotId, zoneId);
        for (const entry of queue) {
          if (free <= 0) break;
          if (entry.quantity > free) continue;
          const expiresAt = new Date(now().getTime() + deps.offerTtlSeconds * 1000);
          const request = {
            holdId: entry.id,
            slotId: context.slotId,
            zoneId,
            userId: entry.userId,
            quantity: entry.quantity,
            maxPerUser: context.maxPerUser,
            expiresAt,
          };
          let outcome = await store.hold(request);
          if (outcome.kind === "not-loaded") {
            await holds.loadSlot(context.slotId);
            outcome = await store.hold(request);
          }
          if (outcome.kind === "held" || outcome.kind === "already-held") {
            taken.push({ entry, expiresAt });
            free = outcome.available;
          } else if (outcome.kind === "insufficient") {
            free = outcome.available;
          }
          // over-limit: the user holds or bought as many seats in the slot as allowed; they stay
          // in the queue (a cancellation of theirs makes room) and the seats go to the next.
        }
        return waitlist.recordOffers(tx, taken);
      });
      const unrecorded = taken.filter(({ entry }) => !recorded.includes(entry.id));
      if (unrecorded.length) await giveBack(unrecorded, context.slotId);
      if (recorded.length) deps.gate?.forget(zoneId);
      return taken.filter(({ entry }) => recorded.includes(entry.id));
    } catch (error) {
      await giveBack(taken, context.slotId);
      throw error;
    }
  }

  async function giveBack(offers: RecordedOffer[], slotId: string) {
    for (const { entry } of offers) {
      await store
        .release({ holdId: entry.id, slotId, zoneId: entry.zoneId, userId: entry.userId })
        .catch((error) =>
          logger.warn("offer seats not given back; they lapse with the offer", { entryId: entry.id, error }),
        );
    }
  }

  /**
   * Offers past their time lapse (their entries leave the queue) and their seats are released;
   * the availability events that writes pass the seats on to the next entries.
   */
  async function lapseOffers(): Promise<number> {
    const lapsed = await waitlist.lapseDue(now());
    for (const entry of lapsed) {
      await store
        .release({ holdId: entry.id, slotId: entry.slotId, zoneId: entry.zoneId, userId: entry.userId })
        .catch((error) => logger.warn("lapsed offer released in the ledger only", { entryId: entry.id, error }));
      deps.gate?.forget(entry.zoneId);
    }
    return lapsed.length;
  }

  return { offerFreedSeats, lapseOffers };
}
export type OfferMaker = ReturnType<typeof createOfferMaker>;

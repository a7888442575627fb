import type { Principal } from "../../../lib/core/auth";
import { badInput, notFound, unauthenticated } from "../../../lib/core/errors";
import { isUuid } from "../../../lib/core/ids";
import type { Logger } from "../../../lib/observability/logger";
import type { HoldService } from "../hold/hold.service";
import type { HoldStore } from "../hold/hold.store";
import type { ZoneRepository } from "../zone/zone.repository";
import type { WaitlistGate } from "./waitlist.gate";
import type { WaitlistEntry, WaitlistRepository } from "./waitlist.repository";

/**
 * Joining and leaving a zone's waitlist (README: Waitlist). Offers are made by the offer-maker
 * (waitlist.offers.ts) from inventory's events, and taken with `reserveSeats` (hold.service.ts).
 */
export function createWaitlistService(deps: {
  waitlist: WaitlistRepository;
  zones: Pick<ZoneRepository, "findContext">;
  holds: Pick<HoldService, "availableOf">;
  store: Pick<HoldStore, "release">;
  gate?: WaitlistGate;
  logger: Logger;
  now?: () => Date;
}) {
  const { waitlist, zones, holds, store, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const signedIn = (principal: Principal | null): Principal => {
    if (!principal) throw unauthenticated("Sign in to use the waitlist");
    return principal;
  };

  return {
    /**
     * Joins the zone's waitlist with `quantity` seats (1..the slot's maxPerUser), or changes the
     * quantity of a WAITING entry (its place stays). Only for a zone that is sold out, or whose
     * freed seats already go to a queue; otherwise BAD_USER_INPUT: reserve the seats instead.
     */
    async join(principal: Principal | null, zoneId: string, quantity: number): Promise<WaitlistEntry> {
      const user = signedIn(principal);
      if (!isUuid(zoneId)) throw notFound("Zone");
      const context = await zones.findContext(zoneId);
      if (!context) throw notFound("Zone");
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > context.maxPerUser) {
        throw badInput(
          `quantity must be a whole number from 1 to ${context.maxPerUser} (this slot's limit per person)`,
          {
            field: "quantity",
            maxPerUser: context.maxPerUser,
          },
        );
      }
      if (context.startsAt <= now()) throw badInput("This slot has already started", { field: "zoneId" });
      if (context.saleStartsAt && context.saleStartsAt > now()) {
        throw badInput(`Sales for this slot open at ${context.saleStartsAt.toISOString()}: reserve then`, {
          field: "zoneId",
          saleStartsAt: context.saleStartsAt.toISOString(),
        });
      }
      const existing = await waitlist.findActive(zoneId, user.userId);
      if (!existing) {
        const [available] = await holds.availableOf([{ slotId: context.slotId, zoneId }]);
        // Seats are free and nobody queues for them: they are the caller's to reserve.
        if (available > 0 && !(await waitlist.admissionOf(zoneId, user.userId)).waiting) {
          throw badInput(`${available} seats are available in this zone: reserve them with reserveSeats`, {
            field: "zoneId",
            available,
          });
        }
      }
      const entry = await waitlist.join({
        zoneId,
        slotId: context.slotId,
        userId: user.userId,
        email: user.email ?? null,
        quantity,
      });
      deps.gate?.forget(zoneId);
      return entry;
    },

    /**
     * Leaves the zone's waitlist: the entry becomes LEFT and an offer it held is given back (and
     * passes on to the next entry). NOT_FOUND when the user has no active entry in the zone.
     */
    async leave(principal: Principal | null, zoneId: string): Promise<WaitlistEntry> {
      const user = signedIn(principal);
      if (!isUuid(zoneId)) throw notFound("Waitlist entry");
      const left = await waitlist.leave(zoneId, user.userId);
      if (!left) throw notFound("Waitlist entry");
      deps.gate?.forget(zoneId);
      const { entry } = left;
      if (left.releasedOffer) {
        await store
          .release({ holdId: entry.id, slotId: entry.slotId, zoneId: entry.zoneId, userId: entry.userId })
          .catch((error) =>
            logger.warn("left offer released in the ledger only; the next reconcile repairs the counter", {
              entryId: entry.id,
              error,
            }),
          );
      }
      return entry;
    },

    async mine(principal: Principal | null): Promise<WaitlistEntry[]> {
      return waitlist.listByUser(signedIn(principal).userId);
    },
  };
}
export type WaitlistService = ReturnType<typeof createWaitlistService>;

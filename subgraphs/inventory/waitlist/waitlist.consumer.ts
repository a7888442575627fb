import type { Registry } from "prom-client";
import { isEvent } from "../../../lib/contracts";
import { createInboxConsumer } from "../../../lib/messaging/event-consumer";
import type { Logger } from "../../../lib/observability/logger";
import type { AppDatabase } from "../../../lib/storage/db";
import type { OfferMaker } from "./waitlist.offers";
import type { WaitlistRepository } from "./waitlist.repository";

/**
 * The zones that have a waitlist, as the offer consumer knows them: refreshed from the table
 * (one statement for all zones, every sweep) and added to as soon as a join's event is seen.
 *
 * Why: every hold and release writes an availability event, so in a flash sale the consumer
 * sees one per reservation. Events of zones without a waitlist are skipped before any SQL
 * (no inbox row, no lock); without that, a reservation cost inventory five more statements.
 * It is safe: a zone's first join writes `inventory.waitlist_joined`, which is always handled,
 * and the offer-maker works from the zone's current seats, so seats whose event was skipped
 * before the join was known are offered when the join's event is handled.
 */
export function createWaitlistedZones(waitlist: Pick<WaitlistRepository, "zonesWithActiveEntries">) {
  let zones = new Set<string>();
  /** Joins seen while a refresh reads: its answer may predate them. */
  const joinedMeanwhile = new Set<string>();
  return {
    has: (zoneId: string) => zones.has(zoneId),
    async refresh(): Promise<void> {
      joinedMeanwhile.clear();
      const current = new Set(await waitlist.zonesWithActiveEntries());
      for (const zoneId of joinedMeanwhile) current.add(zoneId);
      zones = current;
    },
    /** A join's event was seen: the zone has a waitlist from now on. */
    joined(zoneId: string) {
      zones.add(zoneId);
      joinedMeanwhile.add(zoneId);
    },
  };
}
export type WaitlistedZones = ReturnType<typeof createWaitlistedZones>;

/**
 * Makes waitlist offers from inventory's events (topic `inventory.events`): seats freed by a
 * cancellation, an expiry, a failed payment, a lapsed or declined offer or a capacity increase,
 * and someone joining. The offer-maker is idempotent (it works from the zone's state under a
 * lock), so it runs before the inbox entry; a crash in between only repeats it.
 */
export function createWaitlistConsumer(deps: {
  offers: OfferMaker;
  zones: WaitlistedZones;
  db: AppDatabase;
  logger: Logger;
  registry?: Registry;
}) {
  const { offers, zones } = deps;
  return createInboxConsumer({
    name: "inventory-waitlist-offers",
    schema: "inventory",
    db: deps.db,
    logger: deps.logger,
    registry: deps.registry,
    handles: (event) => {
      if (isEvent(event, "inventory.waitlist_joined")) {
        zones.joined(event.payload.zoneId);
        return true;
      }
      return isEvent(event, "inventory.availability_changed") && zones.has(event.payload.zoneId);
    },
    idempotentEffect: async (event) => {
      if (isEvent(event, ["inventory.availability_changed", "inventory.waitlist_joined"])) {
        await offers.offerFreedSeats(event.payload.zoneId);
      }
    },
  });
}

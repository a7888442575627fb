import { getTableColumns, sql, type SQL } from "drizzle-orm";
import { inventoryDomainEvent, type EventPayloads } from "../../lib/contracts";
import { outboxRow } from "../../lib/messaging/outbox";
import { inventoryOutbox } from "./inventory.tables";

/**
 * Inventory's outbox (topic `inventory.events`) carries one kind of event: a zone's available
 * seats changed (`inventory.availability_changed`, lib/contracts/events.ts). The relay turns each
 * into the live message of the slot's availability channel (lib/contracts/live.ts), so a change is
 * pushed once it is committed, even when this process dies right after the commit.
 *
 * Written by the statement that changes the ledger: a hold recorded, resized or released (by the
 * booking, its events, or the lapse sweep), a zone's capacity set. Not by a sale (held seats
 * becoming sold leave `available` as it was) nor by a repeat that changes nothing.
 */

/** The zone's version in its events: zones keep none, and nothing orders availability events by it. */
const ZONE_VERSION = 0;

/** The availability event of one zone, as a row of inventory's outbox. */
export function availabilityEvent(zone: { slotId: string; zoneId: string }, actor: string | null) {
  return outboxRow(
    inventoryDomainEvent("inventory.availability_changed", { id: zone.zoneId, version: ZONE_VERSION }, actor, {
      slotId: zone.slotId,
      zoneId: zone.zoneId,
    }),
  );
}

/** The event's payload from a hold row (every field of the payload type, no other). */
const PAYLOAD_FROM_ROW: Record<keyof EventPayloads["inventory.availability_changed"], SQL> = {
  slotId: sql`slot_id::text`,
  zoneId: sql`zone_id::text`,
};

const columns = getTableColumns(inventoryOutbox);
const column = (name: keyof typeof columns) => sql.identifier(columns[name].name);

/**
 * The step of a data-modifying CTE that writes one availability event per zone of the hold rows
 * the `source` step returned (its `slot_id` and `zone_id`): none when it returned none (a repeat,
 * a conflict), one per zone for a batch. Part of the statement that changes the ledger, so the
 * event commits with the change or not at all, at no extra round trip.
 */
export function availabilityEventsFrom(source: string, actor: string | null): SQL {
  // The envelope as the typed helper builds it; each row then gets its own id, zone and payload.
  const event = availabilityEvent({ slotId: "", zoneId: "" }, actor);
  const payload = sql`jsonb_build_object(${sql.join(
    Object.entries(PAYLOAD_FROM_ROW).map(([key, value]) => sql`${sql.raw(`'${key}'`)}, ${value}`),
    sql`, `,
  )})`;
  return sql`insert into ${inventoryOutbox} (${column("eventId")}, ${column("eventType")}, ${column("aggregateType")},
      ${column("aggregateId")}, ${column("aggregateVersion")}, ${column("actor")}, ${column("traceparent")}, ${column("payload")})
    select gen_random_uuid(), ${event.eventType}, ${event.aggregateType}, zone_id::text, ${ZONE_VERSION},
      ${event.actor}::text, ${event.traceparent}::text, ${payload}
    from (select distinct slot_id, zone_id from ${sql.identifier(source)}) as changed`;
}

import { sql } from "drizzle-orm";
import { queryRows, type AppDatabase } from "../../lib/storage/db";

/**
 * What must hold for every zone once the platform is quiet: capacity = available + held + sold,
 * every held or sold seat belongs to a live booking of the same size (or a held one to a live
 * waitlist offer of that size, its entry's id), and every live booking
 * holds its seats. Returns the problems found (none: consistent). `available` reads the live
 * counter (through the gateway), the rest is read from the database.
 */
export async function zoneProblems(
  db: AppDatabase,
  zoneIds: string[],
  available: (zoneId: string) => Promise<number>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const zoneId of zoneIds) {
    const [zone] = await queryRows<{ capacity: number; active: number }>(
      db,
      sql`select z.capacity, coalesce((select sum(h.quantity) from inventory.holds h
            where h.zone_id = z.id and h.status in ('HELD', 'SOLD')), 0)::int as active
          from inventory.zones z where z.id = ${zoneId}`,
    );
    const left = await available(zoneId);
    if (zone.capacity !== left + zone.active) {
      problems.push(`zone ${zoneId}: capacity ${zone.capacity} ≠ available ${left} + held/sold ${zone.active}`);
    }
    const orphans = await queryRows<{ id: string; quantity: number; status: string; booking: string | null }>(
      db,
      sql`select h.id, h.quantity, h.status, b.status as booking from inventory.holds h
          left join booking.bookings b on b.id = h.id
          where h.zone_id = ${zoneId} and h.status in ('HELD', 'SOLD')
            and (b.id is null or b.status not in ('PENDING', 'CONFIRMED') or b.quantity <> h.quantity)
            and not exists (select 1 from inventory.waitlist_entries w where w.id = h.id
              and w.status = 'OFFERED' and w.offer_quantity = h.quantity and h.status = 'HELD')`,
    );
    for (const o of orphans) {
      problems.push(
        `hold ${o.id} (${o.status}, ${o.quantity} seats) belongs to no live booking (${o.booking ?? "none"})`,
      );
    }
    const unheld = await queryRows<{ id: string; status: string }>(
      db,
      sql`select b.id, b.status from booking.bookings b
          left join inventory.holds h on h.id = b.id and h.status in ('HELD', 'SOLD')
          where b.zone_id = ${zoneId} and b.status in ('PENDING', 'CONFIRMED') and h.id is null`,
    );
    for (const u of unheld) problems.push(`booking ${u.id} (${u.status}) holds no seats`);
  }
  return problems;
}

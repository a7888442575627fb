import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { expect } from "vitest";
import { DEMO_IDS } from "../../lib/core/demo";
import type { GraphQLResponse, TestPlatform } from "./platform";

/** Building blocks of end-to-end scenarios: a fresh zone, a reservation, what the ledger says. */
export const RESERVE = `mutation($input: ReserveSeatsInput!) {
  reserveSeats(input: $input) { id reference status quantity expiresAt version price { base tax discount total currency } }
}`;

export async function newZone(
  t: TestPlatform,
  capacity: number,
  options: { maxPerUser?: number; saleStartsAt?: string; startsAt?: Date; venueId?: string } = {},
) {
  const organizer = t.platform.demoTokens.organizer!;
  const startsAt = options.startsAt ?? new Date(Date.now() + 7 * 86_400_000);
  const slot = await t.query(
    `mutation($input: CreateSlotInput!) { createSlot(input: $input) { id maxPerUser } }`,
    {
      input: {
        venueId: options.venueId ?? DEMO_IDS.bistro,
        title: `Flash sale ${randomUUID().slice(0, 8)}`,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 7_200_000).toISOString(),
        maxPerUser: options.maxPerUser ?? 4,
        saleStartsAt: options.saleStartsAt,
      },
    },
    organizer,
  );
  expect(slot.errors).toBeUndefined();
  const zone = await t.query(
    `mutation($input: CreateZoneInput!) { createZone(input: $input) { id capacity available } }`,
    { input: { slotId: slot.data!.createSlot.id, name: "Floor", capacity, priceMinor: 2_000, currency: "EUR" } },
    organizer,
  );
  expect(zone.data!.createZone).toMatchObject({ capacity, available: capacity });
  return { zoneId: zone.data!.createZone.id as string, slotId: slot.data!.createSlot.id as string };
}

export const reserve = (
  t: TestPlatform,
  token: string,
  zoneId: string,
  quantity: number,
  key = `key-${randomUUID()}`,
) => t.query(RESERVE, { input: { zoneId, quantity, idempotencyKey: key } }, token);

export const codeOf = (response: GraphQLResponse) => response.errors?.[0]?.extensions?.code;

export async function available(t: TestPlatform, zoneId: string): Promise<number> {
  const response = await t.query(`query($id: ID!) { zone(id: $id) { available } }`, { id: zoneId });
  return response.data!.zone.available;
}

export async function ledgerHeld(t: TestPlatform, zoneId: string): Promise<number> {
  const [row] = await t.sql<{ held: number }>(
    "inventory",
    sql`select coalesce(sum(quantity), 0)::int as held from inventory.holds where zone_id = ${zoneId} and status <> 'RELEASED'`,
  );
  return row.held;
}

export async function pendingBookings(t: TestPlatform, zoneId: string) {
  return t.sql<{ id: string; user_id: string; quantity: number }>(
    "booking",
    sql`select id, user_id, quantity from booking.bookings where zone_id = ${zoneId} and status = 'PENDING'`,
  );
}

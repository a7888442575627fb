import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DomainError } from "../../lib/core/errors";
import { createLogger } from "../../lib/observability/logger";
import { queryRows } from "../../lib/storage/db";
import { createHoldRepository } from "../../subgraphs/inventory/hold/hold.repository";
import { createHoldService, type HoldService } from "../../subgraphs/inventory/hold/hold.service";
import type { HoldStore } from "../../subgraphs/inventory/hold/hold.store";
import { createMemoryHoldStore } from "../../subgraphs/inventory/hold/hold.store.memory";
import { slots, venues, zones } from "../../subgraphs/inventory/inventory.tables";
import { createWaitlistGate } from "../../subgraphs/inventory/waitlist/waitlist.gate";
import { createOfferMaker, type OfferMaker } from "../../subgraphs/inventory/waitlist/waitlist.offers";
import {
  createWaitlistRepository,
  type WaitlistRepository,
} from "../../subgraphs/inventory/waitlist/waitlist.repository";
import { createWaitlistService, type WaitlistService } from "../../subgraphs/inventory/waitlist/waitlist.service";
import { createZoneRepository } from "../../subgraphs/inventory/zone/zone.repository";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * The offer-maker on a real ledger (PostgreSQL when DATABASE_URL is set) with the embedded hold
 * store: queue order, skipping entries that do not fit, no seat offered twice under concurrent
 * runs, lapses passing on, and a reservation taking its offer over.
 */
describe("waitlist offers", () => {
  let test: TestDatabase;
  let store: HoldStore;
  let holds: HoldService;
  let waitlist: WaitlistRepository;
  let service: WaitlistService;
  let offers: OfferMaker;
  let clock = Date.now();
  const now = () => new Date(clock);
  const logger = createLogger("silent");

  beforeAll(async () => {
    test = await createTestDatabase();
    const db = test.database.db;
    store = createMemoryHoldStore();
    waitlist = createWaitlistRepository(db);
    const zoneRepository = createZoneRepository(db);
    const gate = createWaitlistGate(waitlist, { ttlMs: 0 });
    holds = createHoldService({
      store,
      ledger: createHoldRepository(db),
      zones: zoneRepository,
      logger,
      waitlist: gate,
    });
    offers = createOfferMaker({
      db,
      waitlist,
      store,
      holds,
      zones: zoneRepository,
      gate,
      offerTtlSeconds: 60,
      settleMs: 2_000,
      logger,
      now,
    });
    service = createWaitlistService({ waitlist, zones: zoneRepository, holds, store, gate, logger });
  });
  afterAll(() => test?.drop());

  async function soldOutZone(capacity: number, maxPerUser = 4) {
    const db = test.database.db;
    const [venue] = await db
      .insert(venues)
      .values({ name: "Waitlist hall", kind: "THEATRE", city: "Porto", ownerId: "organizer" })
      .returning();
    const startsAt = new Date(Date.now() + 7 * 86_400_000);
    const [slot] = await db
      .insert(slots)
      .values({
        venueId: venue.id,
        title: "Gala",
        startsAt,
        endsAt: new Date(startsAt.getTime() + 3_600_000),
        maxPerUser,
      })
      .returning();
    const [zone] = await db
      .insert(zones)
      .values({ slotId: slot.id, name: "Stalls", capacity, priceMinor: 1_000, currency: "EUR" })
      .returning();
    const bookings: string[] = [];
    for (let left = capacity; left > 0; left -= Math.min(left, maxPerUser)) {
      const holdId = randomUUID();
      await holds.holdSeats({
        holdId,
        zoneId: zone.id,
        userId: `holder-${randomUUID()}`,
        quantity: Math.min(left, maxPerUser),
        expiresAt: new Date(Date.now() + 600_000),
      });
      bookings.push(holdId);
    }
    return { zoneId: zone.id, slotId: slot.id, bookings };
  }
  const guest = (userId: string) => ({ userId, role: "GUEST" as const });
  const statusOf = async (zoneId: string) =>
    queryRows<{ user_id: string; status: string; offer_quantity: number | null }>(
      test.database.db,
      sql`select user_id, status, offer_quantity from inventory.waitlist_entries where zone_id = ${zoneId} order by seq`,
    );
  const heldInLedger = async (zoneId: string) => {
    const [row] = await queryRows<{ held: number }>(
      test.database.db,
      sql`select coalesce(sum(quantity), 0)::int as held from inventory.holds where zone_id = ${zoneId} and status <> 'RELEASED'`,
    );
    return row.held;
  };
  async function queue(zoneId: string, quantities: number[]) {
    const users = quantities.map((_, i) => `u${i}-${randomUUID()}`);
    for (const [i, quantity] of quantities.entries()) await service.join(guest(users[i]), zoneId, quantity);
    return users;
  }

  it("offers freed seats in queue order, passing over entries that do not fit to the next that does", async () => {
    const { zoneId, bookings } = await soldOutZone(8);
    const users = await queue(zoneId, [3, 2, 1, 1]);
    await holds.releaseHold(bookings[0]); // 4 seats
    const made = await offers.offerFreedSeats(zoneId);
    expect(made.map((o) => o.entry.userId)).toEqual([users[0], users[2]]);
    expect((await statusOf(zoneId)).map((e) => e.status)).toEqual(["OFFERED", "WAITING", "OFFERED", "WAITING"]);
    expect(await heldInLedger(zoneId)).toBe(8);
    const [announced] = await queryRows<{ n: number }>(
      test.database.db,
      sql`select count(*)::int as n from inventory.outbox where event_type = 'inventory.waitlist_offered' and aggregate_id = ${zoneId}`,
    );
    expect(announced.n).toBe(2);
    // Repeats (a redelivered event) change nothing.
    expect(await offers.offerFreedSeats(zoneId)).toEqual([]);
    expect(await heldInLedger(zoneId)).toBe(8);
  });

  it("never offers a seat twice when many runs race over one zone", async () => {
    const { zoneId, bookings } = await soldOutZone(12);
    await queue(zoneId, [1, 2, 1, 3, 1, 2, 1, 1, 2, 1, 1, 1]);
    await Promise.all(bookings.map((id) => holds.releaseHold(id)));
    const runs = await Promise.all(Array.from({ length: 10 }, () => offers.offerFreedSeats(zoneId)));
    const offered = runs.flat().map((o) => o.entry.id);
    expect(new Set(offered).size).toBe(offered.length);
    const entries = await statusOf(zoneId);
    const seats = entries.filter((e) => e.status === "OFFERED").reduce((sum, e) => sum + e.offer_quantity!, 0);
    expect(seats).toBe(12);
    expect(await heldInLedger(zoneId)).toBe(12);
    expect((await holds.availableOf([{ slotId: await zoneSlot(zoneId), zoneId }]))[0]).toBe(0);
  });

  it("waits for the store to give back seats the ledger already released", async () => {
    const { zoneId, slotId, bookings } = await soldOutZone(4);
    const [user] = await queue(zoneId, [4]);
    const ledger = createHoldRepository(test.database.db);
    const hold = (await ledger.markReleased(bookings[0]))!; // the event is out; the store is not told yet
    setTimeout(() => void store.release({ holdId: hold.id, slotId, zoneId, userId: hold.userId }), 200);
    const made = await offers.offerFreedSeats(zoneId);
    expect(made.map((o) => o.entry.userId)).toEqual([user]);
  });

  it("lets a reservation take its offer over, gives back what it does not take, and lapses the rest", async () => {
    const { zoneId, bookings } = await soldOutZone(4);
    const [first, second, third] = await queue(zoneId, [3, 1, 2]);
    await holds.releaseHold(bookings[0]);
    await offers.offerFreedSeats(zoneId);
    expect((await statusOf(zoneId)).map((e) => e.status)).toEqual(["OFFERED", "OFFERED", "WAITING"]);

    // Someone without an offer is refused while others wait; the offered user cannot take more.
    const reservation = (userId: string, quantity: number) =>
      holds.holdSeats({ holdId: randomUUID(), zoneId, userId, quantity, expiresAt: new Date(Date.now() + 600_000) });
    await expect(reservation(third, 1)).rejects.toMatchObject({ code: "INSUFFICIENT_STOCK" });
    await expect(reservation(`outsider-${randomUUID()}`, 1)).rejects.toMatchObject({ code: "INSUFFICIENT_STOCK" });
    await expect(reservation(first, 4)).rejects.toMatchObject({ code: "BAD_USER_INPUT", details: { offered: 3 } });

    const held = await reservation(first, 2);
    expect(held.available).toBe(1);
    expect((await statusOf(zoneId)).map((e) => e.status)).toEqual(["ACCEPTED", "OFFERED", "WAITING"]);
    expect(await heldInLedger(zoneId)).toBe(3); // booking 2 + second's offer 1
    // The seat given back does not fit the 2 wanted by `third`: it stays free for now.
    expect(await offers.offerFreedSeats(zoneId)).toEqual([]);

    // `second` lets the offer lapse: its seat and the free one now fit `third`.
    clock += 61_000;
    expect(await offers.lapseOffers()).toBeGreaterThanOrEqual(1); // earlier tests' offers lapse too
    await expect(reservation(second, 1)).rejects.toBeInstanceOf(DomainError);
    const passed = await offers.offerFreedSeats(zoneId);
    expect(passed.map((o) => o.entry.userId)).toEqual([third]);
    expect((await statusOf(zoneId)).map((e) => e.status)).toEqual(["ACCEPTED", "LAPSED", "OFFERED"]);
    expect(await heldInLedger(zoneId)).toBe(4);
    clock = Date.now();
  });

  it("skips a user who left, and gives a left offer to the next entry", async () => {
    const { zoneId, bookings } = await soldOutZone(4);
    const [a, b, c, d] = await queue(zoneId, [2, 2, 2, 2]);
    await service.leave(guest(a), zoneId);
    await holds.releaseHold(bookings[0]);
    await offers.offerFreedSeats(zoneId);
    expect((await statusOf(zoneId)).map((e) => e.status)).toEqual(["LEFT", "OFFERED", "OFFERED", "WAITING"]);
    const left = await service.leave(guest(b), zoneId);
    expect(left.status).toBe("LEFT");
    expect(await heldInLedger(zoneId)).toBe(2);
    await offers.offerFreedSeats(zoneId);
    expect((await statusOf(zoneId)).map((e) => [e.user_id, e.status])).toEqual([
      [a, "LEFT"],
      [b, "LEFT"],
      [c, "OFFERED"],
      [d, "OFFERED"],
    ]);
    await expect(service.leave(guest(b), zoneId)).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it("keeps a user at the slot's limit waiting and gives the seats to the next", async () => {
    const { zoneId, slotId, bookings } = await soldOutZone(8);
    const [full, next] = await queue(zoneId, [2, 2]);
    // `full` already holds the slot's 4 seats in another zone of the slot.
    const [other] = await test.database.db
      .insert(zones)
      .values({ slotId, name: "Balcony", capacity: 10, priceMinor: 1_000, currency: "EUR" })
      .returning();
    await holds.loadSlot(slotId);
    await holds.holdSeats({
      holdId: randomUUID(),
      zoneId: other.id,
      userId: full,
      quantity: 4,
      expiresAt: new Date(Date.now() + 600_000),
    });
    await holds.releaseHold(bookings[0]);
    const made = await offers.offerFreedSeats(zoneId);
    expect(made.map((o) => o.entry.userId)).toEqual([next]);
    expect((await statusOf(zoneId)).map((e) => e.status)).toEqual(["WAITING", "OFFERED"]);
  });

  it("answers SERVICE_UNAVAILABLE and writes nothing when the hold store is down", async () => {
    const { zoneId } = await soldOutZone(4);
    const down: HoldStore = {
      ...store,
      availableInSlots: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6379")),
    };
    const zoneRepository = createZoneRepository(test.database.db);
    const broken = createWaitlistService({
      waitlist,
      zones: zoneRepository,
      holds: createHoldService({
        store: down,
        ledger: createHoldRepository(test.database.db),
        zones: zoneRepository,
        logger,
      }),
      store: down,
      logger,
    });
    await expect(broken.join(guest(`u-${randomUUID()}`), zoneId, 1)).rejects.toMatchObject({
      code: "SERVICE_UNAVAILABLE",
    });
    expect(await statusOf(zoneId)).toEqual([]);
  });

  async function zoneSlot(zoneId: string) {
    const [row] = await queryRows<{ slot_id: string }>(
      test.database.db,
      sql`select slot_id from inventory.zones where id = ${zoneId}`,
    );
    return row.slot_id;
  }
});

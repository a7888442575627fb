import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlStatements } from "../../lib/storage/db";
import { createLogger } from "../../lib/observability/logger";
import { connectRedis } from "../../lib/storage/redis";
import { createHoldRepository } from "../../subgraphs/inventory/hold/hold.repository";
import { createHoldService, type HoldService } from "../../subgraphs/inventory/hold/hold.service";
import type { HoldStore } from "../../subgraphs/inventory/hold/hold.store";
import { createMemoryHoldStore } from "../../subgraphs/inventory/hold/hold.store.memory";
import { createRedisHoldStore } from "../../subgraphs/inventory/hold/hold.store.redis";
import { slots, venues, zones } from "../../subgraphs/inventory/inventory.tables";
import { createZoneRepository } from "../../subgraphs/inventory/zone/zone.repository";
import { backends } from "../support/backends";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * A release whose ledger write commits but whose answer is lost (the database connection drops
 * between the commit and the reply) leaves the ledger saying RELEASED while the store still
 * counts the seats. Under a 10 s PostgreSQL outage this left zones seats short. Both repairs are
 * shown on the real ledger and the real store: the caller's retry finishes the release, and a
 * reconcile drops the hold even though it has not lapsed.
 */
describe("a hold release cut short between the ledger and the store", () => {
  let test: TestDatabase;
  let redis: Redis | undefined;
  let holds: HoldService;
  let store: HoldStore;

  beforeAll(async () => {
    test = await createTestDatabase();
    if (backends.redisUrl) redis = connectRedis(backends.redisUrl, "hold-release-test");
    store = redis ? createRedisHoldStore(redis, `test-${randomUUID()}`) : createMemoryHoldStore();
    holds = createHoldService({
      store,
      ledger: createHoldRepository(test.database.db),
      zones: createZoneRepository(test.database.db),
      logger: createLogger("error"),
    });
  });
  afterAll(async () => {
    await redis?.quit();
    await test?.drop();
  });

  async function newZone(capacity: number) {
    const db = test.database.db;
    const [venue] = await db
      .insert(venues)
      .values({ name: "Cut short", kind: "THEATRE", city: "Lisbon", ownerId: "organizer" })
      .returning();
    const startsAt = new Date(Date.now() + 7 * 86_400_000);
    const [slot] = await db
      .insert(slots)
      .values({ venueId: venue.id, title: "Night", startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000) })
      .returning();
    const [zone] = await db
      .insert(zones)
      .values({ slotId: slot.id, name: "Floor", capacity, priceMinor: 1_000, currency: "EUR" })
      .returning();
    return { zoneId: zone.id, slotId: slot.id };
  }

  async function holdThree(zoneId: string) {
    const holdId = randomUUID();
    await holds.holdSeats({
      holdId,
      zoneId,
      userId: `user-${holdId}`,
      quantity: 3,
      expiresAt: new Date(Date.now() + 600_000),
    });
    return holdId;
  }
  /** What a release does to the ledger, without the store half that the lost answer skipped. */
  const ledgerOnlyRelease = (holdId: string) =>
    test.database.db.execute(
      sql`update inventory.holds set status = 'RELEASED', released_at = now() where id = ${holdId}`,
    );

  it("the caller's retry gives the seats back", async () => {
    const { zoneId, slotId } = await newZone(10);
    const holdId = await holdThree(zoneId);
    await ledgerOnlyRelease(holdId);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([7]);

    expect(await holds.releaseHold(holdId)).toEqual({ released: true });
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
    // Once more changes nothing.
    await holds.releaseHold(holdId);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
  });

  it("the caller's retry of an abandoned hold (released by id before it was recorded) gives the seats back", async () => {
    const { zoneId, slotId } = await newZone(10);
    const holdId = await holdThree(zoneId);
    await ledgerOnlyRelease(holdId);
    expect(await holds.releaseHold(holdId, { zoneId, userId: `user-${holdId}`, quantity: 3 })).toEqual({
      released: true,
    });
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
  });

  it("a reconcile drops the hold although it has not lapsed, and keeps live ones", async () => {
    const { zoneId, slotId } = await newZone(10);
    const cutShort = await holdThree(zoneId);
    await holdThree(zoneId);
    await ledgerOnlyRelease(cutShort);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([4]);

    const repaired = await holds.reconcile();
    expect(repaired).toContainEqual({ slotId, zoneId, before: 4, after: 7 });
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([7]);
  });

  it("the event consumer's release and sale after the booking's own call do nothing twice", async () => {
    // The same service over the same store, with the store's calls and the announcements counted.
    const calls = { release: 0, markSold: 0, announced: 0 };
    const counted: HoldStore = {
      ...store,
      release: (...args) => (calls.release++, store.release(...args)),
      markSold: (...args) => (calls.markSold++, store.markSold(...args)),
    };
    const service = createHoldService({
      store: counted,
      ledger: createHoldRepository(test.database.db),
      zones: createZoneRepository(test.database.db),
      logger: createLogger("error"),
      live: {
        publish: async () => void calls.announced++,
        subscribe: async () => async () => {},
        close: async () => {},
      },
    });
    const { zoneId, slotId } = await newZone(10);
    const cancelled = await holdThree(zoneId);
    const confirmed = await holdThree(zoneId);
    calls.announced = 0;

    // A cancellation: the booking subgraph's call, then the consumer of booking.cancelled, which
    // finds the release done in this process and sends no statement.
    expect(await service.releaseHold(cancelled)).toEqual({ released: true });
    let before = sqlStatements.count;
    expect(await service.releaseHold(cancelled, undefined, { finishRepeat: false })).toEqual({ released: true });
    expect(sqlStatements.count - before).toBe(0);
    expect(calls).toMatchObject({ release: 1, announced: 1 });
    // A confirmation: the saga's call, then the consumer of booking.confirmed.
    expect(await service.sellHold(confirmed)).toEqual({ sold: true });
    before = sqlStatements.count;
    expect(await service.sellHold(confirmed, { fromEvent: true })).toEqual({ sold: true });
    expect(sqlStatements.count - before).toBe(0);
    expect(calls).toMatchObject({ markSold: 1, announced: 2 });
    // Another instance (nothing remembered) takes the ledger path: still one release, one sale.
    const other = createHoldService({
      store: counted,
      ledger: createHoldRepository(test.database.db),
      zones: createZoneRepository(test.database.db),
      logger: createLogger("error"),
    });
    expect(await other.releaseHold(cancelled, undefined, { finishRepeat: false })).toEqual({ released: true });
    expect(await other.sellHold(confirmed, { fromEvent: true })).toEqual({ sold: true });
    expect(calls).toMatchObject({ release: 1, markSold: 1 });
    expect(await service.availableOf([{ slotId, zoneId }])).toEqual([7]);
  });
});

import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows, sqlStatements } from "../../lib/storage/db";
import { createLogger } from "../../lib/observability/logger";
import { connectRedis } from "../../lib/storage/redis";
import type { Principal } from "../../lib/core/auth";
import { createCatalogService } from "../../subgraphs/inventory/catalog/catalog.service";
import { createHoldRepository, type HoldRepository } from "../../subgraphs/inventory/hold/hold.repository";
import { createHoldService, type HoldService } from "../../subgraphs/inventory/hold/hold.service";
import type { HoldStore } from "../../subgraphs/inventory/hold/hold.store";
import { createMemoryHoldStore } from "../../subgraphs/inventory/hold/hold.store.memory";
import { createRedisHoldStore } from "../../subgraphs/inventory/hold/hold.store.redis";
import { slots, venues, zones } from "../../subgraphs/inventory/inventory.tables";
import { createSlotRepository } from "../../subgraphs/inventory/slot/slot.repository";
import { createVenueRepository } from "../../subgraphs/inventory/venue/venue.repository";
import { createZoneRepository } from "../../subgraphs/inventory/zone/zone.repository";
import { backends } from "../support/backends";
import { createTestDatabase, type TestDatabase } from "../support/database";

/** A zone of its own (a venue, a slot a week away) of `capacity` seats. */
async function zoneIn(test: TestDatabase, capacity: number) {
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
  return { zoneId: zone.id, slotId: slot.id, venueId: venue.id };
}

/** The events in inventory's outbox about `zoneId`, oldest first. */
const eventsOf = (test: TestDatabase, zoneId: string) =>
  queryRows<{
    event_type: string;
    aggregate_type: string;
    aggregate_id: string;
    actor: string | null;
    payload: { slotId: string; zoneId: string };
  }>(
    test.database.db,
    sql`select event_type, aggregate_type, aggregate_id, actor, payload from inventory.outbox
        where aggregate_id = ${zoneId} order by id`,
  );

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

  const newZone = (capacity: number) => zoneIn(test, capacity);

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
  const availabilityEvents = (zoneId: string) => eventsOf(test, zoneId);

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

    expect(await availabilityEvents(zoneId)).toHaveLength(1); // the hold's

    expect(await holds.releaseHold(holdId)).toEqual({ released: true });
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
    // The seats the store gave back are announced (the cut-short release's own event, here
    // skipped, went out while the store still counted them).
    expect(await availabilityEvents(zoneId)).toHaveLength(2);
    // Once more changes nothing.
    await holds.releaseHold(holdId);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
    expect(await availabilityEvents(zoneId)).toHaveLength(2);
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
    // The same service over the same store, with the store's calls counted (and the
    // availability events the ledger wrote: one for the release, none for the sale).
    const calls = { release: 0, markSold: 0 };
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
    });
    const { zoneId, slotId } = await newZone(10);
    const cancelled = await holdThree(zoneId);
    const confirmed = await holdThree(zoneId);
    const announced = async () => (await availabilityEvents(zoneId)).length - 2;

    // A cancellation: the booking subgraph's call, then the consumer of booking.cancelled, which
    // finds the release done in this process and sends no statement.
    expect(await service.releaseHold(cancelled)).toEqual({ released: true });
    let before = sqlStatements.count;
    expect(await service.releaseHold(cancelled, undefined, { finishRepeat: false })).toEqual({ released: true });
    expect(sqlStatements.count - before).toBe(0);
    expect(calls).toMatchObject({ release: 1 });
    expect(await announced()).toBe(1);
    // A confirmation: the saga's call, then the consumer of booking.confirmed.
    expect(await service.sellHold(confirmed)).toEqual({ sold: true });
    before = sqlStatements.count;
    expect(await service.sellHold(confirmed, { fromEvent: true })).toEqual({ sold: true });
    expect(sqlStatements.count - before).toBe(0);
    expect(calls).toMatchObject({ markSold: 1 });
    expect(await announced()).toBe(1);
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
    expect(await announced()).toBe(1);
    expect(await service.availableOf([{ slotId, zoneId }])).toEqual([7]);
  });
});

/**
 * Live availability comes from inventory's outbox (the relay pushes `inventory.availability_changed`
 * to `availability:<slotId>`): each ledger change of a zone's available seats writes exactly one
 * event with it, a sale or a repeat none. Counted in the outbox of the real ledger.
 */
describe("availability changes in inventory's outbox", () => {
  let test: TestDatabase;
  let redis: Redis | undefined;
  let store: HoldStore;
  let holds: HoldService;
  let ledger: HoldRepository;
  const organizer: Principal = { userId: "organizer", role: "ORGANIZER" };

  beforeAll(async () => {
    test = await createTestDatabase();
    if (backends.redisUrl) redis = connectRedis(backends.redisUrl, "hold-events-test");
    store = redis ? createRedisHoldStore(redis, `test-${randomUUID()}`) : createMemoryHoldStore();
    ledger = createHoldRepository(test.database.db);
    holds = createHoldService({
      store,
      ledger,
      zones: createZoneRepository(test.database.db),
      logger: createLogger("error"),
    });
  });
  afterAll(async () => {
    await redis?.quit();
    await test?.drop();
  });

  const events = (zoneId: string) => eventsOf(test, zoneId);
  const request = (zoneId: string, quantity = 2, holdId = randomUUID()) => ({
    holdId,
    zoneId,
    userId: `user-${holdId}`,
    quantity,
    expiresAt: new Date(Date.now() + 600_000),
  });
  /** A hold as the ledger records it. */
  const ledgerRow = (zone: { zoneId: string; slotId: string }, expiresAt = new Date(Date.now() + 600_000)) => {
    const id = randomUUID();
    return { id, zoneId: zone.zoneId, slotId: zone.slotId, userId: `user-${id}`, quantity: 2, expiresAt };
  };

  it("a hold writes one event with the ledger row; its idempotent retry none", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    const hold = request(zoneId);
    await holds.holdSeats(hold);
    expect(await events(zoneId)).toEqual([
      {
        event_type: "inventory.availability_changed",
        aggregate_type: "zone",
        aggregate_id: zoneId,
        actor: hold.userId,
        payload: { slotId, zoneId },
      },
    ]);
    await holds.holdSeats(hold); // the booking's retry
    expect(await events(zoneId)).toHaveLength(1);
  });

  it("a ledger write that fails writes no event (one statement: both or neither)", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    // A slot that does not exist: the hold row breaks its foreign key, after the event's step
    // had its row to write.
    const broken = { ...ledgerRow({ zoneId, slotId }), slotId: randomUUID() };
    await expect(ledger.insert(broken)).rejects.toThrow();
    expect(await events(zoneId)).toEqual([]);
    expect(await ledger.findById(broken.id)).toBeNull();

    // Through the service: the seats go back, and nothing was announced.
    const failing = createHoldService({
      store,
      ledger: { ...ledger, insert: (hold) => ledger.insert({ ...hold, slotId: randomUUID() }) },
      zones: createZoneRepository(test.database.db),
      logger: createLogger("silent"),
    });
    const hold = request(zoneId);
    await expect(failing.holdSeats(hold)).rejects.toThrow();
    expect(await events(zoneId)).toEqual([]);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
  });

  it("a release writes one event; its repeats (the caller's, the consumer's) none", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    const hold = request(zoneId);
    await holds.holdSeats(hold);
    expect(await holds.releaseHold(hold.holdId)).toEqual({ released: true });
    expect(await events(zoneId)).toHaveLength(2);
    expect((await events(zoneId))[1]).toMatchObject({ actor: null, payload: { slotId, zoneId } });

    await holds.releaseHold(hold.holdId);
    await holds.releaseHold(hold.holdId, undefined, { finishRepeat: false });
    // Another instance, which remembers nothing: the ledger says released already.
    const other = createHoldService({
      store,
      ledger,
      zones: createZoneRepository(test.database.db),
      logger: createLogger("error"),
    });
    await other.releaseHold(hold.holdId, undefined, { finishRepeat: false });
    await other.releaseHold(hold.holdId);
    expect(await events(zoneId)).toHaveLength(2);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
  });

  it("a sale writes no event; releasing sold seats (a paid booking cancelled) writes one", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    const hold = request(zoneId);
    await holds.holdSeats(hold);
    expect(await holds.sellHold(hold.holdId)).toEqual({ sold: true });
    expect(await holds.sellHold(hold.holdId, { fromEvent: true })).toEqual({ sold: true });
    expect(await holds.sellHold(hold.holdId)).toEqual({ sold: true });
    expect(await events(zoneId)).toHaveLength(1); // the hold's
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([8]);

    await holds.releaseHold(hold.holdId);
    expect(await events(zoneId)).toHaveLength(2);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
  });

  it("a resize writes one event", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    const hold = request(zoneId, 2);
    await holds.holdSeats(hold);
    expect(await holds.resizeHold(hold.holdId, 2, 3)).toMatchObject({ quantity: 3, available: 7 });
    expect(await events(zoneId)).toHaveLength(2);
    // Refused (the hold is not at 2 any more): nothing written.
    await expect(holds.resizeHold(hold.holdId, 2, 1)).rejects.toThrow();
    expect(await events(zoneId)).toHaveLength(2);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([7]);
  });

  it("the lapse sweep writes one event per zone of the holds it released", async () => {
    const first = await zoneIn(test, 10);
    const second = await zoneIn(test, 10);
    const past = new Date(Date.now() - 60_000);
    for (const zone of [first, first, second]) await ledger.insert(ledgerRow(zone, past));
    const before = { first: (await events(first.zoneId)).length, second: (await events(second.zoneId)).length };
    expect(before).toEqual({ first: 2, second: 1 }); // recorded holds write theirs
    expect(await holds.releaseLapsedHolds(0)).toBe(3);
    expect(await events(first.zoneId)).toHaveLength(3);
    expect(await events(second.zoneId)).toHaveLength(2);
    expect((await events(first.zoneId))[2]).toMatchObject({
      actor: "system",
      payload: { slotId: first.slotId, zoneId: first.zoneId },
    });
    expect(await holds.releaseLapsedHolds(0)).toBe(0);
    expect(await events(first.zoneId)).toHaveLength(3);
  });

  it("a hold id released before it was recorded: an event only if the store had taken seats for it", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    // The hold call never arrived: the tombstone changes no seats.
    const lost = request(zoneId);
    expect(await holds.releaseHold(lost.holdId, lost)).toEqual({ released: false });
    expect(await events(zoneId)).toEqual([]);
    // The store took the seats, the ledger write is still in flight: they come back, announced.
    const inFlight = request(zoneId);
    await holds.availableOf([{ slotId, zoneId }]); // loads the slot
    expect(await store.hold({ ...inFlight, slotId, maxPerUser: 4 })).toMatchObject({ kind: "held" });
    expect(await holds.releaseHold(inFlight.holdId, inFlight)).toEqual({ released: true });
    expect(await events(zoneId)).toHaveLength(1);
    // The request lands: refused, no event.
    await expect(holds.holdSeats(inFlight)).rejects.toThrow(/cancelled by its requester/);
    expect(await events(zoneId)).toHaveLength(1);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([10]);
  });

  it("a capacity edit writes one event in its transaction; other edits none", async () => {
    const { zoneId, slotId } = await zoneIn(test, 10);
    const zones = createZoneRepository(test.database.db);
    const catalog = createCatalogService({
      venues: createVenueRepository(test.database.db),
      slots: createSlotRepository(test.database.db),
      zones,
      holds,
    });
    await holds.availableOf([{ slotId, zoneId }]);
    await catalog.updateZone(organizer, zoneId, { capacity: 12 });
    expect(await events(zoneId)).toEqual([
      expect.objectContaining({ actor: "organizer", payload: { slotId, zoneId } }),
    ]);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([12]);
    await catalog.updateZone(organizer, zoneId, { name: "Stalls", priceMinor: 2_000 });
    await catalog.updateZone(organizer, zoneId, { capacity: 12 }); // unchanged
    expect(await events(zoneId)).toHaveLength(1);

    // The row's write fails (a price out of range): neither the row nor the event, and the
    // counter moves back.
    const zone = (await zones.findById(zoneId))!;
    await expect(
      holds.changeCapacity(zone, 20, () => zones.update(zoneId, { capacity: 20, priceMinor: -1 }, "organizer")),
    ).rejects.toThrow();
    expect(await events(zoneId)).toHaveLength(1);
    expect((await zones.findById(zoneId))?.capacity).toBe(12);
    expect(await holds.availableOf([{ slotId, zoneId }])).toEqual([12]);
  });
});

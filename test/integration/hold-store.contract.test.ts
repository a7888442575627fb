import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../lib/storage/redis";
import type { HoldStore } from "../../subgraphs/inventory/hold/hold.store";
import { createMemoryHoldStore } from "../../subgraphs/inventory/hold/hold.store.memory";
import { createRedisHoldStore } from "../../subgraphs/inventory/hold/hold.store.redis";
import { backends } from "../support/backends";

/** One contract, run against every implementation of the port. */
function holdStoreContract(name: string, makeStore: () => HoldStore) {
  describe(`hold store contract: ${name}`, () => {
    const store = makeStore();
    const inTenMinutes = () => new Date(Date.now() + 600_000);
    const available = async (slotId: string, zoneIds: string[]) =>
      (await store.availableInSlots([{ slotId, zoneIds }]))[0];
    async function freshSlot(capacities: number[]) {
      const slotId = randomUUID();
      const zones = capacities.map((capacity) => ({ zoneId: randomUUID(), capacity }));
      await store.load({ slotId, zones, holds: [], released: [] }, new Date());
      return { slotId, zoneIds: zones.map((z) => z.zoneId) };
    }
    const request = (slotId: string, zoneId: string, userId: string, quantity: number, maxPerUser = 10) => ({
      holdId: randomUUID(),
      slotId,
      zoneId,
      userId,
      quantity,
      maxPerUser,
      expiresAt: inTenMinutes(),
    });

    it("knows nothing of a slot before it is loaded", async () => {
      expect(await store.hold(request(randomUUID(), randomUUID(), "u", 1))).toEqual({ kind: "not-loaded" });
      expect(await available(randomUUID(), [randomUUID()])).toEqual([null]);
    });

    it("holds until sold out and then says how many are left", async () => {
      const { slotId, zoneIds } = await freshSlot([5]);
      expect(await store.hold(request(slotId, zoneIds[0], "a", 3))).toEqual({ kind: "held", available: 2 });
      expect(await store.hold(request(slotId, zoneIds[0], "b", 3))).toEqual({ kind: "insufficient", available: 2 });
      expect(await store.hold(request(slotId, zoneIds[0], "b", 2))).toEqual({ kind: "held", available: 0 });
      expect(await available(slotId, zoneIds)).toEqual([0]);
    });

    it("limits one user's seats across all zones of a slot", async () => {
      const { slotId, zoneIds } = await freshSlot([10, 10]);
      expect((await store.hold(request(slotId, zoneIds[0], "u", 3, 4))).kind).toBe("held");
      expect(await store.hold(request(slotId, zoneIds[1], "u", 2, 4))).toEqual({ kind: "over-limit", alreadyHeld: 3 });
      expect((await store.hold(request(slotId, zoneIds[1], "u", 1, 4))).kind).toBe("held");
      expect((await store.hold(request(slotId, zoneIds[1], "other", 4, 4))).kind).toBe("held");
    });

    it("treats the same hold id as one hold, and release gives the seats back once", async () => {
      const { slotId, zoneIds } = await freshSlot([4]);
      const req = request(slotId, zoneIds[0], "u", 2);
      expect(await store.hold(req)).toEqual({ kind: "held", available: 2 });
      expect(await store.hold(req)).toEqual({ kind: "already-held", available: 2 });
      const ref = { holdId: req.holdId, slotId, zoneId: zoneIds[0], userId: "u" };
      expect(await store.release(ref)).toBe(true);
      expect(await store.release(ref)).toBe(false);
      expect(await available(slotId, zoneIds)).toEqual([4]);
      expect((await store.hold(request(slotId, zoneIds[0], "u", 4, 4))).kind).toBe("held");
    });

    it("an idempotency key is owned by the first hold: a twin takes nothing, even once sold out", async () => {
      const { slotId, zoneIds } = await freshSlot([1]);
      const key = { token: randomUUID().replaceAll("-", ""), lockedUntil: Date.now() + 30_000, ttlMs: 60_000 };
      const first = { ...request(slotId, zoneIds[0], "u", 1), key };
      expect(await store.hold(first)).toEqual({ kind: "held", available: 0 });
      // Sold out now: a retry with the same key learns its owner instead of "insufficient".
      const twin = { ...request(slotId, zoneIds[0], "u", 1), key };
      expect(await store.hold(twin)).toEqual({
        kind: "key-taken",
        available: 0,
        holdId: first.holdId,
        lockedUntil: key.lockedUntil,
      });
      // Another key is just sold out.
      const other = {
        ...request(slotId, zoneIds[0], "u", 1),
        key: { ...key, token: randomUUID().replaceAll("-", "") },
      };
      expect(await store.hold(other)).toEqual({ kind: "insufficient", available: 0 });
      // A booked hold's release keeps the key; an abandoned one's gives it up with the seat.
      const ref = { holdId: first.holdId, slotId, zoneId: zoneIds[0], userId: "u" };
      expect(await store.release(ref, randomUUID().replaceAll("-", ""))).toBe(true);
      expect((await store.hold(twin)).kind).toBe("key-taken");
      await store.release(ref, key.token);
      expect(await store.hold(twin)).toEqual({ kind: "held", available: 0 });
      expect(await available(slotId, zoneIds)).toEqual([0]);
    });

    it("a key whose owner is superseded (presumed dead) goes to the new hold", async () => {
      const { slotId, zoneIds } = await freshSlot([3]);
      const key = { token: randomUUID().replaceAll("-", ""), lockedUntil: Date.now() - 1, ttlMs: 60_000 };
      const dead = { ...request(slotId, zoneIds[0], "u", 1), key };
      expect((await store.hold(dead)).kind).toBe("held");
      const next = { ...request(slotId, zoneIds[0], "u", 1), key: { ...key, supersede: dead.holdId } };
      expect(await store.hold(next)).toEqual({ kind: "held", available: 1 });
      const third = { ...request(slotId, zoneIds[0], "u", 1), key };
      expect(await store.hold(third)).toMatchObject({ kind: "key-taken", holdId: next.holdId });
    });

    it("a key lapses with its time to live", async () => {
      const { slotId, zoneIds } = await freshSlot([3]);
      const key = { token: randomUUID().replaceAll("-", ""), lockedUntil: Date.now() + 30_000, ttlMs: 50 };
      expect((await store.hold({ ...request(slotId, zoneIds[0], "u", 1), key })).kind).toBe("held");
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect((await store.hold({ ...request(slotId, zoneIds[0], "u", 1), key })).kind).toBe("held");
    });

    it("never oversells under real concurrency", async () => {
      const { slotId, zoneIds } = await freshSlot([100]);
      const outcomes = await Promise.all(
        Array.from({ length: 600 }, (_, i) => store.hold(request(slotId, zoneIds[0], `user-${i}`, 1 + (i % 2)))),
      );
      const heldSeats = outcomes.reduce((sum, o, i) => sum + (o.kind === "held" ? 1 + (i % 2) : 0), 0);
      expect(heldSeats).toBeLessThanOrEqual(100);
      expect(heldSeats).toBeGreaterThanOrEqual(99); // only a 2-seat request may find a single seat left
      expect(await available(slotId, zoneIds)).toEqual([100 - heldSeats]);
      expect(outcomes.every((o) => o.kind === "held" || o.kind === "insufficient")).toBe(true);
    });

    it("rebuilds from the ledger, keeping in-flight holds and dropping lapsed ones, and reports drift", async () => {
      const { slotId, zoneIds } = await freshSlot([10]);
      const inFlight = request(slotId, zoneIds[0], "flight", 2);
      await store.hold(inFlight);
      const lapsed = { ...request(slotId, zoneIds[0], "lapsed", 3), expiresAt: new Date(Date.now() - 1_000) };
      await store.hold(lapsed);
      const ledgerHold = { holdId: randomUUID(), zoneId: zoneIds[0], userId: "ledger", quantity: 4, expiresAt: null };
      const drift = await store.load(
        { slotId, zones: [{ zoneId: zoneIds[0], capacity: 10 }], holds: [ledgerHold], released: [] },
        new Date(),
      );
      // 10 - 2 (in flight, not in the ledger yet) - 4 (sold, in the ledger); the lapsed 3 come back.
      expect(drift).toEqual([{ zoneId: zoneIds[0], before: 5, after: 4 }]);
      expect(await available(slotId, zoneIds)).toEqual([4]);
      expect(await store.hold(request(slotId, zoneIds[0], "ledger", 1, 4))).toEqual({
        kind: "over-limit",
        alreadyHeld: 4,
      });
      expect(await store.release({ holdId: lapsed.holdId, slotId, zoneId: zoneIds[0], userId: "lapsed" })).toBe(false);
      expect(await store.release({ holdId: inFlight.holdId, slotId, zoneId: zoneIds[0], userId: "flight" })).toBe(true);
      expect(await available(slotId, zoneIds)).toEqual([6]);
    });

    it("drops a hold the ledger released even though it has not lapsed (a release cut short)", async () => {
      const { slotId, zoneIds } = await freshSlot([10]);
      const cutShort = request(slotId, zoneIds[0], "cut", 2);
      const inFlight = request(slotId, zoneIds[0], "flight", 3);
      await store.hold(cutShort);
      await store.hold(inFlight);
      const drift = await store.load(
        { slotId, zones: [{ zoneId: zoneIds[0], capacity: 10 }], holds: [], released: [cutShort.holdId] },
        new Date(),
      );
      expect(drift).toEqual([{ zoneId: zoneIds[0], before: 5, after: 7 }]);
      expect(await store.release({ holdId: cutShort.holdId, slotId, zoneId: zoneIds[0], userId: "cut" })).toBe(false);
      expect(await available(slotId, zoneIds)).toEqual([7]);
      // The released hold no longer counts against its user: 7 more fit under a limit of 7.
      expect((await store.hold(request(slotId, zoneIds[0], "cut", 7, 7))).kind).toBe("held");
    });

    it("resizes a hold: more seats only if free and within the user's limit, fewer seats go back", async () => {
      const { slotId, zoneIds } = await freshSlot([5]);
      const req = request(slotId, zoneIds[0], "u", 2, 4);
      await store.hold(req);
      const ref = { holdId: req.holdId, slotId, zoneId: zoneIds[0], userId: "u" };
      expect(await store.resize(ref, 2, 4, 4)).toEqual({ kind: "held", available: 1 });
      expect(await store.resize(ref, 2, 3, 4)).toEqual({ kind: "changed", current: 4 });
      expect(await store.resize(ref, 4, 5, 4)).toEqual({ kind: "over-limit", alreadyHeld: 4 });
      expect(await store.resize(ref, 4, 6, 10)).toEqual({ kind: "insufficient", available: 1 });
      expect(await store.resize(ref, 4, 1, 4)).toEqual({ kind: "held", available: 4 });
      expect(await store.release(ref)).toBe(true);
      expect(await available(slotId, zoneIds)).toEqual([5]);
      expect(await store.resize(ref, 1, 2, 4)).toEqual({ kind: "not-loaded" });
    });

    it("turns a waitlist offer into a reservation's hold in one step, giving back the seats not taken", async () => {
      const { slotId, zoneIds } = await freshSlot([6, 6]);
      const offer = request(slotId, zoneIds[0], "w", 4, 4);
      expect(await store.hold(offer)).toEqual({ kind: "held", available: 2 });
      const now = new Date();
      const claim = (quantity: number, userId = "w", zoneId = zoneIds[0]) => ({
        ...request(slotId, zoneId, userId, quantity, 4),
      });
      // Only the offer's user, in the offer's zone, up to the offer's seats.
      expect(await store.claim(claim(1, "someone-else"), offer.holdId, now)).toEqual({
        kind: "offer-gone",
        available: 2,
      });
      expect(await store.claim(claim(1, "w", zoneIds[1]), offer.holdId, now)).toEqual({
        kind: "offer-gone",
        available: 6,
      });
      expect(await store.claim(claim(5), offer.holdId, now)).toEqual({ kind: "offer-smaller", offered: 4 });
      expect(await available(slotId, zoneIds)).toEqual([2, 6]);

      const booking = claim(3);
      expect(await store.claim(booking, offer.holdId, now)).toEqual({ kind: "held", available: 3 });
      expect(await store.claim(booking, offer.holdId, now)).toEqual({ kind: "already-held", available: 3 });
      expect(await store.claim(claim(1), offer.holdId, now)).toEqual({ kind: "offer-gone", available: 3 });
      // The offer is gone; the booking's hold counts 3 seats for the user (4 - 3 + 3 = 4 at most).
      const offerRef = { holdId: offer.holdId, slotId, zoneId: zoneIds[0], userId: "w" };
      expect(await store.release(offerRef)).toBe(false);
      expect(await store.hold(request(slotId, zoneIds[1], "w", 2, 4))).toEqual({ kind: "over-limit", alreadyHeld: 3 });
      expect((await store.hold(request(slotId, zoneIds[1], "w", 1, 4))).kind).toBe("held");
      expect(await store.release({ holdId: booking.holdId, slotId, zoneId: zoneIds[0], userId: "w" })).toBe(true);
      expect(await available(slotId, zoneIds)).toEqual([6, 5]);
    });

    it("refuses to claim an offer that has lapsed, and checks the reservation's idempotency key first", async () => {
      const { slotId, zoneIds } = await freshSlot([4]);
      const offer = { ...request(slotId, zoneIds[0], "w", 2, 4), expiresAt: new Date(Date.now() + 1_000) };
      await store.hold(offer);
      const later = new Date(Date.now() + 5_000);
      expect(await store.claim(request(slotId, zoneIds[0], "w", 2, 4), offer.holdId, later)).toEqual({
        kind: "offer-gone",
        available: 2,
      });
      const key = { token: randomUUID().replaceAll("-", ""), lockedUntil: Date.now() + 30_000, ttlMs: 60_000 };
      const owner = { ...request(slotId, zoneIds[0], "v", 1, 4), key };
      await store.hold(owner);
      const twin = { ...request(slotId, zoneIds[0], "w", 2, 4), key };
      expect(await store.claim(twin, offer.holdId, new Date())).toMatchObject({
        kind: "key-taken",
        holdId: owner.holdId,
      });
      const mine = {
        ...request(slotId, zoneIds[0], "w", 2, 4),
        key: { ...key, token: randomUUID().replaceAll("-", "") },
      };
      expect(await store.claim(mine, offer.holdId, new Date())).toEqual({ kind: "held", available: 1 });
      expect(await store.claim(request(randomUUID(), zoneIds[0], "w", 1), offer.holdId, new Date())).toEqual({
        kind: "not-loaded",
      });
    });

    it("takes nothing for a request whose zone's seats belong to its waitlist, but still answers its key's owner", async () => {
      const { slotId, zoneIds } = await freshSlot([4]);
      const key = { token: randomUUID().replaceAll("-", ""), lockedUntil: Date.now() + 30_000, ttlMs: 60_000 };
      const first = { ...request(slotId, zoneIds[0], "u", 1), key };
      expect(await store.hold(first)).toEqual({ kind: "held", available: 3 });
      const retry = { ...request(slotId, zoneIds[0], "u", 1), key, waitlistOnly: true };
      expect(await store.hold(retry)).toMatchObject({ kind: "key-taken", holdId: first.holdId });
      const queued = { ...request(slotId, zoneIds[0], "v", 1), waitlistOnly: true };
      expect(await store.hold(queued)).toEqual({ kind: "insufficient", available: 3 });
      expect(await available(slotId, zoneIds)).toEqual([3]);
    });

    it("changes capacity only down to what is free", async () => {
      const { slotId, zoneIds } = await freshSlot([10]);
      await store.hold(request(slotId, zoneIds[0], "u", 7));
      expect(await store.adjustCapacity(slotId, zoneIds[0], -4)).toEqual({ ok: false, available: 3 });
      expect(await store.adjustCapacity(slotId, zoneIds[0], -3)).toEqual({ ok: true, available: 0 });
      expect(await store.adjustCapacity(slotId, zoneIds[0], 5)).toEqual({ ok: true, available: 5 });
    });
  });
}

holdStoreContract("in-process (embedded)", createMemoryHoldStore);

const redisClients: Redis[] = [];
if (backends.redisUrl) {
  holdStoreContract("Redis (Lua)", () => {
    const redis = connectRedis(backends.redisUrl!, "hold-store-contract");
    redisClients.push(redis);
    return createRedisHoldStore(redis, `test-${randomUUID()}`);
  });
}
afterAll(async () => {
  for (const redis of redisClients) await redis.quit();
});

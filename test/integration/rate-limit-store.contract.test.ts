import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../lib/storage/redis";
import { createMemoryRateLimitStore, type Charge, type RateLimitStore } from "../../gateway/rate-limit/store";
import { createRedisRateLimitStore } from "../../gateway/rate-limit/store.redis";
import { backends } from "../support/backends";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One contract, run against every implementation of the port. */
function rateLimitStoreContract(name: string, makeStore: () => RateLimitStore) {
  describe(`rate limit store contract: ${name}`, () => {
    const store = makeStore();
    const charge = (key: string, capacity: number, refillPerSecond: number, cost = 1): Charge => ({
      key,
      capacity,
      refillPerSecond,
      cost,
    });

    it("lets a full bucket's burst through, then refuses with the time until the next token", async () => {
      const key = `user:${randomUUID()}`;
      const outcomes = [];
      for (let i = 0; i < 15; i++) outcomes.push(await store.consume([charge(key, 10, 1)]));
      expect(outcomes.filter((o) => o.allowed)).toHaveLength(10);
      const refused = outcomes[14];
      expect(refused).toMatchObject({ allowed: false, key });
      if (refused.allowed) throw new Error("unreachable");
      // 1 token per second: the next one is at most a second away.
      expect(refused.retryAfterMs).toBeGreaterThan(0);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(1_000);
    });

    it("refills at the configured rate, never past the burst", async () => {
      const key = `user:${randomUUID()}`;
      for (let i = 0; i < 3; i++) expect((await store.consume([charge(key, 3, 20)])).allowed).toBe(true);
      expect((await store.consume([charge(key, 3, 20)])).allowed).toBe(false);
      await sleep(120); // 20 tokens/s: two are back
      expect((await store.consume([charge(key, 3, 20)])).allowed).toBe(true);
      expect((await store.consume([charge(key, 3, 20)])).allowed).toBe(true);
      expect((await store.consume([charge(key, 3, 20)])).allowed).toBe(false);
      await sleep(1_000); // would be 20 tokens; the bucket holds 3
      let passed = 0;
      for (let i = 0; i < 6; i++) if ((await store.consume([charge(key, 3, 20)])).allowed) passed++;
      expect(passed).toBe(3);
    });

    it("takes from every bucket or from none", async () => {
      const [a, b] = [`a:${randomUUID()}`, `b:${randomUUID()}`];
      expect((await store.consume([charge(a, 1, 0.01)])).allowed).toBe(true); // a is now empty
      const refused = await store.consume([charge(b, 5, 0.01), charge(a, 1, 0.01)]);
      expect(refused).toMatchObject({ allowed: false, key: a });
      // b was not charged by the refused request: all five tokens are still there.
      for (let i = 0; i < 5; i++) expect((await store.consume([charge(b, 5, 0.01)])).allowed).toBe(true);
      expect((await store.consume([charge(b, 5, 0.01)])).allowed).toBe(false);
    });

    it("charges a cost of several tokens at once", async () => {
      const key = `r:${randomUUID()}`;
      expect((await store.consume([charge(key, 10, 1, 7)])).allowed).toBe(true);
      expect((await store.consume([charge(key, 10, 1, 4)])).allowed).toBe(false);
      expect((await store.consume([charge(key, 10, 1, 3)])).allowed).toBe(true);
    });

    it("caps the seats an IP holds, counting only unexpired entries", async () => {
      const ip = `198.51.100.${Math.floor(Math.random() * 250)}-${randomUUID()}`;
      const later = Date.now() + 600_000;
      expect(await store.reserveHeld(ip, "r1", 4, 10, later)).toEqual({ reserved: true, heldSeats: 4 });
      expect(await store.reserveHeld(ip, "r2", 4, 10, later)).toEqual({ reserved: true, heldSeats: 8 });
      const refused = await store.reserveHeld(ip, "r3", 3, 10, later);
      expect(refused).toMatchObject({ reserved: false, heldSeats: 8 });
      if (refused.reserved) throw new Error("unreachable");
      expect(refused.retryAfterMs).toBeGreaterThan(590_000);
      expect(await store.reserveHeld(ip, "r3", 2, 10, Date.now() + 150)).toEqual({ reserved: true, heldSeats: 10 });
      expect((await store.reserveHeld(ip, "r4", 1, 10, later)).reserved).toBe(false);
      await sleep(250); // r3 expired
      expect(await store.heldSeats(ip)).toBe(8);
      expect(await store.reserveHeld(ip, "r4", 2, 10, later)).toEqual({ reserved: true, heldSeats: 10 });
    });

    it("settles a provisional entry into bookings that a cancel frees, or drops it", async () => {
      const ip = `203.0.113.7-${randomUUID()}`;
      const later = Date.now() + 600_000;
      const [b1, b2] = [randomUUID(), randomUUID()];
      await store.reserveHeld(ip, "pending-1", 5, 6, later);
      await store.settleHeld(ip, "pending-1", [
        { id: b1, seats: 3, expiresAtMs: later },
        { id: b2, seats: 2, expiresAtMs: later },
      ]);
      expect(await store.heldSeats(ip)).toBe(5);
      await store.releaseBooking(b1);
      expect(await store.heldSeats(ip)).toBe(2);
      await store.releaseBooking(b1); // twice: nothing more
      await store.releaseBooking(randomUUID()); // unknown: nothing
      expect(await store.heldSeats(ip)).toBe(2);
      await store.reserveHeld(ip, "pending-2", 4, 6, later);
      await store.settleHeld(ip, "pending-2", []); // the reservation failed
      expect(await store.heldSeats(ip)).toBe(2);
      expect((await store.reserveHeld(ip, "pending-3", 4, 6, later)).reserved).toBe(true);
    });

    it("lets concurrent reservations fill the cap exactly, never past it", async () => {
      const ip = `192.0.2.1-${randomUUID()}`;
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, (_, i) => store.reserveHeld(ip, `c${i}`, 1, 20, Date.now() + 60_000)),
      );
      expect(outcomes.filter((o) => o.reserved)).toHaveLength(20);
      expect(await store.heldSeats(ip)).toBe(20);
    });
  });
}

rateLimitStoreContract("memory", () => createMemoryRateLimitStore());

// Only with Redis: describe.runIf still collects its body, which would build a store on nothing.
if (backends.redisUrl) {
  describe("redis", () => {
    const redis: Redis = connectRedis(backends.redisUrl!, "rate-limit-contract");
    afterAll(async () => {
      const keys = await redis.keys("test-rl-*");
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
    rateLimitStoreContract("redis", () => createRedisRateLimitStore(redis, `test-rl-${randomUUID().slice(0, 8)}`));
  });
}

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ticketOf } from "../../lib/contracts/waiting-room";
import { connectRedis } from "../../lib/storage/redis";
import type { WaitingRoomStore } from "../../subgraphs/inventory/waiting-room/waiting-room.store";
import { createMemoryWaitingRoomStore } from "../../subgraphs/inventory/waiting-room/waiting-room.store.memory";
import { createRedisWaitingRoomStore } from "../../subgraphs/inventory/waiting-room/waiting-room.store.redis";
import { backends } from "../support/backends";

/** One contract, run against every implementation of the port. */
function waitingRoomStoreContract(name: string, makeStore: () => WaitingRoomStore) {
  describe(`waiting room store contract: ${name}`, () => {
    const store = makeStore();
    const t0 = 1_800_000_000_000;

    it("has no room until one is configured; a closed room hands out no numbers", async () => {
      const slotId = randomUUID();
      expect(await store.read(slotId, "u1", { join: true, now: t0 })).toEqual({ room: null, entry: null, joined: false });
      const room = await store.configure(slotId, {}, t0);
      expect(room).toMatchObject({ slotId, status: "CLOSED", admitPerMinute: 60, admissionSeconds: 600, joined: 0 });
      expect(await store.read(slotId, "u1", { join: true, now: t0 })).toMatchObject({ entry: null, joined: false });
      expect(await store.activeSlots()).not.toContain(slotId);
    });

    it("numbers people in join order, once each, and admits them in that order at the rate", async () => {
      const slotId = randomUUID();
      await store.configure(slotId, { status: "OPEN", admitPerMinute: 120, admissionSeconds: 30 }, t0);
      expect(await store.activeSlots()).toContain(slotId);
      const users = Array.from({ length: 10 }, (_, i) => `user-${i}`);
      const numbers: number[] = [];
      for (const [i, user] of users.entries()) {
        const read = await store.read(slotId, user, { join: true, now: t0 + i });
        expect(read.joined).toBe(true);
        numbers.push(read.entry!.number);
      }
      expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // Joining again keeps the number.
      expect(await store.read(slotId, "user-3", { join: true, now: t0 + 50 })).toMatchObject({
        entry: { number: 4, joinedAt: t0 + 3, admittedAt: null },
        joined: false,
      });
      // 120 a minute = 2 a second: 1.5 s admits 3 (the half carries over), 1 s more admits 2.
      const first = (await store.tick(slotId, false, t0 + 1_500))!;
      expect(first.room).toMatchObject({ admitted: 3, batchFrom: 0, batchAt: t0 + 1_500, joined: 10 });
      expect(first.changed).toBe(true);
      expect(first.waits).toEqual([1.5, 1.499, 1.498]);
      await store.markPublished(slotId, first.signature);
      const second = (await store.tick(slotId, false, t0 + 2_500))!;
      expect(second.room).toMatchObject({ admitted: 5, batchFrom: 3, batchAt: t0 + 2_500 });
      // Nothing to admit in 100 ms: nothing changed since published… after marking it.
      await store.markPublished(slotId, second.signature);
      const idle = (await store.tick(slotId, false, t0 + 2_600))!;
      expect(idle.room.admitted).toBe(5);
      expect(idle.changed).toBe(false);

      const admitted = await store.read(slotId, "user-1", { join: false, now: t0 + 3_000 });
      expect(admitted.entry).toEqual({ number: 2, joinedAt: t0 + 1, admittedAt: t0 + 1_500 });
      expect(ticketOf(admitted.room!, admitted.entry, t0 + 3_000)).toMatchObject({
        status: "ADMITTED",
        position: 0,
        admittedUntil: new Date(t0 + 31_500),
      });
      expect(ticketOf(admitted.room!, admitted.entry, t0 + 31_500).status).toBe("EXPIRED");
      const fifth = await store.read(slotId, "user-4", { join: false, now: t0 + 3_000 });
      expect(fifth.entry?.admittedAt).toBe(t0 + 2_500);
      const waiting = await store.read(slotId, "user-9", { join: false, now: t0 + 3_000 });
      expect(ticketOf(waiting.room!, waiting.entry, t0 + 3_000)).toMatchObject({
        status: "WAITING",
        position: 5,
        estimatedWaitSeconds: 3,
        admittedUntil: null,
      });
    });

    it("admits nobody while paused or sold out, never more than joined, and banks no credit", async () => {
      const slotId = randomUUID();
      await store.configure(slotId, { status: "OPEN", admitPerMinute: 60 }, t0);
      for (let i = 0; i < 3; i++) await store.read(slotId, `u${i}`, { join: true, now: t0 });
      // A minute at 60/min admits everyone there is (3), not 60.
      expect((await store.tick(slotId, false, t0 + 60_000))!.room.admitted).toBe(3);
      for (let i = 3; i < 6; i++) await store.read(slotId, `u${i}`, { join: true, now: t0 + 60_000 });
      // The idle minute left no credit: one second admits one.
      expect((await store.tick(slotId, false, t0 + 61_000))!.room.admitted).toBe(4);
      await store.configure(slotId, { status: "PAUSED" }, t0 + 61_000);
      expect((await store.tick(slotId, false, t0 + 70_000))!.room).toMatchObject({ admitted: 4, status: "PAUSED" });
      expect(await store.activeSlots()).toContain(slotId);
      await store.configure(slotId, { status: "OPEN" }, t0 + 70_000);
      // Sold out: nobody admitted, and the room says so.
      const soldOut = (await store.tick(slotId, true, t0 + 80_000))!;
      expect(soldOut.room).toMatchObject({ admitted: 4, soldOut: true });
      expect(soldOut.changed).toBe(true);
      // Reopened after the pause at 70 s: the sold-out stretch gave no credit either.
      expect((await store.tick(slotId, false, t0 + 81_000))!.room).toMatchObject({ admitted: 5, soldOut: false });
      await store.configure(slotId, { status: "CLOSED" }, t0 + 81_000);
      expect(await store.activeSlots()).not.toContain(slotId);
      const closed = await store.read(slotId, "u5", { join: true, now: t0 + 81_000 });
      expect(ticketOf(closed.room!, closed.entry, t0 + 81_000).status).toBe("CLOSED");
    });

    it("hands out every number once under concurrent joins", async () => {
      const slotId = randomUUID();
      await store.configure(slotId, { status: "OPEN", admitPerMinute: 60 }, t0);
      const reads = await Promise.all(
        Array.from({ length: 300 }, (_, i) => store.read(slotId, `c${i % 200}`, { join: true, now: t0 })),
      );
      const byUser = new Map<string, number>();
      reads.forEach((read, i) => {
        const user = `c${i % 200}`;
        const number = read.entry!.number;
        if (byUser.has(user)) expect(number).toBe(byUser.get(user));
        byUser.set(user, number);
      });
      expect([...byUser.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(reads.filter((r) => r.joined)).toHaveLength(200);
    });
  });
}

waitingRoomStoreContract("in-process (embedded)", createMemoryWaitingRoomStore);

const redisClients: Redis[] = [];
if (backends.redisUrl) {
  waitingRoomStoreContract("Redis (Lua)", () => {
    const redis = connectRedis(backends.redisUrl!, "waiting-room-contract");
    redisClients.push(redis);
    return createRedisWaitingRoomStore(redis, `test-${randomUUID()}`);
  });
}
afterAll(async () => {
  for (const redis of redisClients) await redis.quit();
});

import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it, vi } from "vitest";
import { connectRedis } from "../../lib/storage/redis";
import type { HoldStore } from "../../subgraphs/inventory/hold/hold.store";
import { createMemoryHoldStore } from "../../subgraphs/inventory/hold/hold.store.memory";
import { createRedisHoldStore } from "../../subgraphs/inventory/hold/hold.store.redis";
import { backends } from "../support/backends";

/** `availableInSlots`: the seats left of a request's whole list of zones, across slots, at once. */
function availabilityContract(name: string, makeStore: () => HoldStore) {
  describe(`seats left across slots: ${name}`, () => {
    const store = makeStore();
    async function loadedSlot(capacities: number[]) {
      const slotId = randomUUID();
      const zones = capacities.map((capacity) => ({ zoneId: randomUUID(), capacity }));
      await store.load({ slotId, zones, holds: [], released: [] }, new Date());
      return { slotId, zoneIds: zones.map((z) => z.zoneId) };
    }

    it("answers each slot's zones in the order asked, and null for a slot that is not loaded", async () => {
      const first = await loadedSlot([5, 3]);
      const second = await loadedSlot([8]);
      const held = await store.hold({
        holdId: randomUUID(),
        slotId: second.slotId,
        zoneId: second.zoneIds[0],
        userId: "u",
        quantity: 2,
        maxPerUser: 4,
        expiresAt: new Date(Date.now() + 600_000),
      });
      expect(held.kind).toBe("held");
      const cold = { slotId: randomUUID(), zoneIds: [randomUUID()] };
      expect(
        await store.availableInSlots([
          { slotId: second.slotId, zoneIds: second.zoneIds },
          cold,
          { slotId: first.slotId, zoneIds: [first.zoneIds[1], first.zoneIds[0]] },
        ]),
      ).toEqual([[6], [null], [3, 5]]);
      expect(await store.availableInSlots([])).toEqual([]);
    });

    it("says null for a zone its loaded slot does not know", async () => {
      const slot = await loadedSlot([4]);
      expect(await store.availableInSlots([{ slotId: slot.slotId, zoneIds: [slot.zoneIds[0], randomUUID()] }])).toEqual(
        [[4, null]],
      );
    });
  });
}

availabilityContract("in-process (embedded)", createMemoryHoldStore);

const redisClients: Redis[] = [];
if (backends.redisUrl) {
  const connect = () => {
    const redis = connectRedis(backends.redisUrl!, "hold-store-availability");
    redisClients.push(redis);
    return redis;
  };
  availabilityContract("Redis", () => createRedisHoldStore(connect(), `test-${randomUUID()}`));

  it("reads every slot's counters in one pipeline of per-slot MGETs (one round trip, no CROSSSLOT)", async () => {
    const redis = connect();
    const store = createRedisHoldStore(redis, `test-${randomUUID()}`);
    const slots = [randomUUID(), randomUUID(), randomUUID()];
    for (const slotId of slots)
      await store.load({ slotId, zones: [{ zoneId: slotId, capacity: 2 }], holds: [], released: [] }, new Date());
    const pipeline = vi.spyOn(redis, "pipeline");
    const mget = vi.spyOn(redis, "mget");
    expect(await store.availableInSlots(slots.map((slotId) => ({ slotId, zoneIds: [slotId] })))).toEqual([
      [2],
      [2],
      [2],
    ]);
    expect(pipeline).toHaveBeenCalledTimes(1);
    expect(mget).not.toHaveBeenCalled();
  });
}
afterAll(async () => {
  for (const redis of redisClients) await redis.quit();
});

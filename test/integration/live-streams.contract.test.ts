import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { connectRedis } from "../../lib/storage/redis";
import type { LiveChannel } from "../../lib/contracts/live";
import {
  CHANNEL_START,
  compareCursors,
  createMemoryLiveEvents,
  createRedisLiveEvents,
  CursorExpiredError,
  LIVE_RETENTION,
  type LiveAppend,
  type LiveEntry,
  type LiveEvents,
} from "../../lib/messaging/live";
import { createLogger } from "../../lib/observability/logger";
import { backends } from "../support/backends";

const booking = (id: string): LiveChannel<"booking"> => `booking:${id}`;
const event = (channel: LiveChannel<"booking">, eventId = randomUUID()): LiveAppend => ({
  eventId,
  eventType: "booking.confirmed",
  traceparent: null,
  deliveries: [{ channel, message: { bookingId: channel.slice("booking:".length) } }],
});

/** One contract, run against every implementation of the port. */
function liveEventsContract(name: string, make: () => LiveEvents) {
  describe(`live streams contract: ${name}`, () => {
    const live = make();
    afterAll(() => live.close());

    it("pushes each appended entry to the channel's subscribers with its cursor, once per event id", async () => {
      const channel = booking(randomUUID());
      const received: LiveEntry[] = [];
      const stop = await live.subscribe(channel, (entry) => received.push(entry));
      const first = event(channel);
      await live.append([first, event(channel)]);
      await live.append([first]); // the relay retrying a batch: nothing new
      await expect.poll(() => received.length).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toHaveLength(2);
      expect(received[0]).toMatchObject({ eventId: first.eventId, eventType: "booking.confirmed" });
      expect(received[0].message).toMatchObject({ bookingId: channel.slice("booking:".length) });
      expect(compareCursors(received[1].cursor, received[0].cursor)).toBeGreaterThan(0);
      // The stream holds exactly what was pushed, and `latest` is the last of it.
      expect(await live.read(channel, CHANNEL_START)).toEqual(received);
      expect(await live.latest(channel)).toBe(received[1].cursor);
      await stop();
    });

    it("reads back the entries after a cursor, oldest first", async () => {
      const channel = booking(randomUUID());
      await live.append([event(channel), event(channel), event(channel)]);
      const all = await live.read(channel, CHANNEL_START);
      expect(all).toHaveLength(3);
      expect(await live.read(channel, all[0].cursor)).toEqual(all.slice(1));
      expect(await live.read(channel, all[2].cursor)).toEqual([]);
      // A channel with nothing kept: nothing after a recent cursor, the start when asked for the latest.
      const quiet = booking(randomUUID());
      expect(await live.read(quiet, `${Date.now() - 60_000}-0`)).toEqual([]);
      expect(await live.latest(quiet)).toBe(CHANNEL_START);
    });

    it("says a cursor expired when entries after it were trimmed, or when it is older than the retention", async () => {
      const channel = booking(randomUUID());
      await live.append([event(channel)]);
      const [oldest] = await live.read(channel, CHANNEL_START);
      // Redis trims whole blocks (MAXLEN ~): well past the limit, the oldest block is gone.
      const more = Array.from({ length: LIVE_RETENTION.entries + 500 }, () => event(channel));
      for (let i = 0; i < more.length; i += 1_000) await live.append(more.slice(i, i + 1_000));
      await expect(live.read(channel, oldest.cursor)).rejects.toBeInstanceOf(CursorExpiredError);
      await expect(live.read(booking(randomUUID()), `${Date.now() - 2 * 86_400_000}-0`)).rejects.toBeInstanceOf(
        CursorExpiredError,
      );
    });

    it("keeps a closed connection's resume points for a while", async () => {
      const key = `u1|booking:b|${randomUUID()}`;
      expect(await live.recall(key)).toBeNull();
      await live.remember(new Map([[key, "1700000000000-3"]]));
      expect(await live.recall(key)).toBe("1700000000000-3");
    });
  });
}

liveEventsContract("memory", () => createMemoryLiveEvents());

// Only with Redis: describe.runIf still collects its body, which would connect to nothing.
if (backends.redisUrl) {
  describe("redis", () => {
    const redis: Redis = connectRedis(backends.redisUrl!, "live-contract");
    const prefix = `test-live-${randomUUID().slice(0, 8)}`;
    afterAll(async () => {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    });
    liveEventsContract("redis", () => createRedisLiveEvents(redis, prefix, createLogger("silent")));
  });
}

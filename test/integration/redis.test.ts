import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { connectRedis } from "../../lib/storage/redis";
import { backends } from "../support/backends";

describe.runIf(!!backends.redisUrl)("Redis", () => {
  it("answers commands through the platform's client settings", async () => {
    const redis = connectRedis(backends.redisUrl!, "test");
    try {
      const key = `test:{${randomUUID()}}:ping`;
      await redis.set(key, "pong", "EX", 10);
      expect(await redis.get(key)).toBe("pong");
      expect(await redis.ping()).toBe("PONG");
    } finally {
      await redis.quit();
    }
  });

  it("fails fast instead of hanging when Redis is unreachable", async () => {
    const redis = connectRedis("redis://127.0.0.1:1", "test-unreachable");
    try {
      const started = Date.now();
      await expect(redis.ping()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      redis.disconnect();
    }
  });
});

import { describe, expect, it } from "vitest";
import { createLogger } from "../../lib/observability/logger";
import { createRateLimiter, type RateLimitConfig } from "./limiter";
import { createMemoryRateLimitStore, type RateLimitStore } from "./store";

const config: RateLimitConfig = {
  enabled: true,
  general: { perMinute: 1, burst: 3 },
  reservation: { perMinute: 1, burst: 2 },
  ipFactor: 1,
  ipMaxHeldSeats: 20,
  holdTtlSeconds: 600,
  trustedProxies: [],
};
const logger = createLogger("silent");
const guest = { userId: "u-1", role: "GUEST" as const };

describe("rate limiter", () => {
  it("limits a user and an address apart: a user on a new address is still limited", async () => {
    const limiter = createRateLimiter(config, createMemoryRateLimitStore(), logger);
    for (let i = 0; i < 3; i++) expect(await limiter.admit(guest, "192.0.2.1")).toBeNull();
    const refused = await limiter.admit(guest, "192.0.2.2");
    expect(refused?.extensions).toMatchObject({
      code: "RATE_LIMITED",
      limit: "general",
      scope: "user",
      retryAfterSeconds: 60,
    });
    // The second address's bucket was not charged by the refused request.
    for (let i = 0; i < 3; i++) expect(await limiter.admit(null, "192.0.2.2")).toBeNull();
    expect((await limiter.admit(null, "192.0.2.2"))?.extensions).toMatchObject({ scope: "ip" });
  });

  it("keeps limiting with in-process buckets when the shared store fails", async () => {
    const broken: RateLimitStore = new Proxy({} as RateLimitStore, {
      get: () => async () => {
        throw new Error("Command timed out");
      },
    });
    const limiter = createRateLimiter(config, broken, logger);
    for (let i = 0; i < 3; i++) expect(await limiter.admit(null, "198.51.100.1")).toBeNull();
    expect(await limiter.admit(null, "198.51.100.1")).not.toBeNull();
  });

  it("puts no Apollo `http` extension on errors transports write themselves", async () => {
    const limiter = createRateLimiter(config, createMemoryRateLimitStore(), logger);
    for (let i = 0; i < 3; i++) await limiter.admit(null, "203.0.113.1");
    const refused = await limiter.admit(null, "203.0.113.1");
    expect(refused?.extensions.http).toBeUndefined();
  });
});

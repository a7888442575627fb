import { describe, expect, it } from "vitest";
import { loadGatewayConfig } from "../config";

const secrets = { JWT_SECRET: "x".repeat(32), SERVICE_SECRET: "y".repeat(32) };

describe("rate limit configuration", () => {
  it("defaults to seed 003's classes, enabled, with no trusted proxy", () => {
    expect(loadGatewayConfig(secrets).rateLimit).toEqual({
      enabled: true,
      general: { perMinute: 100, burst: 20 },
      reservation: { perMinute: 20, burst: 10 },
      ipFactor: 1,
      ipMaxHeldSeats: 20,
      holdTtlSeconds: 600,
      trustedProxies: [],
    });
  });

  it("reads every variable", () => {
    const config = loadGatewayConfig({
      ...secrets,
      RATE_LIMIT_ENABLED: "false",
      RATE_LIMIT_GENERAL_PER_MINUTE: "600",
      RATE_LIMIT_GENERAL_BURST: "50",
      RATE_LIMIT_RESERVATION_PER_MINUTE: "30",
      RATE_LIMIT_RESERVATION_BURST: "5",
      RATE_LIMIT_IP_FACTOR: "10",
      RATE_LIMIT_IP_MAX_HELD_SEATS: "0",
      TRUSTED_PROXIES: "10.0.0.0/8, loopback",
    }).rateLimit;
    expect(config).toMatchObject({
      enabled: false,
      general: { perMinute: 600, burst: 50 },
      reservation: { perMinute: 30, burst: 5 },
      ipFactor: 10,
      ipMaxHeldSeats: 0,
      trustedProxies: ["10.0.0.0/8", "loopback"],
    });
  });

  it("names a malformed proxy entry and a bad number", () => {
    expect(() => loadGatewayConfig({ ...secrets, TRUSTED_PROXIES: "proxy.internal" })).toThrow(/TRUSTED_PROXIES/);
    expect(() => loadGatewayConfig({ ...secrets, RATE_LIMIT_GENERAL_BURST: "0" })).toThrow(/RATE_LIMIT_GENERAL_BURST/);
  });
});

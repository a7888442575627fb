import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../lib/core/config";
import { loadGatewayConfig } from "./config";
import { originAllowed } from "./cors";

const secrets = { JWT_SECRET: "j".repeat(32), SERVICE_SECRET: "s".repeat(32) };
const load = (env: Record<string, string>) => loadGatewayConfig({ ...secrets, ...env });

describe("CORS_ORIGINS", () => {
  it("defaults to a local Next.js app (next dev on port 3000)", () => {
    expect(load({}).corsOrigins).toEqual(["http://localhost:3000", "http://127.0.0.1:3000"]);
  });

  it("takes a comma-separated list, normalised as browsers send Origin", () => {
    expect(load({ CORS_ORIGINS: " https://App.Example.com:443/ , http://localhost:5173" }).corsOrigins).toEqual([
      "https://app.example.com",
      "http://localhost:5173",
    ]);
    expect(load({ CORS_ORIGINS: "none" }).corsOrigins).toEqual([]);
  });

  it("refuses entries that are not origins, naming each", () => {
    const error = (() => {
      try {
        load({ CORS_ORIGINS: "https://ok.example,https://app.example/path,*,ftp://x.example" });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems.join("\n")).toMatch(/CORS_ORIGINS: "https:\/\/app.example\/path" is not an origin/);
    expect(error!.problems.join("\n")).toMatch(/"\*" is not an origin/);
    expect(error!.problems.join("\n")).toMatch(/"ftp:\/\/x.example" is not an origin/);
    expect(error!.problems.join("\n")).not.toMatch(/ok\.example/);
  });
});

describe("METRICS_TOKEN", () => {
  it("is optional (the gateway then serves no /metrics) and at least 16 characters", () => {
    expect(load({}).metricsToken).toBeUndefined();
    expect(load({ METRICS_TOKEN: "m".repeat(16) }).metricsToken).toBe("m".repeat(16));
    expect(() => load({ METRICS_TOKEN: "short" })).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
  });
});

describe("originAllowed", () => {
  const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
  const list = ["https://app.example.com"];
  it("allows no Origin (servers, CLIs), a listed origin and the gateway's own origin", () => {
    expect(originAllowed(list, req({ host: "api.example.com" }))).toBe(true);
    expect(originAllowed(list, req({ origin: "https://app.example.com", host: "api.example.com" }))).toBe(true);
    expect(originAllowed(list, req({ origin: "https://api.example.com", host: "api.example.com" }))).toBe(true);
    expect(originAllowed(list, req({ origin: "http://127.0.0.1:4000", host: "127.0.0.1:4000" }))).toBe(true);
  });
  it("refuses any other origin, `null` and look-alikes", () => {
    for (const origin of [
      "https://evil.example",
      "null",
      "https://app.example.com.evil.example",
      "http://app.example.com",
    ])
      expect(originAllowed(list, req({ origin, host: "api.example.com" }))).toBe(false);
    expect(originAllowed(list, req({ origin: "https://api.example.com" }))).toBe(false); // no Host
  });
});

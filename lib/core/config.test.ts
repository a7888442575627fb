import { describe, expect, it } from "vitest";
import { problemsOf } from "../../test/support/config";
import { loadSubgraphConfig } from "./service-config";
import { loadGatewayConfig } from "../../gateway/config";

const secrets = { SERVICE_SECRET: "s".repeat(32), JWT_SECRET: "j".repeat(32) };

describe("service configuration", () => {
  it("lists every bad variable by name at once", () => {
    const problems = problemsOf(() =>
      loadSubgraphConfig(
        "booking",
        {
          ...secrets,
          BOOKING_PORT: "eighty",
          DATABASE_URL: "mysql://x",
          REDIS_URL: "localhost:6379",
          LOG_LEVEL: "loud",
        },
        { standalone: false },
      ),
    );
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual([
      "BOOKING_PORT",
      "DATABASE_URL",
      "LOG_LEVEL",
      "REDIS_URL",
    ]);
  });

  it("refuses a standalone subgraph without its database and secrets", () => {
    const problems = problemsOf(() => loadSubgraphConfig("payment", {}, { standalone: true }));
    expect(problems.join("\n")).toMatch(/SERVICE_SECRET/);
    expect(problems.join("\n")).toMatch(/JWT_SECRET/);
    expect(problems.join("\n")).toMatch(/DATABASE_URL/);
  });

  it("rejects short secrets and malformed broker lists", () => {
    const problems = problemsOf(() =>
      loadSubgraphConfig(
        "inventory",
        { SERVICE_SECRET: "short", JWT_SECRET: "j".repeat(32), KAFKA_BROKERS: "kafka" },
        { standalone: false },
      ),
    );
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["KAFKA_BROKERS", "SERVICE_SECRET"]);
  });

  it("parses a valid environment into typed values with defaults", () => {
    const config = loadSubgraphConfig(
      "inventory",
      {
        ...secrets,
        DATABASE_URL: "postgres://u@127.0.0.1:5432/db",
        KAFKA_BROKERS: "127.0.0.1:9092, 10.0.0.2:9092",
        INVENTORY_PORT: "0",
      },
      { standalone: true },
    );
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 0,
      kafkaBrokers: ["127.0.0.1:9092", "10.0.0.2:9092"],
      logLevel: "info",
    });
  });

  it("binds to loopback and uses the composed supergraph by default", () => {
    const config = loadGatewayConfig({ ...secrets });
    expect(config.host).toBe("127.0.0.1");
    expect(config.port).toBe(4000);
    expect(config.supergraphPath).toMatch(/schema\/supergraph\.graphql$/);
  });
});

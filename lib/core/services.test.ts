import net from "node:net";
import { describe, expect, it } from "vitest";
import { problemsOf } from "../../test/support/config";
import { StartupError } from "./config";
import { startHttpServer } from "../http/server";
import { createLogger } from "../observability/logger";
import { loadPlatformConfig } from "../../launcher/platform";
import { loadRelayConfig, loadSubgraphConfig } from "./service-config";
import { DEFAULT_PORTS, listening, SERVICE_NAMES, SERVICES, SUBGRAPHS } from "./services";
import { loadGatewayConfig } from "../../gateway/config";

const secrets = { SERVICE_SECRET: "s".repeat(32), JWT_SECRET: "j".repeat(32), PAYMENT_WEBHOOK_SECRET: "w".repeat(32) };

describe("the registry of services", () => {
  it("names every process, its default port and its variable once", () => {
    expect(SERVICE_NAMES).toEqual(["gateway", "booking", "inventory", "payment", "notification", "relay"]);
    expect(DEFAULT_PORTS).toEqual({
      gateway: 4000,
      booking: 4001,
      inventory: 4002,
      payment: 4003,
      notification: 4004,
      relay: 4010,
    });
    for (const name of SERVICE_NAMES) expect(SERVICES[name].portVariable).toBe(`${name.toUpperCase()}_PORT`);
    for (const name of SUBGRAPHS) expect(SERVICES[name].urlVariable).toBe(`${name.toUpperCase()}_URL`);
  });
});

describe("ports and URLs derive from the *_PORT variables", () => {
  const shifted = {
    GATEWAY_PORT: "5000",
    BOOKING_PORT: "5001",
    INVENTORY_PORT: "5002",
    PAYMENT_PORT: "5003",
    NOTIFICATION_PORT: "5004",
    RELAY_PORT: "5010",
  };

  it("the gateway calls each subgraph on its port, unless <NAME>_URL is set", () => {
    expect(loadGatewayConfig(secrets).subgraphUrls).toEqual({
      booking: "http://127.0.0.1:4001/graphql",
      inventory: "http://127.0.0.1:4002/graphql",
      payment: "http://127.0.0.1:4003/graphql",
      notification: "http://127.0.0.1:4004/graphql",
    });
    const config = loadGatewayConfig({ ...secrets, ...shifted, PAYMENT_URL: "http://payments.internal:80/graphql" });
    expect(config.port).toBe(5000);
    expect(config.subgraphUrls).toEqual({
      booking: "http://127.0.0.1:5001/graphql",
      inventory: "http://127.0.0.1:5002/graphql",
      payment: "http://payments.internal:80/graphql",
      notification: "http://127.0.0.1:5004/graphql",
    });
  });

  it("booking calls inventory on INVENTORY_PORT, unless INVENTORY_INTERNAL_URL is set", () => {
    const booking = loadSubgraphConfig("booking", { ...secrets, ...shifted }, { standalone: false });
    expect(booking.port).toBe(5001);
    expect(booking.reservations.inventoryUrl).toBe("http://127.0.0.1:5002");
    const explicit = loadSubgraphConfig(
      "booking",
      { ...secrets, ...shifted, INVENTORY_INTERNAL_URL: "http://inventory.internal:8080/" },
      { standalone: false },
    );
    expect(explicit.reservations.inventoryUrl).toBe("http://inventory.internal:8080");
  });

  it("a service bound to every interface is reached on loopback", () => {
    const env = { ...secrets, ...shifted, HOST: "0.0.0.0" };
    expect(loadGatewayConfig(env).subgraphUrls.booking).toBe("http://127.0.0.1:5001/graphql");
    expect(loadSubgraphConfig("booking", env, { standalone: false }).reservations.inventoryUrl).toBe(
      "http://127.0.0.1:5002",
    );
  });

  it("the relay listens on RELAY_PORT", () => {
    const relay = loadRelayConfig({ DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: "k:9092", ...shifted });
    expect(relay.port).toBe(5010);
  });

  it("a busy port is one line naming the variable", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const attempt = listening("gateway", () =>
        startHttpServer({ host: "127.0.0.1", port, routes: {}, logger: createLogger("silent") }),
      );
      await expect(attempt).rejects.toThrow(StartupError);
      await expect(attempt).rejects.toThrow(`GATEWAY_PORT=${port} is in use; set GATEWAY_PORT to a free port`);
    } finally {
      blocker.close();
    }
  });
});

describe("secrets in distributed mode", () => {
  it("a standalone payment subgraph names every missing secret at once, with the command that makes it", () => {
    const problems = problemsOf(() => loadSubgraphConfig("payment", {}, { standalone: true }));
    for (const name of ["SERVICE_SECRET", "JWT_SECRET", "PAYMENT_WEBHOOK_SECRET"]) {
      const line = problems.find((p) => p.startsWith(`${name}:`));
      expect(line, name).toContain(`export ${name}=$(openssl rand -hex 32)`);
    }
    expect(problems.some((p) => p.startsWith("DATABASE_URL:"))).toBe(true);
  });

  it("the gateway says how to make its secrets too", () => {
    const problems = problemsOf(() => loadGatewayConfig({}));
    expect(problems.join("\n")).toContain("export SERVICE_SECRET=$(openssl rand -hex 32)");
    expect(problems.join("\n")).toContain("export JWT_SECRET=$(openssl rand -hex 32)");
  });
});

describe("KAFKA_PREFIX", () => {
  const prefixOf = (KAFKA_PREFIX: string) =>
    loadSubgraphConfig("booking", { ...secrets, KAFKA_PREFIX }, { standalone: false }).kafkaPrefix;

  it("gets a '.' separator unless it ends with one", () => {
    expect(prefixOf("staging")).toBe("staging.");
    expect(prefixOf("staging.")).toBe("staging.");
    expect(prefixOf("staging-")).toBe("staging-");
    expect(prefixOf("staging_")).toBe("staging_");
    expect(prefixOf("")).toBe("");
    expect(
      loadRelayConfig({ DATABASE_URL: "postgres://u@h/db", KAFKA_BROKERS: "k:9092", KAFKA_PREFIX: "x" }).kafkaPrefix,
    ).toBe("x.");
  });
});

describe("the one-process platform parses its environment once", () => {
  it("one configuration for every service, every problem listed once", () => {
    const problems = problemsOf(() =>
      loadPlatformConfig({ GATEWAY_PORT: "x", BOOKING_PORT: "-1", NOTIFICATION_SENDER: "smtp", LOG_LEVEL: "loud" }),
    );
    expect(problems.map((p) => p.split(":")[0]).sort()).toEqual(["BOOKING_PORT", "GATEWAY_PORT", "LOG_LEVEL"]);
    const smtp = problemsOf(() => loadPlatformConfig({ NOTIFICATION_SENDER: "smtp" }));
    // Every subgraph sees the same variables; the problem is reported once, not four times.
    expect(smtp).toEqual([expect.stringMatching(/^SMTP_URL: required when NOTIFICATION_SENDER=smtp/)]);
  });

  it("derives every service's settings from the same parse, generated secrets shared", () => {
    const config = loadPlatformConfig({ INVENTORY_PORT: "0", KAFKA_PREFIX: "dev", LOG_LEVEL: "warn" });
    expect(config.mode).toBe("embedded");
    expect(config.logLevel).toBe("warn");
    const secretsSeen = new Set(
      [...SUBGRAPHS.map((name) => config.subgraphs[name].auth), config.gateway.auth].map((a) => a.serviceSecret),
    );
    expect(secretsSeen.size).toBe(1);
    expect(config.subgraphs.payment.payments.webhookSecret).toBe(config.env.PAYMENT_WEBHOOK_SECRET);
    expect(config.subgraphs.notification.kafkaPrefix).toBe("dev.");
    expect(config.subgraphs.inventory.port).toBe(0);
    expect(config.explicitUrls).toEqual({
      inventoryInternal: false,
      subgraphs: { booking: false, inventory: false, payment: false, notification: false },
    });
  });
});

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { signUserToken } from "../../lib/core/auth";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { SUBGRAPH_DEFINITIONS } from "../../subgraphs";
import { backends } from "../support/backends";
import { createTestDatabase } from "../support/database";
import { freePort } from "../support/ports";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/.bin/tsx");

/** The environment of a machine with nothing installed: no service URLs, no secrets. */
function bareEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const {
    DATABASE_URL: _d,
    REDIS_URL: _r,
    KAFKA_BROKERS: _k,
    JWT_SECRET: _j,
    SERVICE_SECRET: _s,
    ...rest
  } = process.env;
  return { ...rest, LOG_LEVEL: "warn", ...extra };
}

function collect(child: ChildProcess): { out: () => string } {
  let out = "";
  child.stdout!.on("data", (chunk) => (out += chunk));
  child.stderr!.on("data", (chunk) => (out += chunk));
  return { out: () => out };
}

describe("`npm start` on a machine with nothing but Node", () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGTERM");
  });

  it("starts everything embedded, prints the endpoint and demo tokens, and answers the four-subgraph query", async () => {
    const ports = {
      GATEWAY_PORT: 0,
      BOOKING_PORT: 0,
      INVENTORY_PORT: 0,
      PAYMENT_PORT: 0,
      NOTIFICATION_PORT: 0,
      RELAY_PORT: 0,
    };
    for (const key of Object.keys(ports) as (keyof typeof ports)[]) ports[key] = await freePort();
    child = spawn(TSX, ["scripts/start.ts"], {
      cwd: ROOT,
      env: bareEnv(Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)]))),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = collect(child);
    // The bar: the first query answers within 20 s of `npm start`.
    const deadline = Date.now() + 20_000;
    while (!/GraphQL endpoint/.test(output.out()) && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`npm start exited:\n${output.out()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const text = output.out();
    expect(text).toContain(`GraphQL endpoint: http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`);
    expect(text).toContain("embedded PGlite");
    const guestToken = /guest\s+Authorization: Bearer (\S+)/.exec(text)?.[1];
    expect(/organizer\s+Authorization: Bearer \S+/.test(text)).toBe(true);
    expect(/admin\s+Authorization: Bearer \S+/.test(text)).toBe(true);

    const response = await fetch(`http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${guestToken}` },
      body: JSON.stringify({
        query: `query($id: ID!) { booking(id: $id) { reference zone { name slot { venue { name } } } payment { status } notifications { subject } } }`,
        variables: { id: DEMO_IDS.confirmedBooking },
      }),
    });
    const body = (await response.json()) as { data: unknown; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      booking: {
        reference: "BR-20261101-DEMQK5",
        zone: { name: "Stalls", slot: { venue: { name: "Grand Theatre" } } },
        payment: { status: "SUCCEEDED" },
        notifications: [{ subject: "Your booking BR-20261101-DEMQK5 is confirmed" }],
      },
    });

    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child!.once("exit", resolve));
    expect(code).toBe(0);
  }, 40_000);
});

describe("a service started on its own", () => {
  it("refuses to start without its configuration and names every missing variable", async () => {
    const child = spawn(TSX, ["scripts/start-service.ts", "booking"], {
      cwd: ROOT,
      env: bareEnv({ BOOKING_PORT: "not-a-port" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = collect(child);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output.out()).toMatch(/BOOKING_PORT/);
    expect(output.out()).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  }, 30_000);

  it("names the variables a standalone subgraph needs", async () => {
    const child = spawn(TSX, ["scripts/start-service.ts", "payment"], {
      cwd: ROOT,
      env: bareEnv({}),
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output = collect(child);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    for (const name of ["DATABASE_URL", "SERVICE_SECRET", "JWT_SECRET", "PAYMENT_WEBHOOK_SECRET"])
      expect(output.out()).toContain(name);
  }, 30_000);
});

describe.runIf(!!backends.databaseUrl)("distributed: every service its own process", () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const child of children) child.kill("SIGTERM");
  });

  it("serves the four-subgraph query through a gateway process in front of four subgraph processes", async () => {
    const test = await createTestDatabase();
    try {
      for (const definition of SUBGRAPH_DEFINITIONS) await definition.seedDemoData(test.database.db);
      const secrets = {
        JWT_SECRET: randomBytes(32).toString("hex"),
        SERVICE_SECRET: randomBytes(32).toString("hex"),
        PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString("hex"),
      };
      const ports = {
        booking: await freePort(),
        inventory: await freePort(),
        payment: await freePort(),
        notification: await freePort(),
      };
      const gatewayPort = await freePort();
      const env = bareEnv({
        ...secrets,
        DATABASE_URL: test.url!,
        ...(backends.redisUrl
          ? { REDIS_URL: backends.redisUrl, REDIS_PREFIX: `test-${randomBytes(6).toString("hex")}` }
          : {}),
        GATEWAY_PORT: String(gatewayPort),
        ...Object.fromEntries(
          Object.entries(ports).map(([name, port]) => [`${name.toUpperCase()}_PORT`, String(port)]),
        ),
        ...Object.fromEntries(
          Object.entries(ports).map(([name, port]) => [
            `${name.toUpperCase()}_URL`,
            `http://127.0.0.1:${port}/graphql`,
          ]),
        ),
      });
      const outputs = [];
      for (const service of ["inventory", "booking", "payment", "notification", "gateway"]) {
        const child = spawn(TSX, ["scripts/start-service.ts", service], {
          cwd: ROOT,
          env,
          stdio: ["ignore", "pipe", "pipe"],
        });
        children.push(child);
        outputs.push(collect(child));
      }
      const ready = async () => {
        const response = await fetch(`http://127.0.0.1:${gatewayPort}/readyz`).catch(() => null);
        return response?.status === 200;
      };
      // Five cold `tsx` start-ups on a shared 2-core machine: 30 s was once not enough under load.
      const deadline = Date.now() + 75_000;
      while (!(await ready())) {
        if (Date.now() > deadline || children.some((c) => c.exitCode !== null)) {
          throw new Error(`services did not become ready:\n${outputs.map((o) => o.out()).join("\n")}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      const token = await signUserToken(
        { jwtSecret: secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" },
        DEMO_USERS.guest,
      );
      const response = await fetch(`http://127.0.0.1:${gatewayPort}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `{ myBookings(status: [CONFIRMED]) { edges { node { reference zone { slot { venue { name } } } payment { status } notifications { subject } } } } }`,
        }),
      });
      const body = (await response.json()) as { data: unknown; errors?: unknown };
      expect(body.errors).toBeUndefined();
      expect(body.data).toEqual({
        myBookings: {
          edges: [
            {
              node: {
                reference: "BR-20261101-DEMQK5",
                zone: { slot: { venue: { name: "Grand Theatre" } } },
                payment: { status: "SUCCEEDED" },
                notifications: [{ subject: "Your booking BR-20261101-DEMQK5 is confirmed" }],
              },
            },
          ],
        },
      });
    } finally {
      for (const child of children) child.kill("SIGTERM");
      await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
      await test.drop();
    }
  }, 120_000);
});

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createTokenVerifier } from "../../lib/core/auth";
import { DEMO_USERS } from "../../lib/core/demo";
import { SERVICE_NAMES, SERVICES } from "../../lib/core/services";
import { freePort } from "../support/ports";

/**
 * What an operator sees: every command either works or says what it needs (no zod message about
 * `undefined`, no stack trace), a busy port is one line naming the variable, and `npm start`
 * reports its progress.
 */
const ROOT = path.resolve(import.meta.dirname, "../..");

/** A machine with nothing configured: no service URLs, no secrets, no ports. */
function bareEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const kept = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/_SECRET$|_URL$|_PORT$|^KAFKA_|^REDIS_|^DATABASE_|^JWKS/.test(name),
    ),
  );
  return { ...kept, LOG_LEVEL: "warn", ...extra };
}

interface Run {
  code: number | null;
  out: string;
  /** Lines in the order they were written, stdout and stderr together. */
  lines: string[];
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (out += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} ${args.join(" ")} did not exit within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out, lines: out.split("\n") });
    });
  });
}

const tsx = (script: string, args: string[], env: NodeJS.ProcessEnv) =>
  run(process.execPath, ["--import", "tsx", script, ...args], env);
const npm = (args: string[], env: NodeJS.ProcessEnv) => run("npm", ["run", "-s", ...args], env);

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

async function busyPort(): Promise<{ port: number; close(): void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe("operator commands say what they need", () => {
  it("a standalone payment subgraph lists every missing secret with the command that makes it", async () => {
    const result = await npm(["start:payment"], bareEnv());
    expect(result.code).toBe(1);
    for (const name of ["SERVICE_SECRET", "JWT_SECRET", "PAYMENT_WEBHOOK_SECRET"])
      expect(result.out).toContain(`export ${name}=$(openssl rand -hex 32)`);
    expect(result.out).toContain("DATABASE_URL");
    expect(result.out).not.toMatch(STACK);
  }, 60_000);

  it("db:migrate, outbox, inventory:reconcile and start:relay name what is missing instead of a zod message", async () => {
    const [migrate, outbox, reconcile, relay] = await Promise.all([
      npm(["db:migrate"], bareEnv()),
      npm(["outbox", "--", "status"], bareEnv()),
      npm(["inventory:reconcile"], bareEnv()),
      npm(["start:relay"], bareEnv({ DATABASE_URL: "postgres://postgres@127.0.0.1:5432/postgres" })),
    ]);
    for (const result of [migrate, outbox, reconcile, relay]) {
      expect(result.code).toBe(1);
      expect(result.out).not.toContain("Invalid input");
      expect(result.out).not.toMatch(STACK);
    }
    expect(migrate.out).toContain("npm run db:migrate needs DATABASE_URL");
    expect(migrate.out).toContain("migrates itself");
    expect(outbox.out).toContain("npm run outbox needs DATABASE_URL");
    expect(reconcile.out).toContain("npm run inventory:reconcile needs DATABASE_URL and REDIS_URL");
    expect(relay.out).toMatch(/KAFKA_BROKERS: required/);
    expect(relay.out).not.toMatch(/DATABASE_URL: required/);
  }, 90_000);

  it("npm run token prints a token for the configured secret, and says how to get one without it", async () => {
    const secret = randomBytes(32).toString("hex");
    const [signed, unset] = await Promise.all([
      npm(["token", "--", "admin"], bareEnv({ JWT_SECRET: secret })),
      npm(["token", "--", "guest"], bareEnv()),
    ]);
    expect(signed.code).toBe(0);
    const verifier = createTokenVerifier({
      jwtSecret: secret,
      issuer: "booking-platform",
      audience: "booking-api",
      maxLifetimeSeconds: 86_400,
    });
    expect(await verifier.verify(signed.out.trim())).toMatchObject({
      userId: DEMO_USERS.admin.userId,
      role: "ADMIN",
    });
    expect(unset.code).toBe(1);
    expect(unset.out).toContain("npm run token needs JWT_SECRET");
  }, 60_000);

  it("a busy port is one line naming the variable, not an EADDRINUSE stack", async () => {
    const busy = await busyPort();
    try {
      const secrets = { SERVICE_SECRET: randomBytes(32).toString("hex"), JWT_SECRET: randomBytes(32).toString("hex") };
      const result = await tsx(
        "scripts/start-service.ts",
        ["gateway"],
        bareEnv({ ...secrets, GATEWAY_PORT: String(busy.port) }),
      );
      expect(result.code).toBe(1);
      expect(result.out).toContain(`GATEWAY_PORT=${busy.port} is in use; set GATEWAY_PORT to a free port`);
      expect(result.out).not.toMatch(STACK);
    } finally {
      busy.close();
    }
  }, 60_000);
});

describe("`npm start`", () => {
  it("reports each start-up step, and stops with one line when a port is taken", async () => {
    const busy = await busyPort();
    try {
      const ports: Record<string, string> = {};
      for (const name of SERVICE_NAMES) ports[SERVICES[name].portVariable] = String(await freePort());
      ports.RELAY_PORT = String(busy.port);
      const result = await tsx("scripts/start.ts", [], bareEnv(ports));
      expect(result.code).toBe(1);
      const steps = [
        "Starting the booking platform…",
        "loading the services' code",
        "backends: embedded PGlite",
        "migrating",
        "seeding demo data",
        "starting inventory",
        "starting booking",
        "starting payment",
        "starting notification",
        "starting the gateway",
        "starting the outbox relay",
        `RELAY_PORT=${busy.port} is in use; set RELAY_PORT to a free port`,
      ];
      const positions = steps.map((step) => result.lines.findIndex((line) => line.includes(step)));
      expect(
        steps.filter((_, i) => positions[i] === -1),
        result.out,
      ).toEqual([]);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      // Each service says where it listens once it does.
      expect(result.out).toMatch(new RegExp(`gateway\\s+http://127\\.0\\.0\\.1:${ports.GATEWAY_PORT}`));
      expect(result.out).not.toMatch(STACK);
    } finally {
      busy.close();
    }
  }, 90_000);
});

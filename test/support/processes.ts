import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import { signUserToken, type Role } from "../../lib/core/auth";
import { DEMO_IDS, DEMO_USERS } from "../../lib/core/demo";
import { backends } from "./backends";
import type { GraphQLResponse } from "./platform";
import { freePort } from "./ports";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** A service started as its own OS process (`npm start` or `npm run start:<service>`). */
export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  alive(): boolean;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

export function startProcess(script: string, args: string[], env: Record<string, string>): ServiceProcess {
  // Node with tsx's loader, not the tsx CLI: the CLI runs the script in a second process, so a
  // SIGSTOP or SIGKILL sent to it would not reach the service.
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    // As deployed (vitest sets NODE_ENV=test for itself, which changes how libraries behave:
    // Apollo Server, for one, handles SIGTERM itself unless NODE_ENV is "test").
    env: { ...process.env, NODE_ENV: "production", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk;
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return {
    child,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop(graceMs = 20_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits until `url` answers 200 (a /readyz), or throws with the process's output. */
export async function waitReady(url: string, service: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!service.alive()) throw new Error(`process exited before it was ready:\n${service.output()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Everything a set of processes needs to form one platform on the real backends: fixed free
 * ports, shared secrets, a private Redis prefix and Kafka namespace.
 */
export async function platformEnv(databaseUrl: string) {
  const ports = {
    GATEWAY_PORT: await freePort(),
    BOOKING_PORT: await freePort(),
    INVENTORY_PORT: await freePort(),
    PAYMENT_PORT: await freePort(),
    NOTIFICATION_PORT: await freePort(),
    RELAY_PORT: await freePort(),
  };
  const secrets = {
    JWT_SECRET: randomBytes(32).toString("hex"),
    SERVICE_SECRET: randomBytes(32).toString("hex"),
    PAYMENT_WEBHOOK_SECRET: randomBytes(32).toString("hex"),
  };
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])),
    ...secrets,
    DATABASE_URL: databaseUrl,
    REDIS_URL: backends.redisUrl ?? "",
    REDIS_PREFIX: `test-${randomBytes(6).toString("hex")}`,
    KAFKA_BROKERS: backends.kafkaBrokers ?? "",
    KAFKA_PREFIX: `test-${randomBytes(6).toString("hex")}.`,
    DEMO_DATA: "true",
    // Tests hammer the gateway from one address; rate-limit tests turn it back on.
    RATE_LIMIT_ENABLED: "false",
  };
  const gatewayUrl = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
  const auth = { jwtSecret: secrets.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" };
  return {
    env,
    ports,
    gatewayUrl,
    tokenFor: (userId: string, role: Role) => signUserToken(auth, { userId, role }),
    organizerToken: () => signUserToken(auth, DEMO_USERS.organizer),
    async query<T = Record<string, any>>(
      query: string,
      variables?: Record<string, unknown>,
      token?: string,
      timeoutMs = 30_000,
    ): Promise<GraphQLResponse<T>> {
      const response = await fetch(gatewayUrl, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: response.status, ...((await response.json()) as object) };
    },
    /** A zone's live seat counter, read through the gateway. */
    async available(zoneId: string): Promise<number> {
      const response = await this.query(`query($id: ID!) { zone(id: $id) { available } }`, { id: zoneId });
      return response.data!.zone.available as number;
    },
  };
}
export type PlatformEnv = Awaited<ReturnType<typeof platformEnv>>;

/** A new slot one week ahead at the demo bistro with one zone of `capacity` seats; its id. */
export async function createZone(p: PlatformEnv, capacity: number): Promise<string> {
  const organizer = await p.organizerToken();
  const startsAt = new Date(Date.now() + 7 * 86_400_000);
  const slot = await p.query(
    `mutation($input: CreateSlotInput!) { createSlot(input: $input) { id } }`,
    {
      input: {
        venueId: DEMO_IDS.bistro,
        title: `Faults ${randomUUID().slice(0, 8)}`,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 7_200_000).toISOString(),
        maxPerUser: 4,
      },
    },
    organizer,
  );
  if (slot.errors) throw new Error(`createSlot failed: ${JSON.stringify(slot.errors)}`);
  const zone = await p.query(
    `mutation($input: CreateZoneInput!) { createZone(input: $input) { id } }`,
    { input: { slotId: slot.data!.createSlot.id, name: "Floor", capacity, priceMinor: 1_500, currency: "EUR" } },
    organizer,
  );
  if (zone.errors) throw new Error(`createZone failed: ${JSON.stringify(zone.errors)}`);
  return zone.data!.createZone.id;
}

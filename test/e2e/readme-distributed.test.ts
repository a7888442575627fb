import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, describe, expect, it } from "vitest";
import { DEMO_IDS } from "../../lib/core/demo";
import { SERVICE_NAMES, SERVICES, SUBGRAPHS } from "../../lib/core/services";
import { backends } from "../support/backends";
import { createEmptyPostgresDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { freePort } from "../support/ports";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The shell block that follows `<!-- distributed-mode -->` in README.md, exactly as written there. */
export function readmeDistributedBlock(): string {
  const readme = readFileSync(path.join(ROOT, "README.md"), "utf8");
  const match = /<!-- distributed-mode -->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error("README.md has no ```sh block after <!-- distributed-mode -->");
  return match[1];
}

const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]+/;

/** Stops every process the block started: they all share the shell's process group. */
async function stopGroup(shell: ChildProcess): Promise<void> {
  const group = -shell.pid!;
  const alive = () => {
    try {
      process.kill(group, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(group, "SIGTERM");
  const deadline = Date.now() + 20_000;
  while (alive() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (alive()) process.kill(group, "SIGKILL");
}

describe("the README's distributed mode", () => {
  it("exports every shared secret, starts every service and the relay, and prints a token", () => {
    const block = readmeDistributedBlock();
    for (const secret of ["SERVICE_SECRET", "JWT_SECRET", "PAYMENT_WEBHOOK_SECRET"])
      expect(block).toMatch(new RegExp(`\\b${secret}=\\$\\(openssl rand -hex 32\\)`));
    expect(block).toContain("npm run db:migrate");
    for (const name of [...SUBGRAPHS, "relay", "gateway"]) expect(block).toContain(`npm run start:${name}`);
    expect(block).toMatch(/npm run token -- guest/);
  });
});

describe.runIf(!!backends.databaseUrl && !!backends.redisUrl && !!backends.kafkaBrokers)(
  "the README's distributed mode, run as written",
  () => {
    let shell: ChildProcess | undefined;
    let dropDatabase: (() => Promise<void>) | undefined;
    afterAll(async () => {
      if (shell) await stopGroup(shell);
      await dropDatabase?.();
    });

    it("starts from the README's commands on shifted ports and completes reserve → pay → confirm → cancel → refund", async () => {
      const database = await createEmptyPostgresDatabase();
      dropDatabase = database.drop;
      // Ports move only through the documented variables; every URL between services derives from them.
      const ports = Object.fromEntries(
        await Promise.all(SERVICE_NAMES.map(async (name) => [SERVICES[name].portVariable, String(await freePort())])),
      ) as Record<string, string>;
      // No separator: the platform adds the '.' itself (`<prefix>.booking.events`).
      const kafkaPrefix = `readme-${randomBytes(5).toString("hex")}`;
      const inherited = Object.fromEntries(
        Object.entries(process.env).filter(
          ([name]) => !/_SECRET$|_URL$|_PORT$|^KAFKA_|^REDIS_|^DATABASE_|^TEST_/.test(name),
        ),
      );
      const env = {
        ...inherited,
        DATABASE_URL: database.url,
        REDIS_URL: backends.redisUrl!,
        KAFKA_BROKERS: backends.kafkaBrokers!,
        REDIS_PREFIX: `readme-${randomBytes(5).toString("hex")}`,
        KAFKA_PREFIX: kafkaPrefix,
        // Five pools and a relay on a server other tests share (max_connections 100).
        DATABASE_POOL_MAX: "3",
        LOG_LEVEL: "warn",
        ...ports,
      };
      // One bash process group: the block's `&` jobs stay in it, so the group is stopped at the end.
      shell = spawn("bash", ["-c", readmeDistributedBlock()], {
        cwd: ROOT,
        env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      shell.stdout!.on("data", (chunk) => (output += chunk));
      shell.stderr!.on("data", (chunk) => (output += chunk));
      const tail = () => output.slice(-6_000);

      const ready = async (port: string) =>
        (await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).catch(() => null))
          ?.status === 200;
      const deadline = Date.now() + 75_000;
      for (;;) {
        const states = await Promise.all(Object.values(ports).map(ready));
        if (states.every(Boolean) && JWT.test(output)) break;
        if (Date.now() > deadline) throw new Error(`not ready after 75 s (ready: ${states}):\n${tail()}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      const token = JWT.exec(output)![0];

      const gateway = `http://127.0.0.1:${ports.GATEWAY_PORT}/graphql`;
      const query = async (text: string, variables: Record<string, unknown>) => {
        const response = await fetch(gateway, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: text, variables }),
          signal: AbortSignal.timeout(20_000),
        });
        return (await response.json()) as {
          data?: Record<string, any> | null;
          errors?: { message: string; extensions?: { code?: string } }[];
        };
      };
      const bookingOf = (id: string) =>
        query(`query($id: ID!) { booking(id: $id) { status payment { status refund { status amount } } } }`, { id });

      // The demo guest (the token's default user) reserves two seats of the demo matinee.
      const reserved = await query(
        `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id status price { total } } }`,
        { input: { zoneId: DEMO_IDS.matineeStalls, quantity: 2, idempotencyKey: `readme-${randomUUID()}` } },
      );
      expect(reserved.errors, tail()).toBeUndefined();
      const booking = reserved.data!.reserveSeats as { id: string; status: string; price: { total: number } };
      expect(booking.status).toBe("PENDING");

      // The payment intent comes from `booking.reserved` through the relay and Kafka.
      const pay = () =>
        query(`mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`, {
          input: { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `pay-${booking.id}` },
        });
      const paid = await eventually(pay, (r) => r.errors?.[0]?.extensions?.code !== "NOT_FOUND", 30_000);
      expect(paid.errors, tail()).toBeUndefined();

      const confirmed = await eventually(
        () => bookingOf(booking.id),
        (r) => r.data?.booking?.status === "CONFIRMED",
        30_000,
      );
      expect(confirmed.data?.booking, tail()).toMatchObject({ status: "CONFIRMED", payment: { status: "SUCCEEDED" } });

      const cancelled = await query(
        `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`,
        { id: booking.id },
      );
      expect(cancelled.errors, tail()).toBeUndefined();
      expect(cancelled.data!.cancelBooking.status).toBe("CANCELLED");

      const refunded = await eventually(
        () => bookingOf(booking.id),
        (r) => r.data?.booking?.payment?.status === "REFUNDED",
        30_000,
      );
      expect(refunded.data?.booking, tail()).toMatchObject({
        status: "CANCELLED",
        payment: { status: "REFUNDED", refund: { status: "SUCCEEDED", amount: booking.price.total } },
      });

      // KAFKA_PREFIX without a separator got one.
      const admin = new Kafka({ brokers: backends.kafkaBrokers!.split(","), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        expect(await admin.listTopics()).toContain(`${kafkaPrefix}.booking.events`);
      } finally {
        await admin.disconnect();
      }
    }, 150_000);
  },
);

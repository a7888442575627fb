import { randomUUID } from "node:crypto";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../lib/storage/db";
import { backends } from "../support/backends";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { subscribeWs, wsClient } from "../support/live";
import { freePort } from "../support/ports";
import {
  createZone,
  platformEnv,
  startProcess,
  waitReady,
  type PlatformEnv,
  type ServiceProcess,
} from "../support/processes";

/**
 * Live updates across real processes (README: Live updates): pushes come from the committed
 * outbox, so a change is pushed even when the process that committed it is SIGKILLed right
 * after its commit. (Two gateways on one Redis: test/e2e/subscriptions.test.ts.)
 */
const KILL_AFTER_EVENT = path.resolve(import.meta.dirname, "../support/faults/kill-after-event.mjs");
const RESERVE = `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id status } }`;

describe.runIf(!!backends.databaseUrl && !!backends.redisUrl && !!backends.kafkaBrokers)(
  "live updates when the committing process dies",
  () => {
    let database: TestDatabase;
    let p: PlatformEnv;
    const processes: ServiceProcess[] = [];
    let payment: ServiceProcess;
    const open: { close(): void }[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      p = await platformEnv(database.url!);
      const paymentPort = await freePort();
      // The platform (gateway, subgraphs, relay) with payments served by a process of their own
      // that dies the moment it has committed a payment.succeeded.
      payment = startProcess("scripts/start-service.ts", ["payment"], {
        ...p.env,
        PAYMENT_PORT: String(paymentPort),
        PAYMENT_SIMULATOR_DELAY_MS: "50",
        NODE_OPTIONS: `--import=${KILL_AFTER_EVENT}`,
        FAULT_KILL_AFTER_EVENT: "payment.succeeded",
      });
      const platform = startProcess("scripts/start.ts", [], {
        ...p.env,
        PAYMENT_URL: `http://127.0.0.1:${paymentPort}/graphql`,
        PAYMENT_SIMULATOR_DELAY_MS: "50",
      });
      processes.push(payment, platform);
      await waitReady(`http://127.0.0.1:${paymentPort}/readyz`, payment);
      await waitReady(`http://127.0.0.1:${p.ports.GATEWAY_PORT}/readyz`, platform);
    }, 120_000);

    afterAll(async () => {
      for (const o of open) o.close();
      for (const service of processes) await service.stop();
      await database?.drop();
    });

    const subscribe = <T = Record<string, any>>(
      url: string,
      token: string | undefined,
      query: string,
      variables = {},
    ) => {
      const client = wsClient(url, token);
      open.push({ close: () => void client.dispose() });
      const sub = subscribeWs<T>(client, query, variables);
      open.push(sub);
      return sub;
    };
    it("the payment process is SIGKILLed right after committing payment.succeeded: the subscriber still gets the push", async () => {
      const zoneId = await createZone(p, 10);
      const guest = await p.tokenFor(`killed-${randomUUID()}`, "GUEST");
      const booking = (
        await p.query(RESERVE, { input: { zoneId, quantity: 2, idempotencyKey: `k-${randomUUID()}` } }, guest)
      ).data!.reserveSeats;
      const watch = subscribe(
        p.gatewayUrl,
        guest,
        `subscription($id: ID!) { bookingStatusChanged(bookingId: $id) { status } }`,
        { id: booking.id },
      );
      // The payment intent exists once booking.reserved reached the payment subgraph.
      const pay = await eventually(
        () =>
          p.query(
            `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`,
            {
              input: {
                bookingId: booking.id,
                paymentMethodToken: "tok_success",
                idempotencyKey: `pay-${randomUUID()}`,
              },
            },
            guest,
          ),
        (r) => !r.errors,
        10_000,
      );
      expect(pay.data!.payBooking.status).toBe("PROCESSING");
      // The simulated provider's webhook reaches the payment process, which commits and dies.
      await eventually(
        async () => payment.alive(),
        (alive) => !alive,
        10_000,
      );
      expect(payment.child.signalCode).toBe("SIGKILL");
      const [row] = await queryRows<{ status: string }>(
        database.database.db,
        sql`select status from payment.payments where booking_id = ${booking.id}`,
      );
      expect(row.status).toBe("SUCCEEDED");
      const confirmed = await watch.next((m) => m.bookingStatusChanged.status === "CONFIRMED", 10_000);
      expect(confirmed).toBeTruthy();
      expect(watch.extensions.map((e) => e.eventType)).toContain("payment.succeeded");
    });
  },
);

import { randomUUID } from "node:crypto";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../lib/storage/db";
import { backends } from "../support/backends";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import { subscribeWs, wsClient, type LiveSubscription } from "../support/live";
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
 * after its commit; with two gateways on one Redis, every subscriber gets each change once.
 */
const KILL_AFTER_EVENT = path.resolve(import.meta.dirname, "../support/faults/kill-after-event.mjs");
const RESERVE = `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id status } }`;
const MINE = `subscription { myBookingUpdates { id status } }`;
const AVAILABILITY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { zone { id } available } }`;

describe.runIf(!!backends.databaseUrl && !!backends.redisUrl && !!backends.kafkaBrokers)(
  "live updates across processes",
  () => {
    let database: TestDatabase;
    let p: PlatformEnv;
    const processes: ServiceProcess[] = [];
    let payment: ServiceProcess;
    let secondGateway: string;
    const open: { close(): void }[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      p = await platformEnv(database.url!);
      const paymentPort = await freePort();
      const gatewayPort = await freePort();
      // The platform (gateway, subgraphs, relay) with payments served by a process of their own
      // that dies the moment it has committed a payment.succeeded; a second gateway process.
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
      const gateway = startProcess("scripts/start-service.ts", ["gateway"], {
        ...p.env,
        GATEWAY_PORT: String(gatewayPort),
        PAYMENT_URL: `http://127.0.0.1:${paymentPort}/graphql`,
      });
      processes.push(payment, platform, gateway);
      await waitReady(`http://127.0.0.1:${paymentPort}/readyz`, payment);
      await waitReady(`http://127.0.0.1:${p.ports.GATEWAY_PORT}/readyz`, platform);
      await waitReady(`http://127.0.0.1:${gatewayPort}/readyz`, gateway);
      secondGateway = `http://127.0.0.1:${gatewayPort}/graphql`;
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
    /** Subscribed and listening: a first change reaches every subscriber (it is then ignored). */
    const settle = async (subs: LiveSubscription[], change: () => Promise<unknown>) => {
      await eventually(
        async () => {
          await change();
          await new Promise((resolve) => setTimeout(resolve, 300));
          return subs.every((s) => s.received.length > 0);
        },
        (ready) => ready,
        15_000,
      );
    };

    it("two gateways, subscribers on both: each subscriber receives each change exactly once", async () => {
      const zoneId = await createZone(p, 100);
      const zone = await p.query(`query($id: ID!) { zone(id: $id) { slot { id } } }`, { id: zoneId });
      const slotId = zone.data!.zone.slot.id as string;
      const userId = `two-gateways-${randomUUID()}`;
      const guest = await p.tokenFor(userId, "GUEST");
      const gateways = [p.gatewayUrl, secondGateway];
      const mine = gateways.flatMap((url) => [subscribe(url, guest, MINE), subscribe(url, guest, MINE)]);
      const seats = gateways.flatMap((url) => [subscribe(url, undefined, AVAILABILITY, { slotId })]);
      const reserveOne = async (token = guest) => {
        const answer = await p.query(
          RESERVE,
          { input: { zoneId, quantity: 1, idempotencyKey: `k-${randomUUID()}` } },
          token,
        );
        expect(answer.errors).toBeUndefined();
        return answer.data!.reserveSeats as { id: string };
      };
      await settle(mine, () => reserveOne());
      await settle(seats, async () => reserveOne(await p.tokenFor(randomUUID(), "GUEST")));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const before = mine.map((s) => s.received.length);
      const seatsBefore = seats.map((s) => s.received.length);

      const booking = await reserveOne();
      for (const sub of mine) await sub.next((m) => m.myBookingUpdates.id === booking.id, 5_000);
      await eventually(
        async () => seats.map((s) => s.received.length),
        (counts) => counts.every((n, i) => n > seatsBefore[i]),
        5_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500)); // anything twice would be here by now
      expect(mine.map((s) => s.received.length - before[mine.indexOf(s)])).toEqual([1, 1, 1, 1]);
      expect(mine.map((s) => s.received.filter((m) => m.myBookingUpdates.id === booking.id).length)).toEqual([
        1, 1, 1, 1,
      ]);
      // One reservation, one availability change, once on each gateway.
      expect(seats.map((s, i) => s.received.length - seatsBefore[i])).toEqual([1, 1]);
      expect(mine.every((s) => s.errors.length === 0)).toBe(true);
    });

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

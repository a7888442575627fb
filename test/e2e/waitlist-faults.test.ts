import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../lib/storage/db";
import { SUBGRAPH_DEFINITIONS } from "../../subgraphs";
import { backends } from "../support/backends";
import { zoneProblems } from "../support/consistency";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { eventually } from "../support/eventually";
import {
  createZone,
  platformEnv,
  startProcess,
  waitReady,
  type PlatformEnv,
  type ServiceProcess,
} from "../support/processes";

const RESERVE = `mutation($input: ReserveSeatsInput!) { reserveSeats(input: $input) { id } }`;
const CANCEL = `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: OTHER }) { status } }`;
const JOIN = `mutation($zoneId: ID!) { joinWaitlist(zoneId: $zoneId, quantity: 1) { status position } }`;
const HOLDERS = 20;
const SEATS_EACH = 2;
const WAITING = HOLDERS * SEATS_EACH;

/**
 * The waitlist's offers while the inventory process that makes them is SIGKILLed and restarted
 * (README: Waiting room and waitlist). Every service is its own process on PostgreSQL, Redis and
 * Kafka, so the killed inventory is the only one consuming the events that drive the offers.
 */
describe.runIf(!!backends.databaseUrl && !!backends.redisUrl && !!backends.kafkaBrokers)(
  "waitlist offers when inventory is SIGKILLed mid-stream",
  () => {
    let database: TestDatabase;
    let p: PlatformEnv;
    const processes: ServiceProcess[] = [];
    let inventory: ServiceProcess;
    const startInventory = async () => {
      inventory = startProcess("scripts/start-service.ts", ["inventory"], p.env);
      processes.push(inventory);
      await waitReady(`http://127.0.0.1:${p.ports.INVENTORY_PORT}/readyz`, inventory, 90_000);
    };

    beforeAll(async () => {
      database = await createTestDatabase();
      for (const definition of SUBGRAPH_DEFINITIONS) await definition.seedDemoData(database.database.db);
      p = await platformEnv(database.url!);
      const others = [
        ...["booking", "payment", "notification", "gateway"].map((service) =>
          startProcess("scripts/start-service.ts", [service], p.env),
        ),
        startProcess("scripts/start-relay.ts", [], p.env),
      ];
      processes.push(...others);
      await startInventory();
      await Promise.all(
        (["BOOKING_PORT", "PAYMENT_PORT", "NOTIFICATION_PORT", "GATEWAY_PORT", "RELAY_PORT"] as const).map((port, i) =>
          waitReady(`http://127.0.0.1:${p.ports[port]}/readyz`, others[i], 90_000),
        ),
      );
    }, 150_000);

    afterAll(async () => {
      await Promise.all(processes.map((service) => service.stop()));
      await database?.drop();
    }, 60_000);

    const entries = (zoneId: string) =>
      queryRows<{ id: string; status: string; position: number }>(
        database.database.db,
        sql`select id, status, row_number() over (order by seq)::int as position
            from inventory.waitlist_entries where zone_id = ${zoneId} order by seq`,
      );

    it("offers each freed seat exactly once, in queue order, with nothing held twice or left behind", async () => {
      const zoneId = await createZone(p, WAITING);
      // Sold out to 20 holders of 2 seats; 40 people wait for 1 seat each.
      const holders = await Promise.all(
        Array.from({ length: HOLDERS }, async () => {
          const token = await p.tokenFor(`wf-holder-${randomUUID()}`, "GUEST");
          const input = { zoneId, quantity: SEATS_EACH, idempotencyKey: `wf-${randomUUID()}` };
          const reserved = await p.query(RESERVE, { input }, token);
          expect(reserved.errors).toBeUndefined();
          return { token, bookingId: reserved.data!.reserveSeats.id as string };
        }),
      );
      expect(await p.available(zoneId)).toBe(0);
      for (let i = 0; i < WAITING; i++) {
        const token = await p.tokenFor(`wf-waiting-${i}-${randomUUID()}`, "GUEST");
        const joined = await p.query(JOIN, { zoneId }, token);
        expect(joined.data?.joinWaitlist).toEqual({ status: "WAITING", position: i + 1 });
      }

      // All the holders cancel; inventory is killed while their releases turn into offers.
      const cancelling = holders.map(({ token, bookingId }) => p.query(CANCEL, { id: bookingId }, token));
      const offeredBefore = await eventually(
        async () => (await entries(zoneId)).filter((e) => e.status === "OFFERED").length,
        (n) => n > 0,
        30_000,
      );
      inventory.child.kill("SIGKILL");
      const answers = await Promise.all(cancelling);
      // A cancellation is booking's own write: it never waits for inventory.
      expect(answers.map((a) => a.data?.cancelBooking.status)).toEqual(holders.map(() => "CANCELLED"));
      await startInventory();

      const settled = await eventually(
        () => entries(zoneId),
        (rows) => rows.every((e) => e.status === "OFFERED"),
        60_000,
      );
      expect(settled.map((e) => e.status)).toEqual(Array(WAITING).fill("OFFERED"));
      // One hold per offer (the entry's id), none for anyone else, nothing over capacity, and the
      // Redis counters agree with the ledger.
      const holds = await queryRows<{ id: string; quantity: number }>(
        database.database.db,
        sql`select id, quantity from inventory.holds where zone_id = ${zoneId} and status <> 'RELEASED'`,
      );
      expect(holds.map((h) => h.id).sort()).toEqual(settled.map((e) => e.id).sort());
      expect(holds.every((h) => h.quantity === 1)).toBe(true);
      expect(await p.available(zoneId)).toBe(0);
      expect(await zoneProblems(database.database.db, [zoneId], (id: string) => p.available(id))).toEqual([]);
      console.log(`waitlist faults: ${offeredBefore} of ${WAITING} offered when inventory was killed`);
    }, 150_000);
  },
);

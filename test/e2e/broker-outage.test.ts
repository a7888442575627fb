import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "drizzle-orm";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { backends } from "../support/backends";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { eventually } from "../support/eventually";
import { available, codeOf, ledgerHeld, newZone, reserve } from "../support/scenario";
import { freePort } from "../support/ports";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const MY_WAITLIST = `{ myWaitlist { status quantity offer { quantity } zone { id } } }`;

/**
 * The platform gets a broker of its own (a second single-node Kafka from scripts/kafka), so
 * stopping it disturbs no other test file.
 */
describe.runIf(!!backends.databaseUrl && !!backends.kafkaBrokers)("the Kafka broker stops for 30 s", () => {
  let t: TestPlatform;
  const broker = { dir: path.join(tmpdir(), `kafka-outage-${randomUUID().slice(0, 8)}`), port: 0, controller: 0 };
  const env = () => ({
    ...process.env,
    KAFKA_DATA_DIR: broker.dir,
    KAFKA_PORT: String(broker.port),
    KAFKA_CONTROLLER_PORT: String(broker.controller),
  });
  const startBroker = () => run("bash", [path.join(ROOT, "scripts/kafka/start.sh")], { env: env(), timeout: 120_000 });
  const stopBroker = () => run("bash", [path.join(ROOT, "scripts/kafka/stop.sh")], { env: env(), timeout: 60_000 });

  beforeAll(async () => {
    broker.port = await freePort();
    broker.controller = await freePort();
    await startBroker();
    t = await startTestPlatform({ KAFKA_BROKERS: `127.0.0.1:${broker.port}` });
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    await stopBroker().catch(() => {});
  }, 60_000);

  it("keeps every mutation working, lets the backlog grow, and drains it with nothing lost once the broker is back (waitlist offers included)", async () => {
    const { zoneId } = await newZone(t, 200);
    const pending = async () =>
      (
        await t.sql<{ n: number }>(
          "booking",
          sql`select count(*)::int as n from booking.outbox where published_at is null`,
        )
      )[0].n;

    // A sold-out zone with two people on its waitlist. Its offers are made from inventory's
    // events, which travel through Kafka: seats freed during the outage wait for the queue.
    const small = await newZone(t, 2);
    const holders = [];
    for (let i = 0; i < 2; i++) {
      const token = await t.tokenFor(`outage-holder-${randomUUID()}`, "GUEST");
      const reserved = await reserve(t, token, small.zoneId, 1);
      expect(codeOf(reserved)).toBeUndefined();
      holders.push({ token, bookingId: reserved.data!.reserveSeats.id as string });
    }
    const waiting = [
      await t.tokenFor(`outage-waiting-${randomUUID()}`, "GUEST"),
      await t.tokenFor(`outage-waiting-${randomUUID()}`, "GUEST"),
    ];
    for (const token of waiting) {
      const joined = await t.query(
        `mutation($zoneId: ID!) { joinWaitlist(zoneId: $zoneId, quantity: 1) { status } }`,
        { zoneId: small.zoneId },
        token,
      );
      expect(joined.data?.joinWaitlist.status).toBe("WAITING");
    }

    await stopBroker();
    const started = Date.now();
    for (const { token, bookingId } of holders) {
      const cancelled = await t.query(
        `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: OTHER }) { status } }`,
        { id: bookingId },
        token,
      );
      expect(cancelled.data!.cancelBooking.status).toBe("CANCELLED");
    }
    // Nobody else takes the freed seats while the queue waits for them, broker or not.
    const outsider = await t.tokenFor(`outage-outsider-${randomUUID()}`, "GUEST");
    expect(codeOf(await reserve(t, outsider, small.zoneId, 1))).toBe("INSUFFICIENT_STOCK");
    const bookingIds: string[] = [];
    while (Date.now() - started < 30_000) {
      const guest = await t.tokenFor(`outage-${randomUUID()}`, "GUEST");
      const reserved = await reserve(t, guest, zoneId, 1);
      expect(codeOf(reserved)).toBeUndefined();
      const id = reserved.data!.reserveSeats.id as string;
      bookingIds.push(id);
      if (bookingIds.length % 2 === 0) {
        const cancelled = await t.query(
          `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: OTHER }) { status } }`,
          { id },
          guest,
        );
        expect(cancelled.data!.cancelBooking.status).toBe("CANCELLED");
      }
      await sleep(250);
    }
    const backlog = await pending();
    expect(backlog).toBeGreaterThanOrEqual(bookingIds.length);

    await startBroker();
    const deadline = Date.now() + 90_000;
    while ((await pending()) > 0 && Date.now() < deadline) await sleep(500);
    expect(await pending()).toBe(0);

    const expected = await t.sql<{ event_id: string }>(
      "booking",
      sql`select event_id from booking.outbox where aggregate_id in (${sql.join(
        bookingIds.map((id) => sql`${id}`),
        sql`, `,
      )})`,
    );
    const kafka = new Kafka({
      clientId: "outage-check",
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: logLevel.NOTHING,
    });
    const consumer = kafka.consumer({ groupId: `outage-check-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${t.platform.env.KAFKA_PREFIX}booking.events`, fromBeginning: true });
    const seen = new Set<string>();
    await consumer.run({ eachMessage: async ({ message }) => void seen.add(String(message.headers!.event_id)) });
    const readDeadline = Date.now() + 30_000;
    while (!expected.every((e) => seen.has(e.event_id)) && Date.now() < readDeadline) await sleep(200);
    await consumer.disconnect();
    expect(expected.filter((e) => !seen.has(e.event_id))).toEqual([]);

    // The freed seats became one offer each for the two waiting, exactly once: two holds, no more.
    for (const token of waiting) {
      const [entry] = (
        await eventually(
          () => t.query(MY_WAITLIST, {}, token),
          (r) => r.data?.myWaitlist?.[0]?.status === "OFFERED",
          60_000,
        )
      ).data!.myWaitlist;
      expect(entry).toMatchObject({
        status: "OFFERED",
        quantity: 1,
        offer: { quantity: 1 },
        zone: { id: small.zoneId },
      });
    }
    expect(await ledgerHeld(t, small.zoneId)).toBe(2);
    expect(await available(t, small.zoneId)).toBe(0);
    expect(codeOf(await reserve(t, outsider, small.zoneId, 1))).toBe("INSUFFICIENT_STOCK");
    const accepted = await reserve(t, waiting[0], small.zoneId, 1);
    expect(codeOf(accepted)).toBeUndefined();
    expect(accepted.data!.reserveSeats.status).toBe("PENDING");
    expect(await ledgerHeld(t, small.zoneId)).toBe(2);
  }, 240_000);
});

import { createHash, randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqlStatements } from "../../lib/storage/db";
import { DEMO_IDS } from "../../lib/core/demo";
import { createLogger } from "../../lib/observability/logger";
import { createBookingRepository } from "../../subgraphs/booking/booking/booking.repository";
import { createExpirySweeper } from "../../subgraphs/booking/booking/booking.expiry";
import { createInventoryClient } from "../../subgraphs/booking/inventory/inventory.client";
import { slotKeyPrefix } from "../../subgraphs/inventory/hold/hold.store.redis";
import { connectRedis } from "../../lib/storage/redis";
import { backends } from "../support/backends";
import { eventually } from "../support/eventually";
import { startTestPlatform, type GraphQLResponse, type TestPlatform } from "../support/platform";
import { available, codeOf, ledgerHeld, newZone, pendingBookings, RESERVE, reserve } from "../support/scenario";
import { startTcpProxy } from "../support/tcp-proxy";

describe("reserving seats through the gateway", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    // The platform's own sweepers stay out of the way; the expiry test drives them itself.
    t = await startTestPlatform({ SWEEP_INTERVAL_MS: "600000" });
  });
  afterAll(() => t?.close());

  it("never oversells: 2,000 users at once for 100 seats", async () => {
    const { zoneId } = await newZone(t, 100);
    const tokens = await Promise.all(
      Array.from({ length: 2000 }, (_, i) => t.tokenFor(`flash-${i}-${randomUUID()}`, "GUEST")),
    );
    const responses = await Promise.all(tokens.map((token) => reserve(t, token, zoneId, 1)));

    const succeeded = responses.filter((r) => r.data?.reserveSeats?.status === "PENDING");
    const codes = responses.filter((r) => r.errors).map(codeOf);
    expect(succeeded).toHaveLength(100);
    expect(codes).toHaveLength(1900);
    expect(new Set(codes)).toEqual(new Set(["INSUFFICIENT_STOCK"]));
    const soldOut = responses.find((r) => codeOf(r) === "INSUFFICIENT_STOCK")!;
    expect(soldOut.errors![0].extensions).toMatchObject({ requested: 1, available: 0 });

    const bookings = await pendingBookings(t, zoneId);
    expect(bookings).toHaveLength(100);
    expect(new Set(bookings.map((b) => b.user_id)).size).toBe(100);
    expect(await ledgerHeld(t, zoneId)).toBe(100);
    expect(await available(t, zoneId)).toBe(0);
  }, 120_000);

  it("keeps one user to maxPerUser even when they fire 50 requests at once", async () => {
    const { zoneId } = await newZone(t, 100, { maxPerUser: 4 });
    const token = await t.tokenFor(`greedy-${randomUUID()}`, "GUEST");
    const responses = await Promise.all(Array.from({ length: 50 }, () => reserve(t, token, zoneId, 1)));
    expect(responses.filter((r) => r.data?.reserveSeats)).toHaveLength(4);
    expect(new Set(responses.filter((r) => r.errors).map(codeOf))).toEqual(new Set(["MAX_PER_USER_EXCEEDED"]));
    expect(await ledgerHeld(t, zoneId)).toBe(4);
    expect(await available(t, zoneId)).toBe(96);
  });

  it("answers 20 concurrent retries of one idempotency key with one booking and one hold", async () => {
    const { zoneId } = await newZone(t, 10);
    const token = await t.tokenFor(`retrier-${randomUUID()}`, "GUEST");
    const key = `checkout-${randomUUID()}`;
    const responses = await Promise.all(Array.from({ length: 20 }, () => reserve(t, token, zoneId, 2, key)));
    expect(responses.every((r) => r.errors === undefined)).toBe(true);
    const answers = new Set(responses.map((r) => JSON.stringify(r.data)));
    expect(answers.size).toBe(1);
    expect(await pendingBookings(t, zoneId)).toHaveLength(1);
    expect(await ledgerHeld(t, zoneId)).toBe(2);

    const reused = await reserve(t, token, zoneId, 3, key);
    expect(codeOf(reused)).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("answers a sold-out attempt without writing to PostgreSQL, and a retried key that got seats still gets its booking", async () => {
    const { zoneId } = await newZone(t, 2);
    const lucky = await t.tokenFor(`lucky-${randomUUID()}`, "GUEST");
    const key = `lucky-${randomUUID()}`;
    const booking = (await reserve(t, lucky, zoneId, 1, key)).data!.reserveSeats;
    await reserve(t, await t.tokenFor(`last-${randomUUID()}`, "GUEST"), zoneId, 1);
    expect(await available(t, zoneId)).toBe(0);

    const tokens = await Promise.all(
      Array.from({ length: 200 }, (_, i) => t.tokenFor(`late-${i}-${randomUUID()}`, "GUEST")),
    );
    const before = sqlStatements.count;
    const rejected = await Promise.all(tokens.map((token) => reserve(t, token, zoneId, 1)));
    const statements = sqlStatements.count - before;
    expect(new Set(rejected.map(codeOf))).toEqual(new Set(["INSUFFICIENT_STOCK"]));
    // Two writes each before (claim and give back the idempotency key): 400. Now none; the
    // platform's background work in this process (relay polls, sweepers, consumers) adds some:
    // 5–40 seen, depending on the machine's load.
    expect(statements).toBeLessThan(100);

    // The zone is sold out, yet the retry of the key that got a seat is answered with its booking.
    const retried = await reserve(t, lucky, zoneId, 1, key);
    expect(retried.data!.reserveSeats).toEqual(booking);
    expect(codeOf(await reserve(t, lucky, zoneId, 2, key))).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await pendingBookings(t, zoneId)).toHaveLength(2);
  });

  it("takes over a key whose first attempt died after holding seats, once its lock has passed", async () => {
    const { zoneId } = await newZone(t, 5);
    const userId = `crashed-${randomUUID()}`;
    const token = await t.tokenFor(userId, "GUEST");
    const key = `crashed-${randomUUID()}`;
    // The first attempt held seats with the key and then died before writing its booking.
    const inventory = createInventoryClient(t.platform.subgraphs.inventory.url, t.platform.env.SERVICE_SECRET!);
    const token40 = createHash("sha256").update(`${userId}\u0000reserveSeats\u0000${key}`).digest("hex").slice(0, 40);
    const dead = randomUUID();
    await inventory.holdSeats({
      holdId: dead,
      zoneId,
      userId,
      quantity: 1,
      expiresAt: new Date(Date.now() + 600_000),
      key: { token: token40, lockedUntil: Date.now() + 1_000, ttlMs: 86_400_000 },
    });
    const started = Date.now();
    const retried = await reserve(t, token, zoneId, 1, key);
    expect(retried.data!.reserveSeats.status).toBe("PENDING");
    expect(Date.now() - started).toBeGreaterThanOrEqual(800); // it waited for the lock
    expect(retried.data!.reserveSeats.id).not.toBe(dead);
    // One booking; the dead attempt's hold lapses on its own (here: released by hand).
    expect(await pendingBookings(t, zoneId)).toHaveLength(1);
    await inventory.releaseHold(dead);
    expect(await available(t, zoneId)).toBe(4);
  });

  it("scopes idempotency keys per user: the same key from two users makes two bookings", async () => {
    const { zoneId } = await newZone(t, 10);
    const key = `shared-${randomUUID()}`;
    const [a, b] = await Promise.all([
      reserve(t, await t.tokenFor(`a-${randomUUID()}`, "GUEST"), zoneId, 1, key),
      reserve(t, await t.tokenFor(`b-${randomUUID()}`, "GUEST"), zoneId, 1, key),
    ]);
    expect(a.data!.reserveSeats.id).not.toBe(b.data!.reserveSeats.id);
    expect(await ledgerHeld(t, zoneId)).toBe(2);
  });

  it("rolls the whole booking back and gives the seats back when its outbox write fails", async () => {
    const { zoneId } = await newZone(t, 10);
    // A real database failure inside the booking statement: the outbox refuses this zone's events.
    await t.sql(
      "booking",
      sql.raw(`create or replace function booking.test_refuse_outbox() returns trigger language plpgsql as $$
      begin if new.payload->>'zoneId' = '${zoneId}' then raise exception 'outbox unavailable'; end if; return new; end $$`),
    );
    await t.sql(
      "booking",
      sql.raw(
        `create trigger test_refuse_outbox before insert on booking.outbox for each row execute function booking.test_refuse_outbox()`,
      ),
    );
    try {
      const token = await t.tokenFor(`unlucky-${randomUUID()}`, "GUEST");
      const key = `unlucky-${randomUUID()}`;
      const failed = await reserve(t, token, zoneId, 2, key);
      expect(codeOf(failed)).toBe("INTERNAL_SERVER_ERROR");
      expect(JSON.stringify(failed.errors)).not.toMatch(/outbox unavailable|trigger|sql/i);
      expect(await t.sql("booking", sql`select id from booking.bookings where zone_id = ${zoneId}`)).toEqual([]);
      expect(await ledgerHeld(t, zoneId)).toBe(0);
      expect(await available(t, zoneId)).toBe(10);

      await t.sql("booking", sql.raw(`drop trigger test_refuse_outbox on booking.outbox`));
      const retried = await reserve(t, token, zoneId, 2, key);
      expect(retried.data!.reserveSeats.status).toBe("PENDING");
      expect(await available(t, zoneId)).toBe(8);
    } finally {
      await t.sql("booking", sql.raw(`drop trigger if exists test_refuse_outbox on booking.outbox`));
    }
  });

  it("returns the booking with its reference, expiry and price snapshot", async () => {
    const { zoneId } = await newZone(t, 10);
    const token = await t.tokenFor(`buyer-${randomUUID()}`, "GUEST");
    const before = Date.now();
    const response = await reserve(t, token, zoneId, 3);
    const booking = response.data!.reserveSeats;
    expect(booking).toMatchObject({
      status: "PENDING",
      quantity: 3,
      version: 1,
      price: { base: 6000, tax: 0, discount: 0, total: 6000, currency: "EUR" },
    });
    expect(booking.reference).toMatch(/^BR-\d{8}-[A-Z2-9]{6}$/);
    const expiresIn = new Date(booking.expiresAt).getTime() - before;
    expect(expiresIn).toBeGreaterThan(595_000);
    expect(expiresIn).toBeLessThan(605_000);

    const [outbox] = await t.sql(
      "booking",
      sql`select event_type, aggregate_id, aggregate_version, payload from booking.outbox where aggregate_id = ${booking.id}`,
    );
    expect(outbox).toMatchObject({ event_type: "booking.reserved", aggregate_id: booking.id, aggregate_version: 1 });
    expect(outbox.payload).toMatchObject({ bookingId: booking.id, zoneId, quantity: 3, status: "PENDING" });
    const history = await t.sql(
      "booking",
      sql`select from_status, to_status from booking.booking_status_changes where booking_id = ${booking.id}`,
    );
    expect(history).toEqual([{ from_status: null, to_status: "PENDING" }]);
  });

  it("rejects bad input with a clear code and writes nothing", async () => {
    const { zoneId } = await newZone(t, 10, { maxPerUser: 2 });
    const token = await t.tokenFor(`careless-${randomUUID()}`, "GUEST");
    const cases: [string, GraphQLResponse][] = [
      ["BAD_USER_INPUT", await reserve(t, token, zoneId, 0)],
      ["BAD_USER_INPUT", await reserve(t, token, zoneId, 1, "short")],
      ["MAX_PER_USER_EXCEEDED", await reserve(t, token, zoneId, 3)],
      ["NOT_FOUND", await reserve(t, token, randomUUID(), 1)],
      ["NOT_FOUND", await reserve(t, token, "not-a-zone", 1)],
      [
        "UNAUTHENTICATED",
        await t.query(RESERVE, { input: { zoneId, quantity: 1, idempotencyKey: `k-${randomUUID()}` } }),
      ],
    ];
    for (const [code, response] of cases) expect(codeOf(response)).toBe(code);
    expect(await pendingBookings(t, zoneId)).toHaveLength(0);
    expect(await ledgerHeld(t, zoneId)).toBe(0);
    expect(await available(t, zoneId)).toBe(10);
  });

  it("refuses reservations before the sale opens", async () => {
    const { zoneId } = await newZone(t, 10, { saleStartsAt: new Date(Date.now() + 3_600_000).toISOString() });
    const response = await reserve(t, await t.tokenFor(`early-${randomUUID()}`, "GUEST"), zoneId, 1);
    expect(codeOf(response)).toBe("BAD_USER_INPUT");
    expect(response.errors![0].message).toMatch(/open at/);
    expect(await ledgerHeld(t, zoneId)).toBe(0);
  });

  it("lets capacity be raised, and lowered only down to what is held", async () => {
    const { zoneId } = await newZone(t, 10);
    await reserve(t, await t.tokenFor(`holder-${randomUUID()}`, "GUEST"), zoneId, 4);
    const organizer = t.platform.demoTokens.organizer!;
    const update = (capacity: number) =>
      t.query(
        `mutation($id: ID!, $capacity: Int) { updateZone(id: $id, input: { capacity: $capacity }) { capacity available } }`,
        { id: zoneId, capacity },
        organizer,
      );
    const tooLow = await update(3);
    expect(codeOf(tooLow)).toBe("BAD_USER_INPUT");
    expect(tooLow.errors![0].extensions).toMatchObject({ minimum: 4 });
    expect((await update(4)).data!.updateZone).toEqual({ capacity: 4, available: 0 });
    expect((await update(20)).data!.updateZone).toEqual({ capacity: 20, available: 16 });
  });

  it("lets only a venue's organizer or an admin manage it", async () => {
    const guest = await t.query(
      `mutation { createVenue(input: { name: "Mine", kind: OTHER, city: "Braga" }) { id } }`,
      {},
      t.platform.demoTokens.guest,
    );
    expect(codeOf(guest)).toBe("FORBIDDEN");
    const stranger = await t.tokenFor(`other-organizer-${randomUUID()}`, "ORGANIZER");
    const foreign = await t.query(
      `mutation($id: ID!) { updateVenue(id: $id, input: { name: "Taken" }) { id } }`,
      { id: DEMO_IDS.theatre },
      stranger,
    );
    expect(codeOf(foreign)).toBe("FORBIDDEN");
    const own = await t.query(
      `mutation { createVenue(input: { name: "Blue Note", kind: OTHER, city: "Braga", timezone: "Nowhere/Land" }) { id } }`,
      {},
      stranger,
    );
    expect(codeOf(own)).toBe("BAD_USER_INPUT");
  });

  it("expires unpaid bookings exactly once with two sweepers running, and gives the seats back", async () => {
    const { zoneId } = await newZone(t, 10);
    const token = await t.tokenFor(`late-payer-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, token, zoneId, 3)).data!.reserveSeats;
    expect(await available(t, zoneId)).toBe(7);

    const inventory = createInventoryClient(t.platform.subgraphs.inventory.url, t.platform.env.SERVICE_SECRET!);
    const sweepers = [1, 2].map(() =>
      createExpirySweeper({
        bookings: createBookingRepository(t.platform.databases.booking.db),
        inventory,
        logger: createLogger("silent"),
      }),
    );
    const later = new Date(Date.now() + 11 * 60_000);
    await Promise.all(sweepers.map((s) => s.expireDue(later)));

    const status = await t.query(`query($id: ID!) { booking(id: $id) { status version } }`, { id: booking.id }, token);
    expect(status.data!.booking).toEqual({ status: "EXPIRED", version: 2 });
    const events = await t.sql(
      "booking",
      sql`select event_type from booking.outbox where aggregate_id = ${booking.id} order by id`,
    );
    expect(events.map((e) => e.event_type)).toEqual(["booking.reserved", "booking.expired"]);
    expect(await available(t, zoneId)).toBe(10);
    expect(await ledgerHeld(t, zoneId)).toBe(0);
  });
});

describe.runIf(!!backends.redisUrl)("reserving seats while Redis is unreachable", () => {
  let t: TestPlatform;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  beforeAll(async () => {
    const redis = new URL(backends.redisUrl!);
    proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
    redis.host = `127.0.0.1:${proxy.port}`;
    t = await startTestPlatform({
      REDIS_URL: redis.toString(),
      SWEEP_INTERVAL_MS: "600000",
      RECONCILE_INTERVAL_MS: "600000",
    });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
  });

  it("fails closed with SERVICE_UNAVAILABLE, writes nothing, and never oversells once Redis is back", async () => {
    const { zoneId } = await newZone(t, 20);
    const users = await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.tokenFor(`outage-${i}-${randomUUID()}`, "GUEST")),
    );
    const first = await Promise.all(users.slice(0, 5).map((token) => reserve(t, token, zoneId, 2)));
    expect(first.every((r) => r.data?.reserveSeats)).toBe(true);

    proxy.cut();
    const during = await Promise.all(users.slice(5, 15).map((token) => reserve(t, token, zoneId, 2)));
    expect(new Set(during.map(codeOf))).toEqual(new Set(["SERVICE_UNAVAILABLE"]));
    expect(JSON.stringify(during)).not.toMatch(/redis|ECONN|127\.0\.0\.1/i);
    expect(await pendingBookings(t, zoneId)).toHaveLength(5);
    expect(await ledgerHeld(t, zoneId)).toBe(10);

    proxy.restore();
    const deadline = Date.now() + 15_000;
    let after = await Promise.all(users.slice(15).map((token) => reserve(t, token, zoneId, 2)));
    while (after.some((r) => codeOf(r) === "SERVICE_UNAVAILABLE") && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      after = await Promise.all(
        users.slice(15).map((token) => reserve(t, token, zoneId, 2, `retry-${token.slice(-12)}`)),
      );
    }
    expect(after.filter((r) => r.data?.reserveSeats)).toHaveLength(5);
    expect(new Set(after.filter((r) => r.errors).map(codeOf))).toEqual(new Set(["INSUFFICIENT_STOCK"]));
    expect(await ledgerHeld(t, zoneId)).toBe(20);
    expect(await pendingBookings(t, zoneId)).toHaveLength(10);
    expect(await available(t, zoneId)).toBe(0);
  }, 60_000);

  it("fails a slot's waiting room closed: joins, tickets, organizer calls and reservations answer SERVICE_UNAVAILABLE, and nothing is lost", async () => {
    const organizer = t.platform.demoTokens.organizer!;
    const { zoneId, slotId } = await newZone(t, 20);
    const [early, late] = await Promise.all([
      t.tokenFor(`wr-outage-early-${randomUUID()}`, "GUEST"),
      t.tokenFor(`wr-outage-late-${randomUUID()}`, "GUEST"),
    ]);
    const JOIN = `mutation($slotId: ID!) { joinWaitingRoom(slotId: $slotId) { number position status } }`;
    const TICKET = `query($slotId: ID!) { waitingRoomTicket(slotId: $slotId) { number position status } }`;
    const ROOM = `query($slotId: ID!) { waitingRoom(slotId: $slotId) { status joined admitted } }`;
    const PAUSE = `mutation($slotId: ID!) { pauseWaitingRoom(slotId: $slotId) { status } }`;
    expect((await t.query(PAUSE, { slotId }, organizer)).data?.pauseWaitingRoom.status).toBe("PAUSED");
    const joined = await t.query(JOIN, { slotId }, early);
    expect(joined.data?.joinWaitingRoom).toMatchObject({ number: 1, position: 1, status: "WAITING" });

    proxy.cut();
    const during = await Promise.all([
      t.query(JOIN, { slotId }, late),
      t.query(TICKET, { slotId }, early),
      t.query(ROOM, { slotId }, organizer),
      t.query(PAUSE, { slotId }, organizer),
      reserve(t, early, zoneId, 1),
      reserve(t, late, zoneId, 1),
    ]);
    // Fails closed: nobody gets past the line, and the answer is a retryable code, not an internal error.
    expect(during.map(codeOf)).toEqual(Array(during.length).fill("SERVICE_UNAVAILABLE"));
    expect(JSON.stringify(during)).not.toMatch(/redis|ECONN|127\.0\.0\.1/i);
    expect(await pendingBookings(t, zoneId)).toHaveLength(0);

    proxy.restore();
    // Back: the first ticket kept its place, the late joiner queues behind it, nobody was admitted.
    const back = await eventually(
      () => t.query(JOIN, { slotId }, late),
      (r) => !!r.data?.joinWaitingRoom,
      15_000,
    );
    expect(back.data!.joinWaitingRoom).toMatchObject({ number: 2, position: 2, status: "WAITING" });
    expect((await t.query(TICKET, { slotId }, early)).data!.waitingRoomTicket).toMatchObject({
      number: 1,
      position: 1,
      status: "WAITING",
    });
    expect((await t.query(ROOM, { slotId }, organizer)).data!.waitingRoom).toEqual({
      status: "PAUSED",
      joined: 2,
      admitted: 0,
    });
    expect(codeOf(await reserve(t, early, zoneId, 1))).toBe("WAITING_ROOM_REQUIRED");
    expect(await available(t, zoneId)).toBe(20);
  }, 60_000);
});

describe.runIf(!!backends.redisUrl && !!backends.databaseUrl)("npm run inventory:reconcile", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ SWEEP_INTERVAL_MS: "600000", RECONCILE_INTERVAL_MS: "600000" });
  });
  afterAll(() => t?.close());

  it("repairs a counter that drifted from the ledger and reports it", async () => {
    const { zoneId, slotId } = await newZone(t, 50);
    await reserve(t, await t.tokenFor(`drift-${randomUUID()}`, "GUEST"), zoneId, 3);
    const redis = connectRedis(backends.redisUrl!, "drift-test");
    try {
      await redis.set(`${slotKeyPrefix(t.platform.env.REDIS_PREFIX!, slotId)}avail:${zoneId}`, "40");
      const { stdout, code } = await runScript(["scripts/inventory-reconcile.ts"], {
        DATABASE_URL: t.platform.env.DATABASE_URL!,
        REDIS_URL: backends.redisUrl!,
        REDIS_PREFIX: t.platform.env.REDIS_PREFIX!,
      });
      expect(code).toBe(0);
      expect(stdout).toContain(`repaired slot ${slotId} zone ${zoneId}: counter was 40, ledger says 47`);
      expect(await available(t, zoneId)).toBe(47);
      const again = await runScript(["scripts/inventory-reconcile.ts"], {
        DATABASE_URL: t.platform.env.DATABASE_URL!,
        REDIS_URL: backends.redisUrl!,
        REDIS_PREFIX: t.platform.env.REDIS_PREFIX!,
      });
      expect(again.stdout).toContain("no drift");
    } finally {
      await redis.quit();
    }
  });
});

async function runScript(
  args: string[],
  env: Record<string, string>,
): Promise<{ stdout: string; code: number | null }> {
  const { spawn } = await import("node:child_process");
  const path = await import("node:path");
  const root = path.resolve(import.meta.dirname, "../..");
  const child = spawn(path.join(root, "node_modules/.bin/tsx"), args, {
    cwd: root,
    env: { ...process.env, ...env, LOG_LEVEL: "warn" },
  });
  let stdout = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { stdout, code };
}

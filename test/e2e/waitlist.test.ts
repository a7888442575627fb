import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { available, codeOf, ledgerHeld, newZone, reserve } from "../support/scenario";

const ENTRY = `id quantity status position offer { quantity expiresAt } zone { id }`;
const JOIN = `mutation($zoneId: ID!, $quantity: Int!) { joinWaitlist(zoneId: $zoneId, quantity: $quantity) { ${ENTRY} } }`;
const LEAVE = `mutation($zoneId: ID!) { leaveWaitlist(zoneId: $zoneId) { ${ENTRY} } }`;
const MINE = `{ myWaitlist { ${ENTRY} } }`;
const CANCEL = `mutation($input: CancelBookingInput!) { cancelBooking(input: $input) { id status } }`;

/** Offers lapse quickly here, so the test sees one pass on. */
const OFFER_TTL_SECONDS = 8;
const CAPACITY = 40;

/**
 * Waitlist quantities, in joining order. Each booking cancelled frees 4 seats, and the active
 * entries come in runs of exactly 4 seats, so however the 10 cancellations interleave, the offers
 * are the same: all 19 active entries, in order. Entry 1 leaves before seats come back.
 */
const QUANTITIES = [4, 1, 2, 2, 1, 3, 3, 1, 1, 1, 2, 4, 2, 1, 1, 4, 2, 2, 1, 3];
const LEAVER = 1;

interface Entry {
  id: string;
  quantity: number;
  status: string;
  position: number | null;
  offer: { quantity: number; expiresAt: string } | null;
}

describe("the waitlist of a sold-out zone", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ WAITLIST_OFFER_TTL_SECONDS: String(OFFER_TTL_SECONDS), SWEEP_INTERVAL_MS: "250" });
  });
  afterAll(() => t?.close());

  const entriesOf = (zoneId: string) =>
    t.sql<{ id: string; user_id: string; quantity: number; status: string; offer_quantity: number | null }>(
      "inventory",
      sql`select id, user_id, quantity, status, offer_quantity from inventory.waitlist_entries where zone_id = ${zoneId} order by seq`,
    );
  const entryOf = async (zoneId: string, userId: string) =>
    (await entriesOf(zoneId)).filter((e) => e.user_id === userId).at(-1);
  /** Holds in the ledger: every offer is a hold whose id is its entry's, held once. */
  const activeHolds = (zoneId: string) =>
    t.sql<{ id: string; quantity: number; user_id: string }>(
      "inventory",
      sql`select id, quantity, user_id from inventory.holds where zone_id = ${zoneId} and status <> 'RELEASED'`,
    );
  const join = (token: string, zoneId: string, quantity: number) => t.query(JOIN, { zoneId, quantity }, token);

  it("turns cancelled seats into offers for the first entries that fit, passes lapsed ones on, and skips leavers", async () => {
    const { zoneId } = await newZone(t, CAPACITY, { maxPerUser: 4 });
    const guest = await t.tokenFor(`guest-${randomUUID()}`, "GUEST");

    // Client mistakes change nothing.
    expect(codeOf(await t.query(JOIN, { zoneId, quantity: 1 }))).toBe("UNAUTHENTICATED");
    expect(codeOf(await join(guest, zoneId, 1))).toBe("BAD_USER_INPUT"); // seats are available
    expect(codeOf(await join(guest, zoneId, 0))).toBe("BAD_USER_INPUT");
    expect(codeOf(await join(guest, zoneId, 5))).toBe("BAD_USER_INPUT"); // over maxPerUser
    expect(codeOf(await join(guest, randomUUID(), 1))).toBe("NOT_FOUND");
    expect(codeOf(await join(guest, "not-a-zone", 1))).toBe("NOT_FOUND");
    expect(codeOf(await t.query(LEAVE, { zoneId }, guest))).toBe("NOT_FOUND");
    expect(codeOf(await t.query(MINE))).toBe("UNAUTHENTICATED");
    expect(await entriesOf(zoneId)).toEqual([]);

    // Sold out: ten guests with four seats each.
    const holders = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const token = await t.tokenFor(`holder-${i}-${randomUUID()}`, "GUEST");
        const booking = await reserve(t, token, zoneId, 4);
        expect(booking.errors).toBeUndefined();
        return { token, bookingId: booking.data!.reserveSeats.id as string };
      }),
    );
    expect(await available(t, zoneId)).toBe(0);

    // Twenty join, in order; joining again keeps the place.
    const users = await Promise.all(
      QUANTITIES.map(async (quantity, i) => {
        const userId = `waiter-${i}-${randomUUID()}`;
        return { userId, quantity, token: await t.tokenFor(userId, "GUEST", `${userId}@example.com`) };
      }),
    );
    for (const [i, user] of users.entries()) {
      const joined = await join(user.token, zoneId, user.quantity);
      expect(joined.errors).toBeUndefined();
      expect(joined.data!.joinWaitlist).toMatchObject({ status: "WAITING", position: i + 1, offer: null });
    }
    const again = await join(users[3].token, zoneId, 2);
    expect(again.data!.joinWaitlist).toMatchObject({ id: expect.any(String), position: 4, quantity: 2 });
    const left = await t.query(LEAVE, { zoneId }, users[LEAVER].token);
    expect(left.data!.leaveWaitlist).toMatchObject({ status: "LEFT", position: null });
    expect((await t.query(MINE, {}, users[3].token)).data!.myWaitlist).toMatchObject([
      { status: "WAITING", position: 3 },
    ]);
    // Nobody else gets seats while the queue waits for them.
    const outsider = await t.tokenFor(`outsider-${randomUUID()}`, "GUEST");

    // Ten cancellations at once free 40 seats.
    const cancelled = await Promise.all(
      holders.map(({ token, bookingId }) =>
        t.query(CANCEL, { input: { bookingId, reason: "CHANGE_OF_PLANS" } }, token),
      ),
    );
    expect(cancelled.every((r) => r.data?.cancelBooking.status === "CANCELLED")).toBe(true);

    const active = users.filter((_, i) => i !== LEAVER);
    const offered = await eventually(
      () => entriesOf(zoneId),
      (rows) => rows.filter((r) => r.status === "OFFERED").length === active.length,
    );
    expect(offered.map((r) => r.status)).toEqual(users.map((_, i) => (i === LEAVER ? "LEFT" : "OFFERED")));
    expect(offered.filter((r) => r.status === "OFFERED").every((r) => r.offer_quantity === r.quantity)).toBe(true);
    // Each offer is one hold of its entry's seats; nothing beyond capacity; nobody else holds any.
    const holds = await activeHolds(zoneId);
    const offeredRows = offered.filter((r) => r.status === "OFFERED");
    expect(holds.map((h) => h.id).sort()).toEqual(offeredRows.map((r) => r.id).sort());
    expect(await ledgerHeld(t, zoneId)).toBe(CAPACITY);
    expect(await available(t, zoneId)).toBe(0);
    expect(codeOf(await reserve(t, outsider, zoneId, 1))).toBe("INSUFFICIENT_STOCK");

    // Every offered user is notified (stored notification → notificationAdded push).
    const recipients = await eventually(
      () =>
        t.sql<{ recipient_id: string }>(
          "notification",
          sql`select recipient_id from notification.notifications where subject like '%waitlist%'`,
        ),
      (rows) => rows.length >= active.length,
    );
    expect(recipients.map((r) => r.recipient_id).sort()).toEqual(active.map((u) => u.userId).sort());
    // Each stored notification is pushed live to its recipient (`notificationAdded`) from its event.
    const pushed = await t.sql<{ recipient: string }>(
      "notification",
      sql`select payload->>'recipientId' as recipient from notification.outbox where event_type = 'notification.added'`,
    );
    for (const user of active) expect(pushed.map((p) => p.recipient)).toContain(user.userId);
    const mine = await t.query(`{ me { notifications(first: 5) { subject body } } }`, {}, active[0].token);
    expect(mine.data!.me.notifications[0].subject).toMatch(/waitlist/);
    const myEntry = (await t.query(MINE, {}, active[0].token)).data!.myWaitlist[0] as Entry;
    expect(myEntry).toMatchObject({ status: "OFFERED", position: null, offer: { quantity: 4 } });

    // Two late joiners queue behind the offers.
    const late = await Promise.all(
      [2, 3].map(async (quantity, i) => {
        const userId = `late-${i}-${randomUUID()}`;
        return { userId, quantity, token: await t.tokenFor(userId, "GUEST") };
      }),
    );
    for (const user of late) expect((await join(user.token, zoneId, user.quantity)).errors).toBeUndefined();
    expect(codeOf(await reserve(t, late[0].token, zoneId, 1))).toBe("INSUFFICIENT_STOCK");

    // Offered users reserve: more than offered is refused; fewer gives the rest back, to the next entry that fits.
    expect(codeOf(await reserve(t, active[3].token, zoneId, 2))).toBe("BAD_USER_INPUT"); // offered 1
    const acceptKey = `accept-${randomUUID()}`;
    const accepted = await Promise.all([
      reserve(t, active[0].token, zoneId, 2, acceptKey), // offered 4: 2 go back
      reserve(t, active[1].token, zoneId, 2),
      reserve(t, active[4].token, zoneId, 3),
    ]);
    expect(accepted.map((r) => r.errors)).toEqual([undefined, undefined, undefined]);
    expect(accepted.map((r) => r.data!.reserveSeats.status)).toEqual(["PENDING", "PENDING", "PENDING"]);
    // A retry of an accepted reservation gets its booking, although others are still waiting.
    const retried = await reserve(t, active[0].token, zoneId, 2, acceptKey);
    expect(retried.data?.reserveSeats.id).toBe(accepted[0].data!.reserveSeats.id);
    for (const user of [active[0], active[1], active[4]]) {
      expect((await entryOf(zoneId, user.userId))!.status).toBe("ACCEPTED");
    }
    const passedOn = await eventually(
      () => entryOf(zoneId, late[0].userId),
      (e) => e?.status === "OFFERED",
    );
    expect(passedOn).toMatchObject({ status: "OFFERED", offer_quantity: 2 });
    expect(await entryOf(zoneId, late[1].userId)).toMatchObject({ status: "WAITING" });
    expect(await ledgerHeld(t, zoneId)).toBe(CAPACITY);

    // Unanswered offers lapse and pass on: the second late joiner gets seats.
    const lapsed = await eventually(
      () => entryOf(zoneId, late[1].userId),
      (e) => e?.status === "OFFERED",
      (OFFER_TTL_SECONDS + 10) * 1000,
    );
    expect(lapsed).toMatchObject({ status: "OFFERED", offer_quantity: 3 });
    // Offers made in one burst lapse within a sweep or two of each other.
    const first = new Set(active.map((u) => u.userId));
    const afterLapse = await eventually(
      () => entriesOf(zoneId),
      (rows) => !rows.some((r) => first.has(r.user_id) && r.status === "OFFERED"),
    );
    expect(afterLapse.filter((r) => first.has(r.user_id) && r.status === "LAPSED")).toHaveLength(active.length - 3);
    expect(afterLapse.find((r) => r.user_id === late[1].userId)?.status).toBe("OFFERED");
    expect((await entryOf(zoneId, active[3].userId))!.status).toBe("LAPSED");
    const settled = await activeHolds(zoneId);
    const held = settled.reduce((sum, h) => sum + h.quantity, 0);
    expect(held).toBeLessThanOrEqual(CAPACITY);
    expect(await available(t, zoneId)).toBe(CAPACITY - held);
    // Nobody waits any more: the seats left are anyone's.
    const free = await reserve(t, outsider, zoneId, 1);
    expect(free.errors).toBeUndefined();
    expect(free.data?.reserveSeats.status).toBe("PENDING");
  }, 60_000);
});

import { randomUUID } from "node:crypto";
import { ApolloClient, gql, InMemoryCache } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { subscribeWs, wsClient, type LiveSubscription } from "../support/live";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";

/**
 * Live updates that never miss (README: Live updates): a subscriber that comes back with its
 * last cursor gets exactly what it missed, in order, then live changes; one whose token expires
 * continues on a new connection with a fresh token without losing anything (graphql-ws and
 * Apollo Client's GraphQLWsLink, unchanged but for `connectionParams` as a function).
 */
const STATUS = `subscription($id: ID!, $after: String) { bookingStatusChanged(bookingId: $id, after: $after) { id status } }`;
const MINE = `subscription($after: String) { myBookingUpdates(after: $after) { id status } }`;
const PAY = `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`;
const CANCEL = `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`;
const NOTE = `mutation($id: ID!, $v: Int!, $notes: String!) {
  updateBooking(input: { bookingId: $id, expectedVersion: $v, specialRequests: $notes }) { version }
}`;
const BOOKING = `query($id: ID!) { booking(id: $id) { status version payment { status } } }`;

/** The changes of a paid, then cancelled booking, each once (booking and payment events). */
const PAID_THEN_CANCELLED = [
  "booking.cancelled",
  "booking.confirmed",
  "payment.refund_requested",
  "payment.refunded",
  "payment.succeeded",
];

const increasing = (cursors: string[]) =>
  cursors.every((cursor, i) => {
    if (i === 0) return true;
    const [am, as] = cursors[i - 1].split("-").map(Number);
    const [bm, bs] = cursor.split("-").map(Number);
    return bm > am || (bm === am && bs > as);
  });

describe("resuming live updates", () => {
  let t: TestPlatform;
  const open: { close(): void }[] = [];
  beforeAll(async () => {
    t = await startTestPlatform({ PAYMENT_SIMULATOR_DELAY_MS: "50" });
  });
  afterAll(async () => {
    for (const o of open) o.close();
    await t?.close();
  });
  const connect = (token: string) => {
    const client = wsClient(t.platform.gatewayUrl, token);
    open.push({ close: () => void client.dispose() });
    return client;
  };
  const bookingState = async (id: string, token: string) =>
    (
      await t.query<{ booking: { status: string; version: number; payment: { status: string } | null } }>(
        BOOKING,
        { id },
        token,
      )
    ).data!.booking;
  const paidThenCancelled = async (id: string, token: string) => {
    const pay = { bookingId: id, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` };
    expect((await t.query(PAY, { input: pay }, token)).errors).toBeUndefined();
    await eventually(
      () => bookingState(id, token),
      (b) => b.status === "CONFIRMED",
      10_000,
    );
    expect((await t.query(CANCEL, { id }, token)).errors).toBeUndefined();
    await eventually(
      () => bookingState(id, token),
      (b) => b.payment?.status === "REFUNDED",
      10_000,
    );
  };
  const lastCursor = (sub: LiveSubscription) => sub.extensions.at(-1)!.cursor!;

  it("a client back with its last cursor gets exactly the changes it missed, in order, then live ones", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`resume-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const first = connect(guest);
    const status = subscribeWs(first, STATUS, { id: booking.id });
    const mine = subscribeWs(first, MINE);
    // A change both see, so both have a cursor (subscribing twice more until one is listening).
    await eventually(
      async () => {
        const { version } = await bookingState(booking.id, guest);
        await t.query(NOTE, { id: booking.id, v: version, notes: `window seat ${version}` }, guest);
        await new Promise((resolve) => setTimeout(resolve, 300));
        return status.extensions.length > 0 && mine.extensions.length > 0;
      },
      (seen) => seen,
      10_000,
    );
    const statusCursor = lastCursor(status);
    const mineCursor = lastCursor(mine);
    expect(statusCursor).toMatch(/^\d+-\d+$/);
    expect(status.extensions.at(-1)!.eventType).toBe("booking.updated");
    first.dispose();

    // While it is away, the booking is paid, confirmed, cancelled and refunded.
    await paidThenCancelled(booking.id, guest);

    const second = connect(guest);
    const resumed = subscribeWs(second, STATUS, { id: booking.id, after: statusCursor });
    const mineResumed = subscribeWs(second, MINE, { after: mineCursor });
    for (const sub of [resumed, mineResumed]) {
      await eventually(
        async () => sub.extensions.length,
        (n) => n >= PAID_THEN_CANCELLED.length,
        10_000,
      );
      const types = sub.extensions.map((e) => e.eventType!);
      expect([...types].sort()).toEqual(PAID_THEN_CANCELLED);
      expect(types.indexOf("booking.confirmed")).toBeLessThan(types.indexOf("booking.cancelled"));
      expect(types.indexOf("payment.refund_requested")).toBeLessThan(types.indexOf("payment.refunded"));
      const cursors = [sub === resumed ? statusCursor : mineCursor, ...sub.extensions.map((e) => e.cursor!)];
      expect(increasing(cursors)).toBe(true);
      // Each push shows the booking as it is when it is sent.
      expect(
        (sub.received.at(-1) as Record<string, { status: string }>)[
          sub === resumed ? "bookingStatusChanged" : "myBookingUpdates"
        ].status,
      ).toBe("CANCELLED");
    }

    // Then live: a new booking of the same guest arrives on myBookingUpdates, after the catch-up.
    const next = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    const live = await mineResumed.next((p) => p.myBookingUpdates.id === next.id, 5_000);
    expect(live.myBookingUpdates.status).toBe("PENDING");
    expect(mineResumed.extensions.at(-1)!.eventType).toBe("booking.reserved");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(resumed.extensions).toHaveLength(PAID_THEN_CANCELLED.length); // nothing twice
    expect(resumed.errors).toEqual([]);
  });

  it("a cursor older than what is kept is refused with CURSOR_EXPIRED; a made-up one with BAD_USER_INPUT", async () => {
    const guest = await t.tokenFor(`old-${randomUUID()}`, "GUEST");
    const client = connect(guest);
    const stale = subscribeWs(client, MINE, { after: `${Date.now() - 3 * 86_400_000}-0` });
    await eventually(
      async () => stale.errors.length,
      (n) => n > 0,
      5_000,
    );
    expect(stale.errors.flat()[0]).toMatchObject({ extensions: { code: "CURSOR_EXPIRED" } });
    const invented = subscribeWs(client, MINE, { after: "last-tuesday" });
    await eventually(
      async () => invented.errors.length,
      (n) => n > 0,
      5_000,
    );
    expect(invented.errors.flat()[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
  });

  it("Apollo Client over GraphQLWsLink: the token expires mid-stream, the link reconnects with a fresh one and misses nothing", async () => {
    const { zoneId } = await newZone(t, 10);
    const userId = `refresh-${randomUUID()}`;
    const longLived = await t.tokenFor(userId, "GUEST");
    const booking = (await reserve(t, longLived, zoneId, 2)).data!.reserveSeats;
    // The app's token source: a token valid for 3 s now, a fresh one when asked again.
    let token = await t.tokenFor(userId, "GUEST", undefined, "3s");
    const closes: number[] = [];
    let changedWhileAway = false;
    const ws = createClient({
      url: t.platform.gatewayUrl.replace(/^http/, "ws"),
      webSocketImpl: WebSocket,
      connectionParams: () => ({ authorization: `Bearer ${token}` }),
      // Retry every close the protocol allows (4403 "Token expired" is one of them).
      shouldRetry: () => true,
      retryAttempts: 5,
      // While the client is away, the app refreshes its token and the booking is paid.
      async retryWait() {
        token = await t.tokenFor(userId, "GUEST");
        if (changedWhileAway) return;
        changedWhileAway = true;
        const pay = { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `p-${randomUUID()}` };
        expect((await t.query(PAY, { input: pay }, longLived)).errors).toBeUndefined();
        await eventually(
          () => bookingState(booking.id, longLived),
          (b) => b.status === "CONFIRMED",
          10_000,
        );
      },
      on: { closed: (event) => closes.push((event as { code: number }).code) },
    });
    open.push({ close: () => void ws.dispose() });
    const apollo = new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache() });
    const results: { status: string; eventType?: string; cursor?: string }[] = [];
    const subscription = apollo
      .subscribe<{ bookingStatusChanged: { id: string; status: string } }>({
        query: gql(STATUS),
        variables: { id: booking.id },
      })
      .subscribe({
        next: (result) =>
          results.push({
            status: result.data!.bookingStatusChanged.status,
            eventType: result.extensions?.eventType as string | undefined,
            cursor: result.extensions?.cursor as string | undefined,
          }),
      });
    open.push({ close: () => subscription.unsubscribe() });
    // One change before the token expires. A change made before the subscription listens is not
    // sent (it starts live), so each try is a new change: other notes.
    let tries = 0;
    await eventually(
      async () => {
        const { version } = await bookingState(booking.id, longLived);
        if (results.length === 0)
          await t.query(NOTE, { id: booking.id, v: version, notes: `aisle ${++tries}` }, longLived);
        await new Promise((resolve) => setTimeout(resolve, 200));
        return results.length;
      },
      (n) => n > 0,
      2_500,
    );
    // The token expires: 4403, a new connection with a fresh token, and what happened meanwhile.
    await eventually(
      async () => results.map((r) => r.eventType),
      (types) => types.includes("booking.confirmed"),
      15_000,
    );
    expect(closes[0]).toBe(4403);
    // The note(s) seen live, then what happened while away.
    const types = results.map((r) => r.eventType);
    expect(types.slice(-2)).toEqual(["payment.succeeded", "booking.confirmed"]);
    expect(types.slice(0, -2).length).toBeGreaterThanOrEqual(1);
    expect(types.slice(0, -2).every((type) => type === "booking.updated")).toBe(true);
    expect(results.at(-1)!.status).toBe("CONFIRMED");
    expect(increasing(results.map((r) => r.cursor!))).toBe(true);
  });
});

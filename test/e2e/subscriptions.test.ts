import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signUserToken } from "../../lib/core/auth";
import { backends } from "../support/backends";
import { eventually } from "../support/eventually";
import { subscribeSse, subscribeWs, wsClient, type LiveSubscription } from "../support/live";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { codeOf, newZone, reserve } from "../support/scenario";
import { freePort } from "../support/ports";

const ROOT = path.resolve(import.meta.dirname, "../..");
const AVAILABILITY = `subscription($slotId: ID!) { availabilityChanged(slotId: $slotId) { zone { id name } available capacity at } }`;
const BOOKING_WATCH = `subscription($id: ID!) {
  bookingStatusChanged(bookingId: $id) {
    status version
    payment { status }
    zone { name available }
    notifications { subject }
  }
}`;

/** Every gateway of this file serves /metrics with this token. */
const METRICS_TOKEN = `${randomUUID()}${randomUUID()}`;

async function metric(url: string, name: string, labels = ""): Promise<number> {
  const response = await fetch(url.replace(/\/graphql$/, "/metrics"), {
    headers: { authorization: `Bearer ${METRICS_TOKEN}` },
  });
  if (!response.ok) throw new Error(`GET /metrics: ${response.status}`);
  const text = await response.text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`${name}${labels ? `{${labels}` : "{"}`) || l.startsWith(`${name} `));
  return line ? Number(line.split(" ").pop()) : 0;
}

/** Waits until the gateway counts `n` open subscriptions (each is listening on its channel then). */
async function subscribersOpen(url: string, n: number) {
  const count = await eventually(
    () => metric(url, "gateway_subscriptions_active"),
    (value) => value >= n,
    10_000,
  );
  expect(count).toBeGreaterThanOrEqual(n);
}

describe("subscriptions through the gateway (WebSocket and SSE)", () => {
  let t: TestPlatform;
  const open: { close(): void }[] = [];
  beforeAll(async () => {
    t = await startTestPlatform({ PAYMENT_SIMULATOR_DELAY_MS: "50", METRICS_TOKEN });
  });
  afterAll(async () => {
    for (const o of open) o.close();
    await t?.close();
  });
  const watch = <T = Record<string, any>>(sub: LiveSubscription<T>) => {
    open.push(sub);
    return sub;
  };
  const url = () => t.platform.gatewayUrl;

  it("availabilityChanged: the new count within 1 s of a reservation, a cancellation and an expiry", async () => {
    const { zoneId, slotId } = await newZone(t, 10);
    const before = await metric(url(), "gateway_subscriptions_active");
    const client = wsClient(url());
    open.push({ close: () => void client.dispose() });
    const live = watch(subscribeWs(client, AVAILABILITY, { slotId }));
    await subscribersOpen(url(), before + 1);
    const guest = await t.tokenFor(`live-${randomUUID()}`, "GUEST");

    let started = Date.now();
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const afterReserve = await live.next((p) => p.availabilityChanged.available === 8, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(afterReserve.availabilityChanged).toMatchObject({ zone: { id: zoneId, name: "Floor" }, capacity: 10 });

    started = Date.now();
    await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: OTHER }) { status } }`,
      { id: booking.id },
      guest,
    );
    await live.next((p) => p.availabilityChanged.available === 10 && live.received.length >= 2, 1_000);
    expect(Date.now() - started).toBeLessThan(1_000);

    const unpaid = (await reserve(t, guest, zoneId, 3)).data!.reserveSeats;
    await live.next((p) => p.availabilityChanged.available === 7, 1_000);
    const seen = live.received.length;
    await t.sql("booking", sql`update booking.bookings set expires_at = now() where id = ${unpaid.id}`);
    await live.next((p) => p.availabilityChanged.available === 10 && live.received.length > seen, 5_000);
    const received = Date.now();
    const [expired] = await t.sql<{ status: string; updated_at: Date }>(
      "booking",
      sql`select status, updated_at from booking.bookings where id = ${unpaid.id}`,
    );
    expect(expired.status).toBe("EXPIRED");
    expect(received - new Date(expired.updated_at).getTime()).toBeLessThan(1_000);
  });

  it("bookingStatusChanged carries fields of three subgraphs: PENDING → CONFIRMED after payment, and → CANCELLED", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`watcher-${randomUUID()}`, "GUEST", "watcher@example.test");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const before = await metric(url(), "gateway_subscriptions_active");
    const client = wsClient(url(), guest);
    open.push({ close: () => void client.dispose() });
    const live = watch(subscribeWs(client, BOOKING_WATCH, { id: booking.id }));
    await subscribersOpen(url(), before + 1);
    await t.query(
      `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`,
      { input: { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` } },
      guest,
    );
    const confirmed = await live.next((p) => p.bookingStatusChanged.status === "CONFIRMED", 5_000);
    expect(confirmed.bookingStatusChanged).toMatchObject({
      status: "CONFIRMED",
      payment: { status: "SUCCEEDED" },
      zone: { name: "Floor", available: 8 },
    });
    expect(Array.isArray(confirmed.bookingStatusChanged.notifications)).toBe(true);

    await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`,
      { id: booking.id },
      guest,
    );
    const cancelled = await live.next((p) => p.bookingStatusChanged.status === "CANCELLED", 5_000);
    // The status change is announced when it commits; the seats come back right after it, so
    // `available` may still show them held here (availabilityChanged reports the release).
    expect(cancelled.bookingStatusChanged).toMatchObject({ status: "CANCELLED", zone: { name: "Floor" } });
    expect(live.errors).toEqual([]);
  });

  it("bookingStatusChanged pushes each step a guest cares about once: payment, confirmation, a seat removed and refunded, cancellation, refund completed", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`money-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    const before = await metric(url(), "gateway_subscriptions_active");
    const client = wsClient(url(), guest);
    open.push({ close: () => void client.dispose() });
    type Watched = {
      bookingStatusChanged: {
        status: string;
        version: number;
        quantity: number;
        payment: {
          status: string;
          amountPaid: number;
          amountRefunded: number;
          refund: { status: string } | null;
        } | null;
      };
    };
    const live = watch(
      subscribeWs<Watched>(
        client,
        `subscription($id: ID!) { bookingStatusChanged(bookingId: $id) {
          status version quantity payment { status amountPaid amountRefunded refund { status } } } }`,
        { id: booking.id },
      ),
    );
    await subscribersOpen(url(), before + 1);
    const pay = `mutation($input: PayBookingInput!) { payBooking(input: $input) { status } }`;
    await t.query(
      pay,
      { input: { bookingId: booking.id, paymentMethodToken: "tok_success", idempotencyKey: `pay-${randomUUID()}` } },
      guest,
    );
    const confirmed = await live.next((p) => p.bookingStatusChanged.status === "CONFIRMED", 5_000);
    const paid = confirmed.bookingStatusChanged.payment!.amountPaid;
    expect(paid).toBeGreaterThan(0);

    // One seat fewer on the paid booking: its price is refunded (no policy: in full), and the
    // refund's completion is pushed although the booking's own status does not change.
    const updated = await t.query<{ updateBooking: { version: number } }>(
      `mutation($id: ID!, $v: Int!) { updateBooking(input: { bookingId: $id, expectedVersion: $v, quantity: 1 }) { version } }`,
      { id: booking.id, v: confirmed.bookingStatusChanged.version },
      guest,
    );
    expect(updated.errors).toBeUndefined();
    await live.next(
      (p) => p.bookingStatusChanged.quantity === 1 && p.bookingStatusChanged.payment?.refund?.status === "SUCCEEDED",
      5_000,
    );

    await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: CHANGE_OF_PLANS }) { status } }`,
      { id: booking.id },
      guest,
    );
    await live.next((p) => p.bookingStatusChanged.status === "CANCELLED", 5_000);
    // The cancellation's refund completes after the booking's status changed: pushed too.
    const refunded = await live.next(
      (p) => p.bookingStatusChanged.status === "CANCELLED" && p.bookingStatusChanged.payment?.status === "REFUNDED",
      5_000,
    );
    expect(refunded.bookingStatusChanged.payment).toMatchObject({ amountPaid: paid, amountRefunded: paid });
    await new Promise((resolve) => setTimeout(resolve, 500)); // anything late arrives now

    const seen = live.received.map((p) => JSON.stringify(p));
    // Never the same payload twice in a row, and the statuses in their order.
    for (let i = 1; i < seen.length; i++) expect(seen[i]).not.toBe(seen[i - 1]);
    const statuses = live.received.map((p) => p.bookingStatusChanged.status).filter((s, i, all) => s !== all[i - 1]);
    expect(statuses.filter((s) => s !== "PENDING")).toEqual(["CONFIRMED", "CANCELLED"]);
    expect(live.errors).toEqual([]);
  });

  it("refuses another user's bookingStatusChanged, anonymous and invalid tokens; myBookingUpdates shows only your bookings", async () => {
    const { zoneId } = await newZone(t, 10);
    const owner = await t.tokenFor(`owner-${randomUUID()}`, "GUEST");
    const other = await t.tokenFor(`other-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, owner, zoneId, 1)).data!.reserveSeats;

    const stranger = wsClient(url(), other);
    open.push({ close: () => void stranger.dispose() });
    const refused = subscribeWs(stranger, BOOKING_WATCH, { id: booking.id });
    await eventually(
      async () => refused.errors.length,
      (n) => n > 0,
      5_000,
    );
    expect(JSON.stringify(refused.errors)).toMatch(/FORBIDDEN|NOT_FOUND/);
    expect(refused.received).toEqual([]);

    const anonymous = wsClient(url());
    open.push({ close: () => void anonymous.dispose() });
    const anonymousWatch = subscribeWs(anonymous, BOOKING_WATCH, { id: booking.id });
    await eventually(
      async () => anonymousWatch.errors.length,
      (n) => n > 0,
      5_000,
    );
    expect(JSON.stringify(anonymousWatch.errors)).toContain("UNAUTHENTICATED");

    const forged = wsClient(url(), "not-a-token");
    open.push({ close: () => void forged.dispose() });
    const forgedWatch = subscribeWs(forged, AVAILABILITY, { slotId: randomUUID() });
    await eventually(
      async () => forgedWatch.completed || forgedWatch.errors.length > 0,
      (done) => done,
      5_000,
    );
    expect(JSON.stringify(forgedWatch.errors)).toContain("4403");

    const before = await metric(url(), "gateway_subscriptions_active");
    const mine = wsClient(url(), owner);
    open.push({ close: () => void mine.dispose() });
    const updates = watch(subscribeWs(mine, `subscription { myBookingUpdates { id status quantity } }`));
    await subscribersOpen(url(), before + 1);
    await reserve(t, other, zoneId, 1);
    const own = (await reserve(t, owner, zoneId, 2)).data!.reserveSeats;
    const received = await updates.next((p) => p.myBookingUpdates.id === own.id, 5_000);
    expect(received.myBookingUpdates).toEqual({ id: own.id, status: "PENDING", quantity: 2 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(updates.received.every((p) => p.myBookingUpdates.id === own.id)).toBe(true);
  });

  it("closes a connection when its token expires with 4403, which graphql-ws clients retry (with a fresh token)", async () => {
    const { slotId } = await newZone(t, 5);
    const token = await signUserToken(
      { jwtSecret: t.platform.env.JWT_SECRET, issuer: "booking-platform", audience: "booking-api" },
      { userId: `short-${randomUUID()}`, role: "GUEST" },
      "2s",
    );
    const client = wsClient(url(), token);
    open.push({ close: () => void client.dispose() });
    const live = subscribeWs(client, AVAILABILITY, { slotId });
    const closed = await eventually(
      async () => live.completed || live.errors.length > 0,
      (done) => done,
      6_000,
    );
    expect(closed).toBe(true);
    expect(JSON.stringify(live.errors)).toContain('"code":4403');
    expect(JSON.stringify(live.errors)).toContain("Token expired");
  });

  it("SSE delivers the same events as WebSocket", async () => {
    const { zoneId, slotId } = await newZone(t, 10);
    const before = await metric(url(), "gateway_subscriptions_active");
    const client = wsClient(url());
    open.push({ close: () => void client.dispose() });
    const overWs = watch(subscribeWs(client, AVAILABILITY, { slotId }));
    const overSse = watch(subscribeSse(url(), AVAILABILITY, { slotId }));
    await subscribersOpen(url(), before + 2);
    const guest = await t.tokenFor(`sse-${randomUUID()}`, "GUEST");
    await reserve(t, guest, zoneId, 4);
    const [ws, sse] = await Promise.all([
      overWs.next((p) => p.availabilityChanged.available === 6, 2_000),
      overSse.next((p) => p.availabilityChanged.available === 6, 2_000),
    ]);
    expect(sse).toEqual(ws);

    const bad = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: "Bearer nope" },
      body: JSON.stringify({ query: AVAILABILITY, variables: { slotId } }),
    });
    expect(bad.status).toBe(401);
  });

  it("500 subscribers with the same selection: each event is resolved once", async () => {
    const { zoneId, slotId } = await newZone(t, 50);
    const before = await metric(url(), "gateway_subscriptions_active");
    const subscriptions: LiveSubscription[] = [];
    for (let c = 0; c < 50; c++) {
      const client = wsClient(url());
      open.push({ close: () => void client.dispose() });
      for (let s = 0; s < 10; s++) subscriptions.push(watch(subscribeWs(client, AVAILABILITY, { slotId })));
    }
    await subscribersOpen(url(), before + 500);
    const requestsBefore = await metric(url(), "gateway_subgraph_requests_total", 'subgraph="inventory"');
    const guest = await t.tokenFor(`crowd-${randomUUID()}`, "GUEST");
    await reserve(t, guest, zoneId, 3);
    await Promise.all(subscriptions.map((s) => s.next((p) => p.availabilityChanged.available === 47, 5_000)));
    const requestsAfter = await metric(url(), "gateway_subgraph_requests_total", 'subgraph="inventory"');
    expect(requestsAfter - requestsBefore).toBe(1);
  }, 60_000);
});

describe.runIf(!!backends.redisUrl)("two gateway processes share events through Redis", () => {
  let t: TestPlatform;
  let child: ChildProcess | null = null;
  beforeAll(async () => {
    t = await startTestPlatform({ METRICS_TOKEN });
  });
  afterAll(async () => {
    child?.kill("SIGTERM");
    await t?.close();
  });

  it("subscribers on both gateways receive an event published once", async () => {
    const port = await freePort();
    const env = t.platform.env;
    child = spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/start-service.ts", "gateway"], {
      cwd: ROOT,
      env: {
        ...process.env,
        JWT_SECRET: env.JWT_SECRET,
        SERVICE_SECRET: env.SERVICE_SECRET,
        METRICS_TOKEN,
        REDIS_URL: backends.redisUrl,
        REDIS_PREFIX: env.REDIS_PREFIX,
        GATEWAY_PORT: String(port),
        BOOKING_URL: `${t.platform.subgraphs.booking.url}/graphql`,
        INVENTORY_URL: `${t.platform.subgraphs.inventory.url}/graphql`,
        PAYMENT_URL: `${t.platform.subgraphs.payment.url}/graphql`,
        NOTIFICATION_URL: `${t.platform.subgraphs.notification.url}/graphql`,
        LOG_LEVEL: "error",
      },
      stdio: "ignore",
    });
    const second = `http://127.0.0.1:${port}/graphql`;
    const ready = await eventually(
      () =>
        fetch(second.replace("/graphql", "/readyz"))
          .then((r) => r.status)
          .catch(() => 0),
      (status) => status === 200,
      30_000,
    );
    expect(ready).toBe(200);

    const { zoneId, slotId } = await newZone(t, 10);
    const first = t.platform.gatewayUrl;
    const onFirst = wsClient(first);
    const onSecond = wsClient(second);
    const a = subscribeWs(onFirst, AVAILABILITY, { slotId });
    const b = subscribeWs(onSecond, AVAILABILITY, { slotId });
    try {
      await subscribersOpen(first, 1);
      await subscribersOpen(second, 1);
      const guest = await t.tokenFor(`two-${randomUUID()}`, "GUEST");
      const reserved = await reserve(t, guest, zoneId, 2);
      expect(codeOf(reserved)).toBeUndefined();
      const [x, y] = await Promise.all([
        a.next((p) => p.availabilityChanged.available === 8, 3_000),
        b.next((p) => p.availabilityChanged.available === 8, 3_000),
      ]);
      // Each gateway resolves the event itself (`at` is when it read the count).
      const { at: _x, ...fromFirst } = x.availabilityChanged;
      const { at: _y, ...fromSecond } = y.availabilityChanged;
      expect(fromSecond).toEqual(fromFirst);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(a.received).toHaveLength(1);
      expect(b.received).toHaveLength(1);
    } finally {
      a.close();
      b.close();
      await onFirst.dispose();
      await onSecond.dispose();
    }
  }, 60_000);
});

import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestConsumerReplay } from "../../lib/messaging/outbox-admin";
import { startTestPlatform, type TestPlatform } from "../support/platform";
import { newZone, reserve } from "../support/scenario";
import { eventually } from "../support/eventually";

const NOTIFICATIONS = `query($id: ID!) { booking(id: $id) { notifications { subject body status } } }`;

describe("events flow from the outbox to the consumers", () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t?.close());

  it("notifies the guest of a reservation and a cancellation, and the venue owner of both", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`notified-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, guest, zoneId, 2)).data!.reserveSeats;
    await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: FOUND_ALTERNATIVE }) { status } }`,
      { id: booking.id },
      guest,
    );

    const forGuest = await eventually(
      () => t.query(NOTIFICATIONS, { id: booking.id }, guest),
      (r) =>
        r.data?.booking.notifications.length === 2 &&
        r.data.booking.notifications.every((n: { status: string }) => n.status === "SENT"),
    );
    expect(forGuest.data!.booking.notifications.map((n: { subject: string }) => n.subject)).toEqual([
      `Booking ${booking.reference} is reserved`,
      `Booking ${booking.reference} is cancelled`,
    ]);
    expect(forGuest.data!.booking.notifications[1].body).toContain("FOUND_ALTERNATIVE");
    const mine = await t.query(`{ me { id notifications(first: 5) { subject } } }`, {}, guest);
    expect(mine.data!.me.notifications.map((n: { subject: string }) => n.subject)).toEqual([
      `Booking ${booking.reference} is cancelled`,
      `Booking ${booking.reference} is reserved`,
    ]);
    expect((await t.query(`{ me { id } }`)).errors![0].extensions!.code).toBe("UNAUTHENTICATED");
    const forOwner = await t.query(NOTIFICATIONS, { id: booking.id }, t.platform.demoTokens.organizer);
    expect(forOwner.data!.booking.notifications).toEqual([
      {
        subject: `New booking ${booking.reference}`,
        body: expect.stringContaining("2 seats reserved, awaiting payment"),
        status: "SENT",
      },
      {
        subject: `Booking ${booking.reference} was cancelled`,
        body: expect.stringContaining("2 seats are free again"),
        status: "SENT",
      },
    ]);
  });

  it("applies a redelivered event once (inbox): no second notification, no second release", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`redelivered-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    await t.query(
      `mutation($id: ID!) { cancelBooking(input: { bookingId: $id, reason: OTHER }) { status } }`,
      { id: booking.id },
      guest,
    );
    await eventually(
      () => t.query(NOTIFICATIONS, { id: booking.id }, guest),
      (r) => r.data?.booking.notifications.length === 2,
    );
    const [cancelled] = await t.sql<{
      event_id: string;
      payload: unknown;
      aggregate_version: number;
      occurred_at: string;
    }>(
      "booking",
      sql`select event_id, payload, aggregate_version, occurred_at::text from booking.outbox where aggregate_id = ${booking.id} and event_type = 'booking.cancelled'`,
    );
    const envelope = {
      eventId: cancelled.event_id,
      eventType: "booking.cancelled",
      aggregateType: "booking",
      aggregateId: booking.id,
      aggregateVersion: cancelled.aggregate_version,
      occurredAt: new Date(cancelled.occurred_at).toISOString(),
      actor: null,
      traceparent: null,
      payload: cancelled.payload,
    };
    for (let i = 0; i < 3; i++) {
      await t.platform.publisher.publish("booking.events", [
        {
          key: booking.id,
          value: JSON.stringify(envelope),
          headers: { event_id: envelope.eventId, event_type: envelope.eventType },
        },
      ]);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = await t.query(NOTIFICATIONS, { id: booking.id }, guest);
    expect(after.data!.booking.notifications).toHaveLength(2);
    const inbox = await t.sql<{ n: number }>(
      "inventory",
      sql`select count(*)::int as n from inventory.inbox where event_id = ${envelope.eventId}`,
    );
    expect(inbox[0].n).toBe(1);
  });

  it("moves an event a consumer keeps failing on to its dead-letter table after 5 attempts, and goes on", async () => {
    const poison = {
      eventId: randomUUID(),
      eventType: "booking.cancelled",
      aggregateType: "booking",
      aggregateId: "not-a-uuid", // the notification row cannot reference it: every attempt fails
      aggregateVersion: 2,
      occurredAt: new Date().toISOString(),
      actor: null,
      traceparent: null,
      payload: { reference: "BR-20260101-POISON", userId: "someone", quantity: 1, reason: "OTHER" },
    };
    await t.platform.publisher.publish("booking.events", [
      {
        key: poison.aggregateId,
        value: JSON.stringify(poison),
        headers: { event_id: poison.eventId, event_type: poison.eventType },
      },
    ]);
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`after-poison-${randomUUID()}`, "GUEST");
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;

    const dead = await eventually(
      () =>
        t.sql<{ attempts: number; consumer: string }>(
          "notification",
          sql`select attempts, consumer from notification.consumer_dead_letters where event_id = ${poison.eventId}`,
        ),
      (rows) => rows.length === 1,
      30_000,
    );
    expect(dead).toEqual([{ attempts: 5, consumer: "notification-booking-events" }]);
    const later = await eventually(
      () => t.query(NOTIFICATIONS, { id: booking.id }, guest),
      (r) => r.data?.booking.notifications.length === 1,
      30_000,
    );
    expect(later.data!.booking.notifications[0].subject).toBe(`Booking ${booking.reference} is reserved`);
    const metrics = await (await fetch(`${t.platform.subgraphs.notification.url}/metrics`)).text();
    expect(metrics).toMatch(
      /booking_consumer_events_total\{consumer="notification-booking-events",outcome="dead_lettered",service="notification"\} 1/,
    );
    expect(metrics).toMatch(
      /booking_consumer_events_total\{consumer="notification-booking-events",outcome="duplicate",service="notification"\} [1-9]/,
    );
    // Offset lag per consumer group, measured every few seconds: the backlog is consumed.
    const lag = await eventually(
      async () => (await fetch(`${t.platform.subgraphs.notification.url}/metrics`)).text(),
      (text) =>
        /booking_consumer_lag_messages\{consumer="notification-booking-events",topic="booking.events",service="notification"\} 0$/m.test(
          text,
        ),
    );
    expect(lag).toMatch(
      /booking_consumer_lag_messages\{consumer="notification-payment-events",topic="payment.events",service="notification"\} 0$/m,
    );
  }, 60_000);

  it("replays a consumer's dead letter once the cause is fixed", async () => {
    const { zoneId } = await newZone(t, 10);
    const guest = await t.tokenFor(`replayed-${randomUUID()}`, "GUEST");
    // A real fault: the notifications table refuses this guest's rows until the trigger is dropped.
    await t.sql(
      "notification",
      sql.raw(`create or replace function notification.test_refuse() returns trigger language plpgsql as $$
      begin if new.recipient_id like 'replayed-%' then raise exception 'refused'; end if; return new; end $$`),
    );
    await t.sql(
      "notification",
      sql.raw(
        `create trigger test_refuse before insert on notification.notifications for each row execute function notification.test_refuse()`,
      ),
    );
    const booking = (await reserve(t, guest, zoneId, 1)).data!.reserveSeats;
    try {
      const dead = await eventually(
        () =>
          t.sql<{ id: number }>(
            "notification",
            sql`select id from notification.consumer_dead_letters where envelope->>'aggregateId' = ${booking.id}`,
          ),
        (rows) => rows.length === 1,
        30_000,
      );
      expect(dead).toHaveLength(1);
      expect((await t.query(NOTIFICATIONS, { id: booking.id }, guest)).data!.booking.notifications).toEqual([]);

      await t.sql("notification", sql.raw(`drop trigger test_refuse on notification.notifications`));
      expect(await requestConsumerReplay(t.platform.databases.notification.db, "notification", dead[0].id)).toBe(1);
      const replayed = await eventually(
        () => t.query(NOTIFICATIONS, { id: booking.id }, guest),
        (r) => r.data?.booking.notifications.length === 1,
        20_000,
      );
      expect(replayed.data!.booking.notifications[0].subject).toBe(`Booking ${booking.reference} is reserved`);
      const left = await t.sql(
        "notification",
        sql`select id from notification.consumer_dead_letters where envelope->>'aggregateId' = ${booking.id}`,
      );
      expect(left).toEqual([]);
    } finally {
      await t.sql("notification", sql.raw(`drop trigger if exists test_refuse on notification.notifications`));
    }
  }, 60_000);
});

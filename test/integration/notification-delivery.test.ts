import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../lib/storage/db";
import { createLogger } from "../../lib/observability/logger";
import type { EventEnvelope } from "../../lib/contracts";
import {
  createDelivery,
  createNotificationConsumer,
} from "../../subgraphs/notification/notification/notification.consumer";
import {
  createNotificationRepository,
  MAX_DELIVERY_ATTEMPTS,
} from "../../subgraphs/notification/notification/notification.repository";
import { createSmtpSender } from "../../subgraphs/notification/notification/notification.sender";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { startSmtpSink } from "../support/smtp";

describe("e-mail delivery through a real SMTP server, with retries", () => {
  let test: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let sender: ReturnType<typeof createSmtpSender>;
  beforeAll(async () => {
    test = await createTestDatabase();
    smtp = await startSmtpSink();
    sender = createSmtpSender({ url: smtp.url, from: "Booking Platform <no-reply@example.test>" });
  });
  afterAll(async () => {
    await sender?.close?.();
    await smtp?.close();
    await test?.drop();
  });

  const store = async (recipientAddress: string | null) => {
    const notification = {
      id: randomUUID(),
      bookingId: randomUUID(),
      recipientId: `user-${randomUUID()}`,
      recipientAddress,
      channel: "EMAIL" as const,
      subject: `Booking BR-${randomUUID().slice(0, 6)} is confirmed`,
      body: "2 seats are yours.",
      status: "PENDING" as const,
      attempts: 0,
      lastError: null,
      sentAt: null,
    };
    await createNotificationRepository(test.database.db).insert(notification);
    return { ...notification, createdAt: new Date() };
  };
  const row = async (id: string) =>
    (
      await queryRows<{ status: string; attempts: number; last_error: string | null; sent_at: Date | null }>(
        test.database.db,
        sql`select status, attempts, last_error, sent_at from notification.notifications where id = ${id}`,
      )
    )[0];
  /** Time passes: the next attempt of every pending notification is due now. */
  const makeDue = () =>
    test.database.db.execute(
      sql`update notification.notifications set next_attempt_at = now() where status = 'PENDING'`,
    );

  it("e-mails the recipient's address with the subject and body, and marks the notification SENT", async () => {
    const delivery = createDelivery(test.database.db, sender, createLogger("silent"));
    const notification = await store("grace@example.test");
    await delivery.deliver(notification);
    const mail = smtp.received.find((m) => m.subject === notification.subject)!;
    expect(mail.to).toEqual(["grace@example.test"]);
    expect(mail.from).toBe("no-reply@example.test");
    expect(mail.raw).toContain("2 seats are yours.");
    expect(mail.raw).toMatch(new RegExp(`^X-Notification-Id: ${notification.id}$`, "im"));
    expect(await row(notification.id)).toMatchObject({ status: "SENT", attempts: 1, last_error: null });
  });

  it("retries a temporary refusal (451) with backoff until the server accepts", async () => {
    const delivery = createDelivery(test.database.db, sender, createLogger("silent"));
    const notification = await store("busy@example.test");
    smtp.refuseWith((to) => (to === "busy@example.test" ? 451 : null));
    await delivery.deliver(notification);
    expect(await row(notification.id)).toMatchObject({ status: "PENDING", attempts: 1 });
    expect((await row(notification.id)).last_error).toContain("451");
    // Not due yet: the retry loop leaves it alone.
    const early = await createNotificationRepository(test.database.db).claimDue(100);
    expect(early.map((n) => n.id)).not.toContain(notification.id);

    smtp.refuseWith(() => null);
    await makeDue();
    expect(await delivery.retryDue(100)).toBeGreaterThanOrEqual(1);
    expect(await row(notification.id)).toMatchObject({ status: "SENT", attempts: 2, last_error: null });
    expect(smtp.received.filter((m) => m.subject === notification.subject)).toHaveLength(1);
  });

  it("gives up at once on a permanent refusal (550) or a missing address, and after 5 temporary ones", async () => {
    const delivery = createDelivery(test.database.db, sender, createLogger("silent"));
    const refused = await store("gone@example.test");
    const noAddress = await store(null);
    const flaky = await store("flaky@example.test");
    smtp.refuseWith((to) => (to === "gone@example.test" ? 550 : to === "flaky@example.test" ? 421 : null));
    for (const n of [refused, noAddress, flaky]) await delivery.deliver(n);
    expect(await row(refused.id)).toMatchObject({ status: "FAILED", attempts: 1 });
    expect(await row(noAddress.id)).toMatchObject({
      status: "FAILED",
      attempts: 1,
      last_error: "no e-mail address for the recipient",
    });
    for (let i = 1; i < MAX_DELIVERY_ATTEMPTS; i++) {
      await makeDue();
      await delivery.retryDue(100);
    }
    expect(await row(flaky.id)).toMatchObject({ status: "FAILED", attempts: MAX_DELIVERY_ATTEMPTS });
    await makeDue();
    const claimed = await createNotificationRepository(test.database.db).claimDue(100);
    expect(claimed.map((n) => n.id)).not.toContain(flaky.id);
    smtp.refuseWith(() => null);
  });

  it("keeps a notification PENDING while the SMTP server is down, and sends it once it is back", async () => {
    const delivery = createDelivery(test.database.db, sender, createLogger("silent"));
    const down = createSmtpSender({ url: "smtp://127.0.0.1:1", from: "no-reply@example.test" });
    const notification = await store("later@example.test");
    await createDelivery(test.database.db, down, createLogger("silent")).deliver(notification);
    await down.close?.();
    expect(await row(notification.id)).toMatchObject({ status: "PENDING", attempts: 1 });
    expect((await row(notification.id)).last_error).toContain("SMTP unreachable");
    await makeDue();
    await delivery.retryDue(100);
    expect(await row(notification.id)).toMatchObject({ status: "SENT", attempts: 2 });
  });

  it("sends a notification that was stored but never sent (a crash after the commit) once it is due", async () => {
    const delivery = createDelivery(test.database.db, sender, createLogger("silent"));
    const orphan = await store("orphan@example.test");
    expect((await createNotificationRepository(test.database.db).claimDue(100)).map((n) => n.id)).not.toContain(
      orphan.id,
    );
    await makeDue();
    await delivery.retryDue(100);
    expect(await row(orphan.id)).toMatchObject({ status: "SENT", attempts: 1 });
    expect(smtp.received.filter((m) => m.subject === orphan.subject).map((m) => m.to)).toEqual([
      ["orphan@example.test"],
    ]);
  });
});

/**
 * A stored notification reaches its recipient's subscriptions through notification's outbox: the
 * statement that stores it writes its `notification.added` (the relay pushes it to
 * `user-notifications:<recipientId>`); a duplicate writes nothing.
 */
describe("notification.added in notification's outbox", () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => {
    await test?.drop();
  });

  const draft = (recipientId = `user-${randomUUID()}`) => ({
    id: randomUUID(),
    bookingId: randomUUID(),
    recipientId,
    recipientAddress: null,
    channel: "EMAIL" as const,
    subject: "Booking BR-1 is confirmed",
    body: "2 seats are yours.",
    status: "PENDING" as const,
    attempts: 0,
    lastError: null,
    sentAt: null,
  });
  /** The `notification.added` events about `ids`, oldest first. */
  const events = (ids: string[]) =>
    queryRows<{
      event_type: string;
      aggregate_type: string;
      aggregate_id: string;
      aggregate_version: number;
      payload: { notificationId: string; recipientId: string };
    }>(
      test.database.db,
      sql`select event_type, aggregate_type, aggregate_id, aggregate_version, payload from notification.outbox
          where aggregate_id in (${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )}) order by id`,
    );

  it("storing a notification writes one event with it; storing it again writes none", async () => {
    const repository = createNotificationRepository(test.database.db);
    const notification = draft();
    await repository.insert(notification);
    const added = {
      event_type: "notification.added",
      aggregate_type: "notification",
      aggregate_id: notification.id,
      aggregate_version: 1,
      payload: { notificationId: notification.id, recipientId: notification.recipientId },
    };
    expect(await events([notification.id])).toEqual([added]);

    // A batch with the duplicate and a new one: one more event, the new one's.
    const fresh = draft();
    await repository.insertMany([{ ...notification, subject: "again" }, fresh]);
    expect(await events([notification.id, fresh.id])).toEqual([
      added,
      expect.objectContaining({
        aggregate_id: fresh.id,
        payload: { notificationId: fresh.id, recipientId: fresh.recipientId },
      }),
    ]);
  });

  it("a store that fails writes no event (one statement: both or neither)", async () => {
    const repository = createNotificationRepository(test.database.db);
    const good = draft();
    const bad = { ...draft(), channel: "PIGEON" as "EMAIL" }; // breaks the channel check
    await expect(repository.insertMany([good, bad])).rejects.toThrow();
    expect(await events([good.id, bad.id])).toEqual([]);
  });

  it("the consumer: each notification of a batch writes one event; a redelivered batch none", async () => {
    const db = test.database.db;
    const sent: string[] = [];
    const logger = createLogger("silent");
    const delivery = createDelivery(db, { send: async (n) => void sent.push(n.id) }, logger);
    const consumer = createNotificationConsumer({ name: "notification-booking-events", db, delivery, logger });
    const guest = `guest-${randomUUID()}`;
    const bookingId = randomUUID();
    const reserved: EventEnvelope = {
      eventId: randomUUID(),
      eventType: "booking.reserved",
      aggregateType: "booking",
      aggregateId: bookingId,
      aggregateVersion: 1,
      occurredAt: new Date().toISOString(),
      actor: guest,
      traceparent: null,
      payload: {
        bookingId,
        reference: "BR-20260101-000001",
        userId: guest,
        guestEmail: "guest@example.test",
        organizerId: "organizer-1",
        organizerEmail: null,
        quantity: 2,
        expiresAt: new Date(Date.now() + 600_000).toISOString(),
        price: { total: 4200, currency: "EUR" },
      },
    };
    await consumer.handleBatch([reserved]);
    expect(sent).toHaveLength(2); // the guest and the venue's owner
    const added = await events(sent);
    expect(added.map((e) => e.payload.recipientId).sort()).toEqual([guest, "organizer-1"].sort());
    expect(added.map((e) => e.payload.notificationId).sort()).toEqual([...sent].sort());

    await consumer.handleBatch([reserved]); // redelivered
    expect(sent).toHaveLength(2);
    const rows = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from notification.outbox where payload->>'recipientId' in (${guest}, 'organizer-1')
          and payload->>'notificationId' in (select id::text from notification.notifications where booking_id = ${bookingId})`,
    );
    expect(rows[0].n).toBe(2);
  });
});

import { randomUUID } from "node:crypto";
import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/db";
import { createInboxConsumer, type EventEnvelope } from "../../../lib/event-consumer";
import type { Logger } from "../../../lib/logger";
import { createNotificationRepository, type Notification } from "./notification.repository";
import type { NotificationSender } from "./notification.sender";

type Draft = Pick<Notification, "recipientId" | "subject" | "body">;

/** What each booking event tells whom. Cancellations reach the guest and the venue's owner (ADR-023). */
export function notificationsFor(event: EventEnvelope): Draft[] {
  const p = event.payload as {
    reference?: string;
    userId?: string;
    organizerId?: string | null;
    quantity?: number;
    expiresAt?: string | null;
    reason?: string;
    paymentTaken?: boolean;
  };
  if (!p.userId || !p.reference) return [];
  const seats = `${p.quantity} seat${p.quantity === 1 ? "" : "s"}`;
  switch (event.eventType) {
    case "booking.reserved":
      return [
        {
          recipientId: p.userId,
          subject: `Booking ${p.reference} is reserved`,
          body: `${seats} held until ${p.expiresAt}. Pay before then to confirm.`,
        },
      ];
    case "booking.confirmed":
      return [
        {
          recipientId: p.userId,
          subject: `Booking ${p.reference} is confirmed`,
          body: `${seats} are yours. See you there.`,
        },
      ];
    case "booking.expired":
      return [
        {
          recipientId: p.userId,
          subject: `Booking ${p.reference} expired`,
          body: `It was not paid in time, so the ${seats} were released.`,
        },
      ];
    case "booking.cancelled": {
      const refund = p.paymentTaken ? " Your payment will be refunded." : "";
      const drafts: Draft[] = [
        {
          recipientId: p.userId,
          subject: `Booking ${p.reference} is cancelled`,
          body: `Reason: ${p.reason}.${refund}`,
        },
      ];
      if (p.organizerId && p.organizerId !== p.userId) {
        drafts.push({
          recipientId: p.organizerId,
          subject: `Booking ${p.reference} was cancelled`,
          body: `${seats} are free again. Reason: ${p.reason}.`,
        });
      }
      return drafts;
    }
    default:
      return [];
  }
}

/**
 * Stores the notifications of a booking event in the same transaction as its inbox entry (a
 * redelivered event creates nothing), then sends them after the commit.
 */
export function createNotificationConsumer(
  db: AppDatabase,
  sender: NotificationSender,
  logger: Logger,
  registry?: Registry,
) {
  const notifications = createNotificationRepository(db);
  const created = new Map<string, Notification[]>();
  return createInboxConsumer({
    name: "notification-booking-events",
    schema: "notification",
    db,
    logger,
    registry,
    apply: async (tx, event) => {
      const rows = notificationsFor(event).map((draft) => ({
        ...draft,
        id: randomUUID(),
        bookingId: event.aggregateId,
        channel: "EMAIL" as const,
        status: "PENDING" as const,
        attempts: 0,
        sentAt: null,
      }));
      for (const row of rows) await createNotificationRepository(tx).insert(row);
      created.set(
        event.eventId,
        rows.map((r) => ({ ...r, createdAt: new Date() })),
      );
    },
    afterCommit: async (event) => {
      const rows = created.get(event.eventId) ?? [];
      created.delete(event.eventId);
      for (const notification of rows) {
        try {
          await sender.send(notification);
          await notifications.markSent(notification.id);
        } catch (error) {
          await notifications.markFailedAttempt(notification.id);
          logger.warn("notification not delivered", { notificationId: notification.id, error });
        }
      }
    },
  });
}

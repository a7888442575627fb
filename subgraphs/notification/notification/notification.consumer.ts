import { randomUUID } from "node:crypto";
import type { Registry } from "prom-client";
import type { AppDatabase } from "../../../lib/storage/db";
import { isEvent, type EventEnvelope, type EventPayloads } from "../../../lib/contracts";
import { createInboxConsumer } from "../../../lib/messaging/event-consumer";
import type { Logger } from "../../../lib/observability/logger";
import { createNotificationRepository, type Notification } from "./notification.repository";
import { DeliveryError, type NotificationSender } from "./notification.sender";

type Draft = Pick<Notification, "recipientId" | "recipientAddress" | "subject" | "body">;

const money = (minor: number | undefined, currency: string | undefined) =>
  minor === undefined ? "" : `${(minor / 100).toFixed(2)} ${currency ?? ""}`.trim();

/** The events that notify someone. */
const NOTIFYING_EVENTS = [
  "booking.reserved",
  "booking.confirmed",
  "booking.updated",
  "booking.failed",
  "booking.expired",
  "booking.cancelled",
  "payment.refunded",
] as const;

/**
 * What each event tells whom. Booking events come from `booking.events`, refunds from
 * `payment.events`; both carry the booking's reference, the guest and the addresses copied at
 * reservation. Reservations, confirmations and cancellations also reach the venue's owner
 *, unless the owner booked for themselves.
 */
export function notificationsFor(event: EventEnvelope): Draft[] {
  if (isEvent(event, "inventory.waitlist_offered")) return waitlistOffer(event.payload);
  if (!isEvent(event, NOTIFYING_EVENTS)) return [];
  const { userId, reference, guestEmail } = event.payload;
  if (!userId || !reference) return [];
  const guest = (subject: string, body: string): Draft => ({
    recipientId: userId,
    recipientAddress: guestEmail ?? null,
    subject,
    body,
  });
  if (event.eventType === "payment.refunded") {
    const p = event.payload;
    return [
      guest(
        `Refund for booking ${reference}`,
        `${money(p.amountMinor, p.currency)} has been refunded to your payment method.`,
      ),
    ];
  }
  const p = event.payload;
  const owner = (subject: string, body: string): Draft[] =>
    p.organizerId && p.organizerId !== userId
      ? [{ recipientId: p.organizerId, recipientAddress: p.organizerEmail ?? null, subject, body }]
      : [];
  const seats = `${p.quantity} seat${p.quantity === 1 ? "" : "s"}`;
  const total = money(p.price?.total, p.price?.currency);
  switch (event.eventType) {
    case "booking.reserved":
      return [
        guest(`Booking ${reference} is reserved`, `${seats} held until ${p.expiresAt}. Pay before then to confirm.`),
        ...owner(`New booking ${reference}`, `${seats} reserved, awaiting payment until ${p.expiresAt}.`),
      ];
    case "booking.confirmed":
      return [
        guest(`Booking ${reference} is confirmed`, `Payment received: ${seats} are yours. See you there.`),
        ...owner(`Booking ${reference} is confirmed`, `${seats} paid${total ? ` (${total})` : ""}.`),
      ];
    case "booking.updated":
      return [guest(`Booking ${reference} was changed`, `It is now ${seats}${total ? `, ${total} in total` : ""}.`)];
    case "booking.failed":
      return [
        guest(
          `Payment for booking ${reference} failed`,
          `The payment was declined${event.payload.reason ? ` (${event.payload.reason})` : ""}, so the ${seats} were released. You can book again.`,
        ),
      ];
    case "booking.expired":
      return [guest(`Booking ${reference} expired`, `It was not paid in time, so the ${seats} were released.`)];
    case "booking.cancelled": {
      const cancelled = event.payload;
      return [
        guest(
          `Booking ${reference} is cancelled`,
          `Reason: ${cancelled.reason}.${cancelled.paymentTaken ? refundText(cancelled) : ""}`,
        ),
        ...owner(`Booking ${reference} was cancelled`, `${seats} are free again. Reason: ${cancelled.reason}.`),
      ];
    }
  }
}

/** Seats held for a waitlist entry (inventory's `inventory.waitlist_offered`): the user is told to reserve them. */
function waitlistOffer(p: Partial<EventPayloads["inventory.waitlist_offered"]>): Draft[] {
  if (!p.userId || !p.quantity || !p.expiresAt || !p.zoneId) return [];
  const seats = `${p.quantity} seat${p.quantity === 1 ? "" : "s"}`;
  return [
    {
      recipientId: p.userId,
      recipientAddress: p.email ?? null,
      subject: `Seats are held for you from the waitlist`,
      body: `${seats} in zone ${p.zoneId} are held for you until ${p.expiresAt}. Reserve them (reserveSeats) before then, or they go to the next person in line.`,
    },
  ];
}

/** The booking a (payment) event is about, as its payload names it. */
const bookingIdIn = (event: EventEnvelope): string | null =>
  isEvent(event, NOTIFYING_EVENTS) ? (event.payload.bookingId ?? null) : null;

/** A paid booking's cancellation: what comes back and what the venue keeps (older events carry neither). */
function refundText(p: {
  refundMinor?: number;
  feeMinor?: number;
  feeWaived?: boolean;
  price?: { currency?: string };
}) {
  const later = " we will write again when it is done.";
  if (p.refundMinor === undefined) return ` Your payment will be refunded;${later}`;
  const refund = money(p.refundMinor, p.price?.currency);
  const fee = p.feeMinor
    ? ` The venue keeps a cancellation fee of ${money(p.feeMinor, p.price?.currency)}.`
    : p.feeWaived
      ? " The cancellation fee was waived."
      : "";
  return p.refundMinor > 0
    ? ` ${refund} will be refunded to your payment method;${later}${fee}`
    : ` Under the venue's cancellation policy nothing is refunded.${fee}`;
}

/** How long sent notifications wait to be marked SENT together: far less than the 30 s before a retry is due. */
const MARK_SENT_EVERY_MS = 5_000;

/**
 * Sends stored notifications and records the outcome. Used right after the consumer commits and
 * by the retry loop, which picks up whatever is still PENDING when its next attempt is due.
 */
export function createDelivery(db: AppDatabase, sender: NotificationSender, logger: Logger) {
  const notifications = createNotificationRepository(db);
  /**
   * Sends the notifications one after the other. The sent ones are marked SENT in one statement
   * at the end (sooner if sending takes a while, so none stays PENDING until the retry loop sends
   * it again); a failure is recorded for its notification at once.
   */
  async function deliverMany(batch: Notification[]) {
    let sent: string[] = [];
    let since = Date.now();
    const markSent = async () => {
      const ids = sent;
      sent = [];
      since = Date.now();
      await notifications.markSent(ids);
    };
    for (const notification of batch) {
      try {
        await sender.send(notification);
        sent.push(notification.id);
      } catch (error) {
        const permanent = error instanceof DeliveryError && error.permanent;
        await notifications.markFailedAttempt(notification.id, (error as Error).message, permanent);
        logger.warn("notification not delivered", {
          notificationId: notification.id,
          permanent,
          error: (error as Error).message,
        });
      }
      if (Date.now() - since >= MARK_SENT_EVERY_MS) await markSent();
    }
    await markSent();
  }
  return {
    deliverMany,
    deliver: (notification: Notification) => deliverMany([notification]),
    /** One pass of the retry loop; returns how many notifications it tried. */
    async retryDue(limit = 50): Promise<number> {
      const due = await notifications.claimDue(limit);
      await deliverMany(due);
      return due.length;
    },
  };
}

/**
 * Stores the notifications of a batch of events in one statement, in the same transaction as
 * their inbox entries (a redelivered event creates nothing), then sends them after the commit
 * and marks the sent ones in one statement. Events that notify nobody are skipped before any SQL.
 * The same statement writes each stored notification's `notification.added` event: the relay
 * pushes it to the recipient's subscriptions once the transaction committed.
 */
export function createNotificationConsumer(options: {
  name: string;
  db: AppDatabase;
  delivery: ReturnType<typeof createDelivery>;
  logger: Logger;
  registry?: Registry;
}) {
  const { db, delivery } = options;
  const rowsOf = (event: EventEnvelope): Notification[] =>
    notificationsFor(event).map((draft) => ({
      ...draft,
      id: randomUUID(),
      bookingId: event.aggregateType === "booking" ? event.aggregateId : bookingIdIn(event),
      channel: "EMAIL" as const,
      status: "PENDING" as const,
      attempts: 0,
      lastError: null,
      sentAt: null,
      createdAt: new Date(),
    }));
  return createInboxConsumer({
    name: options.name,
    schema: "notification",
    db,
    logger: options.logger,
    registry: options.registry,
    handles: (event) => notificationsFor(event).length > 0,
    applyBatch: async (tx, events) => {
      const rows = events.flatMap(rowsOf);
      await createNotificationRepository(tx).insertMany(rows.map(({ createdAt: _, ...row }) => row));
      return () => delivery.deliverMany(rows);
    },
  });
}
